import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { TrackedWorkPacket, WorkPacketStatus, WP_TYPES } from "../../src/domain/records.js";
import type { LocusEngine } from "../../src/operations/locus-engine.js";
import { ok, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 7: query_ready and query_blocked agree with a brute-force computation on random graphs. Each run adds
// a few WPs and edges to one growing workspace, then changes some statuses after the edges exist; the query is
// either confined to the run's label or unfiltered (the reference then covers every WP of every run so far).

type ModelStatus = WorkPacketStatus | "deleted";
const STATUSES: ModelStatus[] = [
  "stub",
  "ready",
  "in_progress",
  "blocked",
  "gated",
  "done",
  "cancelled",
  "deleted",
];

/** Graphs per backend: the in-process SQLite run is cheap; PostgreSQL pays a round trip per operation. */
const RUNS: Record<string, number> = {
  sqlite: Number(process.env.LOCUS_PROPERTY_RUNS ?? 1500),
  postgres: Number(process.env.LOCUS_PROPERTY_RUNS ?? 300),
};

interface Node {
  id: string;
  status: ModelStatus;
  priority: number;
  type: (typeof WP_TYPES)[number];
  assignee: string | undefined;
  createdMs: number;
  /** Section 17: deferred until this epoch ms, written with the WP; judged against each later query's time. */
  deferMs: number | undefined;
}

/** One legal status change after the edges exist (section 5), and the operation that makes it. */
type Move = [to: ModelStatus, operation: string, params: Record<string, unknown>];
const update = (to: WorkPacketStatus): Move => [to, "update_wp", { updates: { status: to } }];
const gate = (to: WorkPacketStatus, which: string, status: string): Move => [
  to,
  "gate_wp",
  { gate: which, result: { status } },
];
const LATER_MOVES: Record<ModelStatus, Move[]> = {
  stub: [update("ready"), update("cancelled")],
  ready: [update("blocked"), gate("in_progress", "pre_work", "pass"), update("stub"), update("cancelled")],
  in_progress: [
    gate("done", "post_work", "pass"),
    update("gated"),
    update("blocked"),
    ["deleted", "delete_wp", {}],
  ],
  blocked: [update("ready"), update("cancelled")],
  gated: [update("in_progress"), gate("done", "post_work", "skip")],
  done: [gate("in_progress", "post_work", "fail")],
  cancelled: [],
  deleted: [],
};

const graphArbitrary = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.record({
    nodes: fc.array(
      fc.record({
        status: fc.constantFrom(...STATUSES),
        priority: fc.integer({ min: 0, max: 4 }),
        type: fc.constantFrom("feature" as const, "bug" as const, "chore" as const),
        assignee: fc.option(fc.constantFrom("ann", "bob"), { nil: undefined }),
        ageHours: fc.integer({ min: 0, max: 24 * 60 }),
        later: fc.option(fc.nat(3), { nil: undefined, freq: 2 }),
        // Minutes from the run's query time (0: exactly now, which is no longer deferred).
        deferMinutes: fc.option(fc.integer({ min: -3, max: 3 }), { nil: undefined, freq: 3 }),
      }),
      { minLength: n, maxLength: n },
    ),
    // Edges go from a lower to a higher index, so blocks edges never form a cycle.
    edges: fc.array(
      fc.record({
        a: fc.nat(n - 1),
        b: fc.nat(n - 1),
        type: fc.constantFrom("blocks" as const, "blocks" as const, "related" as const),
      }),
      { maxLength: n * 2 },
    ),
    unfiltered: fc.boolean(),
    sort: fc.constantFrom("priority" as const, "age" as const, "hybrid" as const),
    priorityMax: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    assignee: fc.option(fc.constantFrom("ann", "bob"), { nil: undefined }),
    types: fc.option(fc.subarray(["feature", "bug", "chore"] as const, { minLength: 1 }), { nil: undefined }),
    statuses: fc.option(fc.subarray(["ready", "in_progress", "done"] as const, { minLength: 1 }), {
      nil: undefined,
      freq: 4,
    }),
    offset: fc.integer({ min: 0, max: 3 }),
    limit: fc.integer({ min: 1, max: 10 }),
  }),
);
type Graph = typeof graphArbitrary extends fc.Arbitrary<infer G> ? G : never;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * 7 / docs/DECISIONS.md, written out independently of src/domain/ready-rules.ts: the hybrid key is the
 * priority, lowered by the age boost (age / 30 days, at most 1, never negative) and by the unblock boost
 * (outgoing blocks edges / 10, at most 1). Lower sorts first.
 */
function referenceHybridKey(priority: number, createdMs: number, blocksOut: number, nowMs: number): number {
  const horizon = 30 * DAY_MS;
  const ageBoost = Math.max(0, Math.min(nowMs - createdMs, horizon)) / horizon;
  const unblockBoost = Math.min(blocksOut, 10) / 10;
  return priority - ageBoost - unblockBoost;
}

/** The whole workspace as the test believes it is: every WP of every run, and every blocks edge. */
class Model {
  readonly nodes = new Map<string, Node>();
  private readonly incoming = new Map<string, string[]>();
  private readonly outgoing = new Map<string, number>();

  addBlocks(from: string, to: string): void {
    this.incoming.set(to, [...(this.incoming.get(to) ?? []), from]);
    this.outgoing.set(from, (this.outgoing.get(from) ?? 0) + 1);
  }

  private open(id: string): boolean {
    const status = this.nodes.get(id)?.status;
    return status !== "done" && status !== "cancelled" && status !== "deleted";
  }

  /** Section 17: deferred past `nowMs`. */
  deferred(id: string, nowMs: number): boolean {
    const deferMs = this.nodes.get(id)?.deferMs;
    return deferMs !== undefined && deferMs > nowMs;
  }

  /** Open blockers: incoming blocks edges whose blocker is neither done nor cancelled (deleted is cancelled). */
  blockersOf(id: string): string[] {
    return (this.incoming.get(id) ?? []).filter((from) => this.open(from));
  }

  private blocksOut(id: string): number {
    return this.outgoing.get(id) ?? 0;
  }

  /** Candidates of the query (statuses and filters), in scope: the run's WPs or all of them. */
  candidates(graph: Graph, scope: readonly string[]): Node[] {
    const statuses: readonly string[] = (graph.statuses ?? ["ready", "in_progress"]).filter(
      (s) => s === "ready" || s === "in_progress",
    );
    return scope
      .map((id) => this.nodes.get(id) as Node)
      .filter(
        (node) =>
          statuses.includes(node.status) &&
          (graph.priorityMax === undefined || node.priority <= graph.priorityMax) &&
          (graph.assignee === undefined || node.assignee === graph.assignee) &&
          (graph.types === undefined || (graph.types as readonly string[]).includes(node.type)),
      );
  }

  /** Ready WPs in the order of the sort policy. */
  sorted(nodes: Node[], sort: Graph["sort"], nowMs: number): string[] {
    // created_at is an ISO string of one format, so comparing its epoch ms gives the same order.
    const key = (node: Node): (number | string)[] => {
      if (sort === "priority") return [node.priority, node.createdMs, node.id];
      if (sort === "age") return [node.createdMs, node.id];
      const hybrid = referenceHybridKey(node.priority, node.createdMs, this.blocksOut(node.id), nowMs);
      return [hybrid, node.createdMs, node.id];
    };
    const keyed = nodes.map((node) => ({ id: node.id, key: key(node) }));
    keyed.sort((x, y) => {
      for (let k = 0; k < x.key.length; k++) {
        const [a, b] = [x.key[k] as number | string, y.key[k] as number | string];
        if (a !== b) return a < b ? -1 : 1;
      }
      return 0;
    });
    return keyed.map((entry) => entry.id);
  }
}

async function build(
  engine: LocusEngine,
  model: Model,
  graph: Graph,
  ids: string[],
  label: string,
  at: (ms: number) => void,
  queryTime: number,
) {
  for (const [i, spec] of graph.nodes.entries()) {
    const createdMs = queryTime - spec.ageHours * 3_600_000;
    at(createdMs);
    const fields = {
      priority: spec.priority,
      type: spec.type,
      labels: [label],
      ...(spec.assignee ? { assignee: spec.assignee } : {}),
    };
    const id = ids[i] as string;
    await wpIn(engine, id, spec.status === "deleted" ? "ready" : spec.status, fields);
    const deferMs = spec.deferMinutes === undefined ? undefined : queryTime + spec.deferMinutes * 60_000;
    if (deferMs !== undefined)
      await ok(engine, "update_wp", { wp_id: id, updates: { defer_until: new Date(deferMs).toISOString() } });
    model.nodes.set(id, { id, ...spec, createdMs, deferMs });
  }
  const seen = new Set<string>();
  for (const { a, b, type } of graph.edges) {
    if (a === b) continue;
    const [from, to] = a < b ? [ids[a] as string, ids[b] as string] : [ids[b] as string, ids[a] as string];
    if (seen.has(`${from}>${to}>${type}`)) continue;
    seen.add(`${from}>${to}>${type}`);
    await ok(engine, "add_dependency", { from_wp_id: from, to_wp_id: to, type });
    if (type === "blocks") model.addBlocks(from, to);
  }
  // Deleted after the edges exist (add_dependency refuses a deleted WP); then the later status changes.
  for (const [i, spec] of graph.nodes.entries()) {
    const node = model.nodes.get(ids[i] as string) as Node;
    if (spec.status === "deleted") await ok(engine, "delete_wp", { wp_id: node.id });
    const moves = LATER_MOVES[node.status];
    if (spec.later === undefined || moves.length === 0) continue;
    const [to, operation, params] = moves[spec.later % moves.length] as Move;
    await ok(engine, operation, { wp_id: node.id, ...params });
    node.status = to;
  }
}

for (const backend of STORE_BACKENDS) {
  describe(`ready work vs brute force (${backend.name})`, { skip: backend.skip }, () => {
    it("hybrid sort at the boundaries of both boosts: caps, tiny age differences, exact ties by created_at", async () => {
      const queryTime = Date.parse("2026-03-01T00:00:00.000Z");
      let now = queryTime;
      const { engine, cleanup } = await freshEngine(backend, { clock: () => new Date(now) });
      try {
        // [id, priority, age in days, outgoing blocks edges]; the key is priority - age boost - unblock boost.
        // The n-th WP is also n seconds older, so an uncapped age boost grows by n s / 30 days (about 4e-7 each).
        const wps: [string, number, number, number][] = [
          ["WP-h-a", 2, 0, 10], // 2 - 0 - 1 = 1 exactly (unblock boost full at 10, age 0 s)
          ["WP-h-b", 2, 30, 0], // 2 - 1 - 0 = 1 exactly (age boost full at 30 days, capped past it)
          ["WP-h-c", 2, 15, 5], // 2 - (0.5 + 2 s) - 0.5 = 1 - 7.7e-7
          ["WP-h-d", 2, 0, 20], // 2 - 3 s - 1 (unblock boost capped) = 1 - 1.2e-6
          ["WP-h-e", 2, 45, 0], // 2 - 1 (capped) = 1 exactly
          ["WP-h-f", 2, 0, 9], // 2 - 5 s - 0.9 = 1.1 - 1.9e-6
          ["WP-h-g", 2, 27, 0], // 2 - (0.9 + 6 s) = 1.1 - 2.3e-6
          ["WP-h-h", 1, 0, 0], // 1 - 7 s = 1 - 2.7e-6
          ["WP-h-i", 3, 60, 10], // 3 - 1 - 1 = 1 exactly, the oldest
          ["WP-h-j", 0, 0, 0], // 0 - 9 s
        ];
        let target = 0;
        for (const [id, priority, days] of wps) {
          now = queryTime - days * DAY_MS - 1000 * target++;
          await wpIn(engine, id, "ready", { priority, labels: ["hybrid"] });
        }
        for (const [id, , , edges] of wps) {
          for (let k = 0; k < edges; k++) {
            const leaf = `WP-leaf-${target++}`;
            await ok(engine, "create_wp", { wp_id: leaf, title: "leaf" });
            await ok(engine, "add_dependency", { from_wp_id: id, to_wp_id: leaf, type: "blocks" });
          }
        }
        now = queryTime;
        const result = await ok(engine, "query_ready", { labels: ["hybrid"], sort_by: "hybrid" });
        assert.deepEqual(
          (result.ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id.slice(5)),
          // The exact ties (i, e, b, a) fall to created_at, oldest first.
          ["j", "h", "d", "c", "i", "e", "b", "a", "g", "f"],
        );
      } finally {
        await cleanup();
      }
    });

    it("query_ready and query_blocked agree with a reference on random graphs, status changes and filters", async () => {
      let now = Date.parse("2026-03-01T00:00:00.000Z");
      const { engine, cleanup } = await freshEngine(backend, { clock: () => new Date(now) });
      const model = new Model();
      let run = 0;
      let unfilteredRuns = 0;
      let nonEmpty = 0;
      try {
        await fc.assert(
          fc.asyncProperty(graphArbitrary, async (graph) => {
            run += 1;
            const label = `run-${run}`;
            const ids = graph.nodes.map((_, i) => `WP-r${run}-${i}`);
            const queryTime = Date.parse("2026-03-01T00:00:00.000Z") + run * 1000;
            await build(engine, model, graph, ids, label, (ms) => (now = ms), queryTime);
            now = queryTime;
            const scope = graph.unfiltered ? [...model.nodes.keys()] : ids;
            if (graph.unfiltered) unfilteredRuns += 1;
            const candidates = model.candidates(graph, scope);
            const ready = model.sorted(
              candidates.filter(
                (node) => model.blockersOf(node.id).length === 0 && !model.deferred(node.id, queryTime),
              ),
              graph.sort,
              queryTime,
            );
            if (ready.length > 0) nonEmpty += 1;
            const filters = {
              ...(graph.unfiltered ? {} : { labels: [label] }),
              ...(graph.priorityMax !== undefined ? { priority_max: graph.priorityMax } : {}),
              ...(graph.assignee ? { assignee: graph.assignee } : {}),
              ...(graph.types ? { types: graph.types } : {}),
              ...(graph.statuses ? { statuses: graph.statuses } : {}),
            };
            const result = await ok(engine, "query_ready", {
              ...filters,
              sort_by: graph.sort,
              offset: graph.offset,
              limit: graph.limit,
            });
            assert.equal(result.total_count, ready.length);
            assert.deepEqual(
              (result.ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id),
              ready.slice(graph.offset, graph.offset + graph.limit),
            );
            const blocked = candidates.filter(
              (node) => model.blockersOf(node.id).length > 0 || model.deferred(node.id, queryTime),
            );
            const blockedResult = await ok(engine, "query_blocked", {
              ...filters,
              sort_by: "priority",
              offset: 0,
              limit: 1000,
            });
            assert.equal(blockedResult.total_count, blocked.length);
            type Entry = { wp: TrackedWorkPacket; blockers: { wp_id: string }[]; deferred_until?: string };
            // Each entry: its blockers, then the date it is deferred to when that is its (or another) reason.
            const got = (blockedResult.blocked_wps as Entry[]).map(
              (entry) =>
                [
                  entry.wp.wp_id,
                  [...entry.blockers.map((b) => b.wp_id).sort(), entry.deferred_until],
                ] as const,
            );
            const want = new Map(
              blocked.map((node) => {
                const until = model.deferred(node.id, queryTime)
                  ? new Date(node.deferMs as number).toISOString()
                  : undefined;
                return [node.id, [...model.blockersOf(node.id).sort(), until]] as const;
              }),
            );
            // A page of at most 1000: past that (late unfiltered runs), every entry shown must be right.
            if (blocked.length <= 1000) assert.deepEqual(new Map(got), want);
            else for (const [id, blockers] of got) assert.deepEqual(blockers, want.get(id), id);
          }),
          { numRuns: RUNS[backend.name] ?? 300 },
        );
        // Both variants ran, and most queries had something to order.
        assert.ok(
          unfilteredRuns > run / 4 && nonEmpty > run / 4,
          `${unfilteredRuns} unfiltered, ${nonEmpty} non-empty`,
        );
      } finally {
        await cleanup();
      }
    });
  });
}
