import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { hybridScore } from "../../src/domain/ready-rules.js";
import type { TrackedWorkPacket, WorkPacketStatus, WP_TYPES } from "../../src/domain/records.js";
import { ok, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 7: query_ready and query_blocked agree with a brute-force computation on random graphs.
const STATUSES: (WorkPacketStatus | "deleted")[] = [
  "stub",
  "ready",
  "in_progress",
  "blocked",
  "gated",
  "done",
  "cancelled",
  "deleted",
];

interface Node {
  status: WorkPacketStatus | "deleted";
  priority: number;
  type: (typeof WP_TYPES)[number];
  assignee: string | undefined;
  createdMs: number;
}

const graphArbitrary = fc.integer({ min: 1, max: 9 }).chain((n) =>
  fc.record({
    nodes: fc.array(
      fc.record({
        status: fc.constantFrom(...STATUSES),
        priority: fc.integer({ min: 0, max: 4 }),
        type: fc.constantFrom("feature" as const, "bug" as const, "chore" as const),
        assignee: fc.option(fc.constantFrom("ann", "bob"), { nil: undefined }),
        ageHours: fc.integer({ min: 0, max: 24 * 60 }),
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
    sort: fc.constantFrom("priority" as const, "age" as const, "hybrid" as const),
    priorityMax: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    assignee: fc.option(fc.constantFrom("ann", "bob"), { nil: undefined }),
    types: fc.option(fc.subarray(["feature", "bug", "chore"] as const, { minLength: 1 }), { nil: undefined }),
    offset: fc.integer({ min: 0, max: 3 }),
    limit: fc.integer({ min: 1, max: 10 }),
  }),
);

for (const backend of STORE_BACKENDS) {
  describe(`ready work vs brute force (${backend.name})`, { skip: backend.skip }, () => {
    it("query_ready and query_blocked agree with a reference on random graphs and statuses", async () => {
      let now = Date.parse("2026-03-01T00:00:00.000Z");
      const { engine, cleanup } = await freshEngine(backend, { clock: () => new Date(now) });
      let run = 0;
      try {
        await fc.assert(
          fc.asyncProperty(graphArbitrary, async (graph) => {
            const label = `run-${run++}`;
            const ids = graph.nodes.map((_, i) => `WP-r${run}-${i}`);
            const nodes: Node[] = [];
            const queryTime = Date.parse("2026-03-01T00:00:00.000Z") + run * 1000;
            for (const [i, spec] of graph.nodes.entries()) {
              now = queryTime - spec.ageHours * 3_600_000;
              const fields = {
                priority: spec.priority,
                type: spec.type,
                labels: [label],
                ...(spec.assignee ? { assignee: spec.assignee } : {}),
              };
              await wpIn(engine, ids[i] as string, spec.status === "deleted" ? "ready" : spec.status, fields);
              nodes.push({
                status: spec.status,
                priority: spec.priority,
                type: spec.type,
                assignee: spec.assignee,
                createdMs: now,
              });
            }
            const edges = new Set<string>();
            for (const { a, b, type } of graph.edges) {
              if (a === b) continue;
              const [from, to] = a < b ? [a, b] : [b, a];
              const key = `${from}>${to}>${type}`;
              if (edges.has(key)) continue;
              edges.add(key);
              await ok(engine, "add_dependency", { from_wp_id: ids[from], to_wp_id: ids[to], type });
            }
            // Deleted last, so that edges to them exist (add_dependency refuses a deleted WP).
            for (const [i, spec] of graph.nodes.entries()) {
              if (spec.status === "deleted") await ok(engine, "delete_wp", { wp_id: ids[i] });
            }
            now = queryTime;
            const blocks = [...edges]
              .map((key) => key.split(">"))
              .filter(([, , type]) => type === "blocks")
              .map(([f, t]) => [Number(f), Number(t)] as const);
            const open = (i: number) =>
              !["done", "cancelled", "deleted"].includes(nodes[i]?.status as string);
            const matches = (node: Node) =>
              (node.status === "ready" || node.status === "in_progress") &&
              (graph.priorityMax === undefined || node.priority <= graph.priorityMax) &&
              (graph.assignee === undefined || node.assignee === graph.assignee) &&
              (graph.types === undefined || (graph.types as readonly string[]).includes(node.type));
            const blockersOf = (i: number) => blocks.filter(([f, t]) => t === i && open(f)).map(([f]) => f);
            const blocksOut = (i: number) => blocks.filter(([f]) => f === i).length;
            const key = (i: number): (number | string)[] => {
              const node = nodes[i] as Node;
              const created = new Date(node.createdMs).toISOString();
              if (graph.sort === "priority") return [node.priority, created, ids[i] as string];
              if (graph.sort === "age") return [created, ids[i] as string];
              return [
                hybridScore(node.priority, node.createdMs, blocksOut(i), queryTime),
                created,
                ids[i] as string,
              ];
            };
            const compare = (x: number, y: number) => {
              const [kx, ky] = [key(x), key(y)];
              for (let k = 0; k < kx.length; k++) {
                if (kx[k] !== ky[k]) return (kx[k] as number | string) < (ky[k] as number | string) ? -1 : 1;
              }
              return 0;
            };
            const candidates = nodes.map((_, i) => i).filter((i) => matches(nodes[i] as Node));
            const ready = candidates.filter((i) => blockersOf(i).length === 0).sort(compare);
            const filters = {
              labels: [label],
              sort_by: graph.sort,
              offset: graph.offset,
              limit: graph.limit,
              ...(graph.priorityMax !== undefined ? { priority_max: graph.priorityMax } : {}),
              ...(graph.assignee ? { assignee: graph.assignee } : {}),
              ...(graph.types ? { types: graph.types } : {}),
            };
            const result = await ok(engine, "query_ready", filters);
            assert.equal(result.total_count, ready.length);
            assert.deepEqual(
              (result.ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id),
              ready.slice(graph.offset, graph.offset + graph.limit).map((i) => ids[i]),
            );
            const blocked = candidates.filter((i) => blockersOf(i).length > 0);
            const blockedResult = await ok(engine, "query_blocked", {
              ...filters,
              sort_by: "priority",
              offset: 0,
              limit: 100,
            });
            assert.equal(blockedResult.total_count, blocked.length);
            const got = (
              blockedResult.blocked_wps as { wp: TrackedWorkPacket; blockers: { wp_id: string }[] }[]
            ).map((entry) => [entry.wp.wp_id, entry.blockers.map((b) => b.wp_id).sort()]);
            const want = blocked.map((i) => [
              ids[i],
              blockersOf(i)
                .map((f) => ids[f])
                .sort(),
            ]);
            assert.deepEqual(new Map(got as [string, string[]][]), new Map(want as [string, string[]][]));
          }),
          { numRuns: Number(process.env.LOCUS_PROPERTY_RUNS ?? 1000) },
        );
      } finally {
        await cleanup();
      }
    });
  });
}
