// Section 13, convergence as a property: three replicas do random work (every write operation of the catalog,
// concurrent edits of the same WPs, deletes against edits, cross-replica cycles) and sync in random pairs,
// directions and transports (store to store, replica folder). After everyone has met, all replicas hold equal
// WP, MT and dependency state, and each store's `events verify` and `replay` pass. Runs on SQLite, and with a
// PostgreSQL replica among SQLite ones.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { postgresBackend, type StoreBackend, sqliteBackend } from "../support/stores.js";
import {
  assertSameState,
  assertSound,
  openReplicas,
  type Replica,
  type ReplicaSet,
  sync,
  wpIdsOf,
} from "./sync-support.js";

const LABELS = ["api", "ui", "db", "ops"];
const pick = <T>(items: readonly T[], n: number): T | undefined =>
  items.length === 0 ? undefined : items[n % items.length];

/** One step of a run: a replica does work, or two replicas (or one and the folder) sync. */
type Step =
  | { kind: "op"; replica: number; op: number; a: number; b: number; c: number }
  | { kind: "sync"; replica: number; peer: number; direction: "pull" | "push" | "both"; folder: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("op" as const),
      replica: fc.nat(2),
      op: fc.nat(16),
      a: fc.nat(50),
      b: fc.nat(50),
      c: fc.nat(50),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("sync" as const),
      replica: fc.nat(2),
      peer: fc.nat(2),
      direction: fc.constantFrom("pull" as const, "push" as const, "both" as const),
      folder: fc.boolean(),
    }),
  },
);

/** What the runs exercised: successful writes per operation, and merge conflicts reported by syncs. */
const exercised = new Map<string, number>();
const count = (key: string, by = 1) => exercised.set(key, (exercised.get(key) ?? 0) + by);

/** Runs one random write on a replica, against the WPs it knows. Refusals are part of the game. */
async function doWork(replica: Replica, step: Extract<Step, { kind: "op" }>): Promise<void> {
  const ids = await wpIdsOf(replica);
  const wp = pick(ids, step.a);
  const other = pick(ids, step.b);
  const run = async (operation: string, params: Record<string, unknown>) => {
    const result = await replica.engine.run(operation, params);
    if (result.success) count(operation);
  };
  const mt = `MT-00${(step.c % 2) + 1}`;
  // MT work happens on WPs in progress: pick among those for it.
  const state = await replica.store.loadState();
  const working = [...state.wps.values()].filter((w) => w.status === "in_progress").map((w) => w.wp_id);
  const target = pick(working.sort(), step.a) ?? wp;
  switch (wp === undefined ? 0 : step.op) {
    case 0:
      await run("create_wp", { title: `task ${step.a}`, labels: [pick(LABELS, step.b)] });
      return;
    case 1:
    case 14:
    case 15: {
      // A WP taken straight to in_progress, so that MT work has somewhere to happen.
      const created = await replica.engine.run("create_wp", { title: `work ${step.a}` });
      if (!created.success) return;
      const id = (created.data.wp as { wp_id: string }).wp_id;
      count("create_wp");
      await run("update_wp", { wp_id: id, updates: { status: "ready" } });
      await run("gate_wp", { wp_id: id, gate: "pre_work", result: { status: "pass" } });
      return;
    }
    case 2:
      await run("update_wp", { wp_id: wp, updates: { title: `renamed ${step.c} on ${replica.name}` } });
      return;
    case 3:
      await run("update_wp", { wp_id: wp, updates: { labels: LABELS.filter((_, i) => (step.c >> i) & 1) } });
      return;
    case 4:
      await run("update_wp", {
        wp_id: wp,
        updates: { status: pick(["ready", "blocked", "gated", "cancelled", "stub"], step.c) },
      });
      return;
    case 5:
      await run("gate_wp", {
        wp_id: wp,
        gate: step.b % 2 === 0 ? "pre_work" : "post_work",
        result: { status: pick(["pass", "skip", "fail"], step.c) },
      });
      return;
    case 6:
      await run("delete_wp", { wp_id: wp, reason: "not needed" });
      return;
    case 7:
    case 8:
      await run("add_dependency", {
        from_wp_id: wp,
        type: pick(["blocks", "parent-child", "related"], step.c),
        to_wp_id: other,
      });
      return;
    case 9: {
      const deps = [...(await replica.store.loadState()).deps.keys()].sort();
      const dependency = pick(deps, step.c);
      if (dependency) await run("remove_dependency", { dependency_id: dependency });
      return;
    }
    case 10:
      await run("register_mts", { wp_id: target, micro_tasks: [{ mt_id: mt, name: `part ${mt}` }] });
      await run("start_mt", { wp_id: target, mt_id: mt });
      return;
    case 11:
    case 12:
    case 13: {
      // Iterate or finish an MT that is in progress here (or start one that is not), as an agent would.
      const live = [...state.mts.values()]
        .filter((m) => m.status === "in_progress")
        .sort((x, y) => (x.mt_id + x.wp_id < y.mt_id + y.wp_id ? -1 : 1));
      const chosen = pick(live, step.a);
      if (chosen === undefined) {
        await run("start_mt", { wp_id: target, mt_id: mt });
        return;
      }
      if (step.op !== 13)
        await run("record_iteration", {
          wp_id: chosen.wp_id,
          mt_id: chosen.mt_id,
          iteration: chosen.current_iteration + 1,
          model_id: "small",
          outcome: pick(["RETRY", "BLOCKED", "SUCCESS"], step.c),
          tokens_prompt: 10,
          tokens_completion: 5,
        });
      else
        await run("complete_mt", {
          wp_id: chosen.wp_id,
          mt_id: chosen.mt_id,
          outcome: pick(["completed", "failed", "skipped"], step.c),
        });
      return;
    }
    default:
      await run("update_wp", { wp_id: wp, updates: { priority: step.c % 5 } });
  }
}

async function runSteps(set: ReplicaSet, steps: readonly Step[]): Promise<void> {
  const { replicas } = set;
  for (const step of steps) {
    const replica = replicas[step.replica % replicas.length] as Replica;
    if (step.kind === "op") await doWork(replica, step);
    else if (step.folder) countConflicts(await sync(replica, `${set.folder}/`, step.direction));
    else {
      const peer = replicas[step.peer % replicas.length] as Replica;
      if (peer !== replica) countConflicts(await sync(replica, peer.url, step.direction));
    }
  }
}

function countConflicts(data: Record<string, unknown>): void {
  for (const conflict of data.conflicts as { kind: string }[]) {
    count(`conflict:${conflict.kind}`);
  }
}

/** The runs must have exercised every write and the main merge rules, or passing proves little. */
function assertExercised(): void {
  process.stdout.write(`# sync property exercised: ${JSON.stringify([...exercised])}\n`);
  const writes = ["create_wp", "update_wp", "gate_wp", "delete_wp", "add_dependency", "remove_dependency"];
  const mts = ["register_mts", "start_mt", "record_iteration", "complete_mt"];
  for (const key of [...writes, ...mts])
    assert.ok(
      (exercised.get(key) ?? 0) > 0,
      `the runs never exercised ${key}: ${JSON.stringify([...exercised])}`,
    );
  const conflicts = [...exercised]
    .filter(([key]) => key.startsWith("conflict:"))
    .reduce((n, [, v]) => n + v, 0);
  assert.ok(conflicts > 0, "the runs never produced a merge conflict");
}

async function converges(backends: readonly StoreBackend[], steps: readonly Step[]): Promise<void> {
  const set = await openReplicas(backends);
  try {
    // A shared start: the first replica's WPs reach everyone, so the random work edits the same WPs concurrently.
    const [origin] = set.replicas as [Replica];
    for (let i = 0; i < 4; i++) await doWork(origin, { kind: "op", replica: 0, op: i % 2, a: i, b: i, c: i });
    for (const other of set.replicas.slice(1)) await sync(other, origin.url, "pull");
    await runSteps(set, steps);
    // Everyone meets: every pair syncs both ways, twice.
    for (let round = 0; round < 2; round++)
      for (let a = 0; a < set.replicas.length; a++)
        for (let b = a + 1; b < set.replicas.length; b++)
          countConflicts(await sync(set.replicas[a] as Replica, (set.replicas[b] as Replica).url));
    const [first, ...rest] = set.replicas as [Replica, ...Replica[]];
    for (const replica of rest) await assertSameState(first, replica);
    for (const replica of set.replicas) await assertSound(replica);
  } finally {
    await set.close();
  }
}

describe("replicas converge (section 13)", () => {
  it("three SQLite replicas: random work, random syncs, then everyone meets", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 20, maxLength: 60 }), (steps) =>
        converges([sqliteBackend, sqliteBackend, sqliteBackend], steps),
      ),
      { numRuns: 30 },
    );
    assertExercised();
  });

  it("a PostgreSQL replica among SQLite ones converges the same way", {
    skip: postgresBackend.skip,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 10, maxLength: 35 }), (steps) =>
        converges([sqliteBackend, postgresBackend, sqliteBackend], steps),
      ),
      { numRuns: 8 },
    );
  });
});
