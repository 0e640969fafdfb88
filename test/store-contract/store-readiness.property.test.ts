import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SORT_POLICIES } from "../../src/domain/ready-rules.js";
import type { TrackedDependency, TrackedWorkPacket } from "../../src/domain/records.js";
import { PHASES, WP_STATUSES, WP_TYPES } from "../../src/domain/records.js";
import type { WpQuery } from "../../src/store/store-port.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { makeDep, makeWp, referenceOpenBlockers, referenceQuery } from "./contract-support.js";

// Section 7 through the port: after random sequences of puts and edge changes, the derived readiness counters
// (open_blockers, blocks_out) must give exactly what a brute-force computation over the records gives, for every
// filter and all three sorts (hybrid with hybridScore's own arithmetic), on every backend.
const IDS = ["WP-A", "WP-B", "WP-C", "WP-D", "WP-E", "WP-F"];
const CREATED = [
  "2026-01-01T00:00:00.000Z",
  "2026-01-01T00:00:00.000Z",
  "2026-01-10T12:00:00.000Z",
  "2025-11-01T08:30:00.000Z",
];
const id = fc.constantFrom(...IDS);

const wpFields = fc.record({
  status: fc.constantFrom(...WP_STATUSES),
  priority: fc.integer({ min: 0, max: 4 }),
  type: fc.constantFrom(...WP_TYPES.slice(0, 3)),
  labels: fc.uniqueArray(fc.constantFrom("x", "y", "z"), { maxLength: 3 }),
  assignee: fc.option(fc.constantFrom("ann", "bob"), { nil: undefined }),
  phase: fc.option(fc.constantFrom(...PHASES.slice(0, 3)), { nil: undefined }),
  deleted: fc.boolean(),
  // Section 17: deferral is decided at the query's time (queries' now_ms fall between 2025-10 and 2026-03).
  defer_until: fc.option(
    fc.constantFrom("2025-09-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "2026-06-01T00:00:00.000Z"),
    { nil: undefined },
  ),
});
type WpFields = typeof wpFields extends fc.Arbitrary<infer T> ? T : never;

const step = fc.oneof(
  fc.record({ kind: fc.constant("put" as const), wpId: id, fields: wpFields }),
  fc.record({
    kind: fc.constant("edge" as const),
    from: id,
    to: id,
    type: fc.constantFrom("blocks" as const, "blocks" as const, "related" as const),
  }),
  fc.record({ kind: fc.constant("unedge" as const), index: fc.nat() }),
);

// At most one optional filter per query, half of them none: stacked filters would mostly select nothing.
const filter = fc.oneof(
  { arbitrary: fc.constant({}), weight: 6 },
  fc.record({ assignee: fc.constantFrom("ann", "bob") }),
  fc.record({ priority_min: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ priority_max: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ phases: fc.uniqueArray(fc.constantFrom(...PHASES.slice(0, 3)), { maxLength: 2 }) }),
  fc.record({ labels: fc.uniqueArray(fc.constantFrom("x", "y", "z"), { maxLength: 2 }) }),
  fc.record({ types: fc.uniqueArray(fc.constantFrom(...WP_TYPES.slice(0, 3)), { maxLength: 2 }) }),
);

const query: fc.Arbitrary<WpQuery> = fc
  .tuple(
    fc.record({
      statuses: fc.uniqueArray(fc.constantFrom(...WP_STATUSES), { minLength: 1 }),
      readiness: fc.constantFrom("ready" as const, "blocked" as const, "any" as const),
      include_deleted: fc.boolean(),
      sort: fc.constantFrom(...SORT_POLICIES),
      now_ms: fc.integer({
        min: Date.parse("2025-10-01T00:00:00.000Z"),
        max: Date.parse("2026-03-01T00:00:00.000Z"),
      }),
      offset: fc.integer({ min: 0, max: 4 }),
      limit: fc.integer({ min: 1, max: 8 }),
    }),
    filter,
  )
  .map(([base, extra]) => ({ ...base, ...extra }));

for (const backend of STORE_BACKENDS) {
  describe(`readiness indexes vs brute force (${backend.name})`, { skip: backend.skip }, () => {
    it("property: queryWps and openBlockers equal the reference after random puts and edge changes", async () => {
      const { store, cleanup } = await backend.create();
      let run = 0;
      // Every earlier run's WPs and edges, as the store holds them: paged queries are compared over the whole store.
      const earlierWps = new Map<string, TrackedWorkPacket>();
      const earlierDeps: TrackedDependency[] = [];
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(step, { maxLength: 30 }),
            fc.array(query, { minLength: 1, maxLength: 8 }),
            async (steps, queries) => {
              // Each run writes its own WP ids (a run prefix), so one store serves every run.
              run += 1;
              const prefix = (wpId: string) => `${wpId}-${run}`;
              const createdAt = (wpId: string) =>
                CREATED[(IDS.indexOf(wpId) + run) % CREATED.length] as string;
              const wps = new Map<string, TrackedWorkPacket>();
              const deps: TrackedDependency[] = [];
              await store.transaction(async (tx) => {
                for (const wpId of IDS) {
                  const wp = makeWp(prefix(wpId), { created_at: createdAt(wpId) });
                  wps.set(wp.wp_id, wp);
                  await tx.putWp(wp);
                }
              });
              for (const s of steps) {
                await store.transaction(async (tx) => {
                  if (s.kind === "put") {
                    // created_at never changes after creation (the store keeps the first one, like create_wp).
                    const wp = makeWp(prefix(s.wpId), {
                      ...(s.fields as WpFields),
                      created_at: createdAt(s.wpId),
                    });
                    wps.set(wp.wp_id, wp);
                    await tx.putWp(wp);
                  } else if (s.kind === "edge") {
                    const [from, to] = [prefix(s.from), prefix(s.to)];
                    // add_dependency refuses a WP blocking itself (HSK-409-CYCLE), so the store never holds one.
                    if (s.type === "blocks" && from === to) return;
                    if (deps.some((d) => d.from_wp_id === from && d.to_wp_id === to && d.type === s.type))
                      return;
                    const dep = makeDep(from, to, s.type);
                    deps.push(dep);
                    await tx.putDependency(dep);
                  } else if (deps.length > 0) {
                    const [dep] = deps.splice(s.index % deps.length, 1);
                    if (dep) await tx.removeDependency(dep.dependency_id);
                  }
                });
              }
              // Earlier runs' WPs share the store (never linked to this run's): compare this run's WPs, unpaged
              // (paging is its own case below).
              const scoped = (ids: string[]) => ids.filter((wpId) => wpId.endsWith(`-${run}`));
              await store.transaction(async (tx) => {
                for (const q of queries) {
                  const all = await tx.queryWps({ ...q, offset: 0, limit: 1000 });
                  const mine = scoped(all.wps.map((wp) => wp.wp_id));
                  const reference = referenceQuery(wps, deps, { ...q, offset: 0, limit: 1000 });
                  assert.deepEqual(mine, reference.ids, `query ${JSON.stringify(q)}`);
                }
                // Paged, over every run's WPs: the page and the count before paging. PostgreSQL bounds a hybrid
                // ready page by priority (wpPageStatements); the bound must never drop a WP of the page.
                const everyWp = new Map([...earlierWps, ...wps]);
                const everyDep = [...earlierDeps, ...deps];
                for (const q of queries) {
                  const page = await tx.queryWps(q);
                  const reference = referenceQuery(everyWp, everyDep, q);
                  assert.deepEqual(
                    page.wps.map((wp) => wp.wp_id),
                    reference.ids,
                    `paged query ${JSON.stringify(q)}`,
                  );
                  assert.equal(page.total_count, reference.total, `count of ${JSON.stringify(q)}`);
                }
                const blockers = await tx.openBlockers([...wps.keys()]);
                for (const wpId of wps.keys()) {
                  const expected = referenceOpenBlockers(wps, deps, wpId).map((d) => d.dependency_id);
                  const actual = (blockers.get(wpId) ?? []).map((b) => b.dependency.dependency_id);
                  assert.deepEqual(actual, expected, `open blockers of ${wpId}`);
                }
              });
              for (const [wpId, wp] of wps) earlierWps.set(wpId, wp);
              earlierDeps.push(...deps);
            },
          ),
          { numRuns: backend.name === "sqlite" ? 120 : 60 },
        );
      } finally {
        await cleanup();
      }
    });

    it("a hybrid ready page takes WPs up to two priorities below the page's own (the score's range)", async () => {
      // A and D: priority 0, new, blocking nothing: score 0. B: priority 2, 60 days old, blocks 10: score 0, created
      // before A and D, so it ranks before them. C: priority 1, 60 days old, blocks 5: score -0.5. The order is C, B,
      // A, D, though the two first WPs by priority are A and D (priority 0): a page of two holds B, whose priority is
      // two above theirs, so a bound below priority + 2 would lose it.
      const { store, cleanup } = await backend.create();
      try {
        const now = Date.parse("2026-03-01T00:00:00.000Z");
        const old = "2025-12-31T00:00:00.000Z";
        const wps = new Map<string, TrackedWorkPacket>();
        const deps: TrackedDependency[] = [];
        await store.transaction(async (tx) => {
          const put = async (wp: TrackedWorkPacket) => {
            wps.set(wp.wp_id, wp);
            await tx.putWp(wp);
          };
          await put(makeWp("WP-A", { priority: 0, created_at: new Date(now).toISOString() }));
          await put(makeWp("WP-D", { priority: 0, created_at: new Date(now).toISOString() }));
          await put(makeWp("WP-B", { priority: 2, created_at: old }));
          await put(makeWp("WP-C", { priority: 1, created_at: old }));
          for (let i = 0; i < 10; i++) {
            await put(makeWp(`WP-T${i}`, { priority: 0, created_at: old }));
            for (const from of i < 5 ? ["WP-B", "WP-C"] : ["WP-B"]) {
              const dep = makeDep(from, `WP-T${i}`, "blocks");
              deps.push(dep);
              await tx.putDependency(dep);
            }
          }
        });
        const q = (offset: number, limit: number): WpQuery => ({
          statuses: ["ready"],
          readiness: "ready",
          include_deleted: false,
          sort: "hybrid",
          now_ms: now,
          offset,
          limit,
        });
        assert.deepEqual(referenceQuery(wps, deps, q(0, 4)).ids, ["WP-C", "WP-B", "WP-A", "WP-D"]);
        for (const [offset, limit] of [
          [0, 1],
          [0, 2],
          [1, 1],
          [1, 2],
          [2, 1],
          [0, 4],
        ] as const) {
          const page = await store.transaction((tx) => tx.queryWps(q(offset, limit)));
          const expected = referenceQuery(wps, deps, q(offset, limit));
          assert.deepEqual(
            page.wps.map((wp) => wp.wp_id),
            expected.ids,
            `offset ${offset}, limit ${limit}`,
          );
          assert.equal(page.total_count, 4);
        }
      } finally {
        await cleanup();
      }
    });

    it("paging: offset and limit cut the sorted result, total_count counts before paging", async () => {
      const { store, cleanup } = await backend.create();
      try {
        const wps = new Map<string, TrackedWorkPacket>();
        await store.transaction(async (tx) => {
          for (let i = 0; i < 12; i++) {
            const wp = makeWp(`WP-P${i}`, {
              priority: i % 3,
              created_at: CREATED[i % CREATED.length] as string,
            });
            wps.set(wp.wp_id, wp);
            await tx.putWp(wp);
          }
        });
        for (const sort of SORT_POLICIES) {
          const q: WpQuery = {
            statuses: ["ready"],
            readiness: "any",
            include_deleted: false,
            sort,
            now_ms: Date.parse("2026-01-05T00:00:00.000Z"),
            offset: 3,
            limit: 4,
          };
          const page = await store.transaction((tx) => tx.queryWps(q));
          const expected = referenceQuery(wps, [], q);
          assert.deepEqual(
            page.wps.map((wp) => wp.wp_id),
            expected.ids,
          );
          assert.equal(page.total_count, 12);
        }
      } finally {
        await cleanup();
      }
    });
  });
}
