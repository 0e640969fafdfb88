import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type MicroTaskStatus, MT_STATUSES, type TrackedMicroTask } from "../../src/domain/records.js";
import type { LocusEngine } from "../../src/operations/locus-engine.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 5, the MT machine, written out again by hand so that the test does not read the table it checks:
// pending -> in_progress -> completed | failed | skipped | blocked; blocked -> in_progress; the last three final.
// pending and blocked may be skipped too (issue 21 hole 14: an MT that cannot start must still become final).
const MT_TARGETS: Record<MicroTaskStatus, MicroTaskStatus[]> = {
  pending: ["in_progress", "skipped"],
  in_progress: ["completed", "failed", "skipped", "blocked"],
  blocked: ["in_progress", "skipped"],
  completed: [],
  failed: [],
  skipped: [],
};

/** The operations that move an MT, and the status each one asks for. */
type Move = { name: string; to: MicroTaskStatus | "iteration"; params: (from: MicroTaskStatus) => object };
const iteration = (from: MicroTaskStatus) => (from === "blocked" ? 2 : 1);
const MOVES: Move[] = [
  { name: "start_mt", to: "in_progress", params: () => ({}) },
  { name: "complete_mt", to: "completed", params: () => ({ outcome: "completed" }) },
  { name: "complete_mt", to: "failed", params: () => ({ outcome: "failed" }) },
  { name: "complete_mt", to: "skipped", params: () => ({ outcome: "skipped" }) },
  {
    name: "record_iteration",
    to: "blocked",
    params: (from) => ({ iteration: iteration(from), model_id: "m", outcome: "BLOCKED" }),
  },
  // An iteration that keeps the status: record_iteration needs in_progress.
  {
    name: "record_iteration",
    to: "iteration",
    params: (from) => ({ iteration: iteration(from), model_id: "m", outcome: "RETRY" }),
  },
];

/** Operations that bring a pending MT to each status. */
const PATHS: Record<MicroTaskStatus, [string, object][]> = {
  pending: [],
  in_progress: [["start_mt", {}]],
  blocked: [
    ["start_mt", {}],
    ["record_iteration", { iteration: 1, model_id: "m", outcome: "BLOCKED" }],
  ],
  completed: [
    ["start_mt", {}],
    ["complete_mt", { outcome: "completed" }],
  ],
  failed: [
    ["start_mt", {}],
    ["complete_mt", { outcome: "failed" }],
  ],
  skipped: [
    ["start_mt", {}],
    ["complete_mt", { outcome: "skipped" }],
  ],
};

async function mtOf(engine: LocusEngine, wpId: string, mtId: string): Promise<TrackedMicroTask> {
  const progress = await ok(engine, "get_mt_progress", { wp_id: wpId, mt_id: mtId });
  return (progress.micro_tasks as TrackedMicroTask[])[0] as TrackedMicroTask;
}

for (const backend of STORE_BACKENDS) {
  describe(`MT state machine (${backend.name})`, { skip: backend.skip }, () => {
    it("every move from every MT status is allowed or refused exactly as the section 5 table says", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-mt", "in_progress");
        const cases = MT_STATUSES.flatMap((from) => MOVES.map((move) => ({ from, move })));
        const mtId = (i: number) => `MT-${String(i + 1).padStart(3, "0")}`;
        await ok(engine, "register_mts", {
          wp_id: "WP-mt",
          micro_tasks: cases.map((_, i) => ({ mt_id: mtId(i), name: `case ${i}`, max_iterations: 10 })),
        });
        for (const [i, { from, move }] of cases.entries()) {
          const id = { wp_id: "WP-mt", mt_id: mtId(i) };
          for (const [operation, params] of PATHS[from]) await ok(engine, operation, { ...id, ...params });
          assert.equal((await mtOf(engine, "WP-mt", mtId(i))).status, from);
          const label = `${move.name} (${move.to}) from ${from}`;
          const target = move.to === "iteration" ? from : move.to;
          // record_iteration needs in_progress whatever it asks for; start/complete to the status the MT
          // already has is an idempotent repeat.
          const legal =
            move.name === "record_iteration"
              ? from === "in_progress"
              : from === target || MT_TARGETS[from].includes(target);
          const result = await engine.run(move.name, { ...id, ...move.params(from) });
          assert.equal(result.success, legal, label);
          const after = await mtOf(engine, "WP-mt", mtId(i));
          if (result.success) {
            assert.equal(after.status, target, label);
            // Asking for the status the MT already has is an idempotent repeat: no event.
            if (from === target && move.name !== "record_iteration")
              assert.deepEqual(result.events_emitted, [], label);
          } else {
            assert.equal(result.error.code, "HSK-409-TRANSITION", label);
            assert.equal(after.status, from, `${label}: a refused move leaves the MT`);
          }
        }
      } finally {
        await cleanup();
      }
    });

    it("register_mts is refused outside ready/in_progress, for unresolved or cyclic depends_on, and for a changed definition", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        const one = [{ mt_id: "MT-001", name: "m" }];
        for (const status of ["stub", "blocked", "gated", "done", "cancelled"] as const) {
          await wpIn(engine, `WP-${status}`, status);
          const error = await refused(
            engine,
            "register_mts",
            { wp_id: `WP-${status}`, micro_tasks: one },
            "HSK-409-TRANSITION",
          );
          assert.equal(error.details?.from ?? error.details?.status, status);
        }
        await wpIn(engine, "WP-r", "ready");
        await ok(engine, "register_mts", { wp_id: "WP-r", micro_tasks: one });
        const before = await snapshot(store);
        const unresolved = await refused(
          engine,
          "register_mts",
          { wp_id: "WP-r", micro_tasks: [{ mt_id: "MT-002", name: "n", depends_on: ["MT-009"] }] },
          "HSK-404-NOT-FOUND",
        );
        assert.equal(unresolved.details?.mt_id, "MT-009");
        const cyclic = await refused(
          engine,
          "register_mts",
          {
            wp_id: "WP-r",
            micro_tasks: [
              { mt_id: "MT-002", name: "n", depends_on: ["MT-003"] },
              { mt_id: "MT-003", name: "o", depends_on: ["MT-001", "MT-002"] },
            ],
          },
          "HSK-409-CYCLE",
        );
        const path = (cyclic.details?.cycle ?? []) as string[];
        assert.ok(
          path.includes("MT-002") && path.includes("MT-003") && path[0] === path.at(-1),
          String(path),
        );
        const self = await refused(
          engine,
          "register_mts",
          { wp_id: "WP-r", micro_tasks: [{ mt_id: "MT-004", name: "p", depends_on: ["MT-004"] }] },
          "HSK-409-CYCLE",
        );
        assert.ok(((self.details?.cycle ?? []) as string[]).includes("MT-004"));
        await refused(
          engine,
          "register_mts",
          { wp_id: "WP-r", micro_tasks: [{ mt_id: "MT-001", name: "renamed" }] },
          "HSK-409-CONFLICT",
        );
        assert.equal(await snapshot(store), before, "refused registrations wrote nothing");
        const same = await engine.run("register_mts", { wp_id: "WP-r", micro_tasks: one });
        assert.ok(same.success && same.events_emitted.length === 0, "the same definitions again: idempotent");
      } finally {
        await cleanup();
      }
    });

    it("a cancelled WP's micro-tasks are frozen: no iteration, no completion, nothing written", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-gone", "in_progress");
        await ok(engine, "register_mts", { wp_id: "WP-gone", micro_tasks: [{ mt_id: "MT-001", name: "m" }] });
        await ok(engine, "start_mt", { wp_id: "WP-gone", mt_id: "MT-001" });
        await ok(engine, "update_wp", { wp_id: "WP-gone", updates: { status: "cancelled" } });
        const before = await snapshot(store);
        const mt = { wp_id: "WP-gone", mt_id: "MT-001" };
        const late = [
          ["record_iteration", { ...mt, iteration: 1, model_id: "m", outcome: "SUCCESS" }],
          ["complete_mt", { ...mt, outcome: "completed" }],
        ] as const;
        for (const [operation, params] of late) {
          const error = await refused(engine, operation, params, "HSK-409-TRANSITION");
          assert.equal(error.details?.field, "wp_id");
          assert.equal(error.details?.from, "cancelled");
        }
        assert.equal(await snapshot(store), before);
      } finally {
        await cleanup();
      }
    });

    it("start_mt waits for unfinished depends_on (HSK-409-TRANSITION with waiting_for)", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-dep", "in_progress");
        await ok(engine, "register_mts", {
          wp_id: "WP-dep",
          micro_tasks: [
            { mt_id: "MT-001", name: "first" },
            { mt_id: "MT-002", name: "second" },
            { mt_id: "MT-003", name: "last", depends_on: ["MT-001", "MT-002"] },
          ],
        });
        const waiting = async () =>
          (await refused(engine, "start_mt", { wp_id: "WP-dep", mt_id: "MT-003" }, "HSK-409-TRANSITION"))
            .details?.waiting_for;
        assert.deepEqual(await waiting(), ["MT-001", "MT-002"]);
        await ok(engine, "start_mt", { wp_id: "WP-dep", mt_id: "MT-001" });
        assert.deepEqual(await waiting(), ["MT-001", "MT-002"], "in progress is not finished");
        await ok(engine, "complete_mt", { wp_id: "WP-dep", mt_id: "MT-001", outcome: "completed" });
        await ok(engine, "start_mt", { wp_id: "WP-dep", mt_id: "MT-002" });
        await ok(engine, "complete_mt", { wp_id: "WP-dep", mt_id: "MT-002", outcome: "failed" });
        assert.deepEqual(await waiting(), ["MT-002"], "a failed dependency never frees its dependents");
        assert.equal((await mtOf(engine, "WP-dep", "MT-003")).status, "pending");
      } finally {
        await cleanup();
      }
    });
  });
}
