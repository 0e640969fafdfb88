import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusError } from "../../src/domain/errors.js";
import type { AfterApplyHook } from "../../src/operations/envelope.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { searchDocumentOf } from "../../src/search/search-document.js";
import type { SearchIndexPort } from "../../src/search/search-index-port.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { makeWp } from "./contract-support.js";

// Section 3 and 9: a failed job changes no state, and the search rows (Gold keyword index, Silver chunks and
// the embedding queue) are state: they are written in the job's transaction and roll back with it. Both backends.

const port = (tx: { search?: SearchIndexPort | undefined }): SearchIndexPort => {
  assert.ok(tx.search, "both backends have a search index");
  return tx.search;
};

/** Everything search holds for the given WPs, as one comparable string. */
async function searchRows(store: LocusStore, wpIds: readonly string[]): Promise<string> {
  return store.transaction(async (tx) => {
    const search = port(tx);
    const filters = {
      statuses: ["stub", "ready", "in_progress", "blocked", "gated", "done", "cancelled"] as const,
      readiness: "any" as const,
      include_deleted: true,
      sort: "age" as const,
      now_ms: 0,
      offset: 0,
      limit: 100,
    };
    const keyword = async (term: string) =>
      search.keywordSearch({ terms: [term], minimum_should_match: 1, filters, limit: 100 });
    return canonicalJson({
      state: await search.state(),
      texts: [...(await search.documentTexts(wpIds)).entries()],
      pending: (await search.pendingChunks(1000)).map((c) => [c.silver_id, c.wp_id, c.text]),
      hits: {
        keep: await keyword("keep"),
        quasar: await keyword("quasar"),
        nebula: await keyword("nebula"),
      },
    });
  });
}

/** A hook that makes every job of the named operations fail at the very end, after the index rows are written. */
const failAtCommit =
  (operations: readonly string[]): AfterApplyHook =>
  async (ctx, operation) => {
    if (!operations.includes(operation.name)) return;
    ctx.beforeCommit.push(async () => {
      throw new LocusError("HSK-500-STORAGE", "the board file could not be written (test)");
    });
  };

for (const backend of STORE_BACKENDS) {
  describe(`search rows roll back with a failed job (${backend.name})`, { skip: backend.skip }, () => {
    it("a job that fails after indexing leaves no keyword, Silver or queue rows", async () => {
      const { store, cleanup } = await backend.create();
      try {
        const options = {
          clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
          config: parseWorkspaceConfig({ search: { provider: "hash" } }),
        };
        const engine = new LocusEngine(store, options);
        const failing = new LocusEngine(store, {
          ...options,
          afterApply: failAtCommit(["create_wp", "update_wp", "delete_wp"]),
        });
        const created = await engine.run("create_wp", { wp_id: "WP-KEEP", title: "Keep this packet" });
        assert.ok(created.success);
        const before = await searchRows(store, ["WP-KEEP", "WP-DOOMED"]);
        assert.match(before, /WP-KEEP/);

        const jobs: [string, Record<string, unknown>][] = [
          ["create_wp", { wp_id: "WP-DOOMED", title: "Doomed quasar", description: "quasar nebula" }],
          ["update_wp", { wp_id: "WP-KEEP", updates: { title: "Renamed nebula", description: "quasar" } }],
          ["delete_wp", { wp_id: "WP-KEEP", reason: "never happens" }],
        ];
        for (const [operation, params] of jobs) {
          const result = await failing.run(operation, params);
          assert.equal(result.success, false, `${operation} should fail at commit`);
          assert.equal(
            await searchRows(store, ["WP-KEEP", "WP-DOOMED"]),
            before,
            `${operation} left search rows`,
          );
        }
        // The same jobs without the failure do change the rows: the comparison above can see a leak.
        assert.ok((await engine.run(...(jobs[1] as [string, Record<string, unknown>]))).success);
        assert.notEqual(await searchRows(store, ["WP-KEEP", "WP-DOOMED"]), before);
      } finally {
        await cleanup();
      }
    });

    it("index rows written through the port in a transaction that throws are gone", async () => {
      const { store, cleanup } = await backend.create();
      try {
        const before = await searchRows(store, ["WP-DOOMED"]);
        let silver = 0;
        await assert.rejects(
          store.transaction(async (tx) => {
            const wp = { ...makeWp("WP-DOOMED"), title: "Doomed quasar", description: "nebula" };
            await port(tx).indexDocument(searchDocumentOf(wp, "brz_1", undefined), () => `slv_${++silver}`);
            assert.ok((await port(tx).state()).chunks > 0, "written inside the transaction");
            throw new LocusError("HSK-409-CONFLICT", "refused on purpose");
          }),
          (error: unknown) => error instanceof LocusError && error.code === "HSK-409-CONFLICT",
        );
        assert.equal(await searchRows(store, ["WP-DOOMED"]), before);
        assert.equal((await store.transaction((tx) => port(tx).state())).chunks, 0);
      } finally {
        await cleanup();
      }
    });
  });
}
