import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drainEmbeddingQueue } from "../../src/operations/search/search-maintenance.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { hashConfig, ok, search, searchEngine, searchIds } from "./search-support.js";

// Section 9 and issue 5: what a user of `search` relies on: writes are findable at once by keyword,
// deleted WPs vanish, filters apply, the graph list brings dependency neighbours, and a change of
// embedding model re-embeds instead of mixing vectors. Every case runs on both backends (FTS5 on SQLite,
// tsvector/ts_rank_cd on PostgreSQL): the cases assert which WPs are found, never a backend's scores.

for (const backend of STORE_BACKENDS) {
  describe(`search operation (${backend.name})`, { skip: backend.skip }, () => {
    it("finds a new WP by keyword in the next job, with a highlighted snippet and QUERY-001", async () => {
      const { engine, cleanup } = await searchEngine(hashConfig({ drain_before_search: 0 }), backend);
      try {
        await ok(engine, "create_wp", {
          wp_id: "WP-login",
          title: "Fix login bug",
          description: "The login form fails.",
        });
        await ok(engine, "create_wp", {
          wp_id: "WP-dark",
          title: "Dark theme",
          description: "Night colours.",
        });
        const result = await engine.run("search", { query: "login form", mode: "keyword" });
        assert.ok(result.success);
        const rows = result.data.results as { wp_id: string; matched_by: string[]; snippet: string }[];
        assert.deepEqual(
          rows.map((r) => r.wp_id),
          ["WP-login"],
        );
        assert.deepEqual(rows[0]?.matched_by, ["keyword"]);
        assert.match(rows[0]?.snippet ?? "", /\*\*login\*\*/i);
        assert.equal(result.data.mode, "keyword");
        assert.deepEqual(result.events_emitted, ["FR-EVT-QUERY-001"]);
      } finally {
        await cleanup();
      }
    });

    it("hybrid returns nothing when no WP holds a word of the query; vector mode still lists the closest", async () => {
      const { engine, cleanup } = await searchEngine(hashConfig(), backend);
      try {
        await ok(engine, "create_wp", { wp_id: "WP-login", title: "Fix login bug" });
        await ok(engine, "create_wp", {
          wp_id: "WP-dark",
          title: "Dark theme",
          description: "Night colours.",
        });
        const nonsense = await engine.run("search", { query: "xyzzy plugh" });
        assert.ok(nonsense.success);
        assert.deepEqual(nonsense.data.results, []);
        assert.match(String(nonsense.data.hint), /--mode vector/);
        assert.equal((await searchIds(engine, "xyzzy plugh", { mode: "vector" })).length, 2);
        // One word held by one WP is enough for hybrid to answer, with the vector list fused in.
        const one = await engine.run("search", { query: "xyzzy login" });
        assert.ok(one.success);
        assert.equal((one.data.results as { wp_id: string }[])[0]?.wp_id, "WP-login");
        assert.equal(one.data.hint, undefined);
        // Within filters: a word held only outside them is no answer either.
        const filtered = await engine.run("search", { query: "login", statuses: ["done"] });
        assert.ok(filtered.success);
        assert.deepEqual(filtered.data.results, []);
      } finally {
        await cleanup();
      }
    });

    it("a title update changes what finds the WP, in the same job for keyword search", async () => {
      const { engine, cleanup } = await searchEngine(hashConfig({ drain_before_search: 0 }), backend);
      try {
        await ok(engine, "create_wp", { wp_id: "WP-a", title: "Improve upload speed" });
        assert.deepEqual(await searchIds(engine, "upload speed", { mode: "keyword" }), ["WP-a"]);
        await ok(engine, "update_wp", { wp_id: "WP-a", updates: { title: "Cache avatar thumbnails" } });
        // No `locus index` run in between: the keyword index moved with the write.
        assert.deepEqual(await searchIds(engine, "upload speed", { mode: "keyword" }), []);
        assert.deepEqual(await searchIds(engine, "avatar thumbnails", { mode: "keyword" }), ["WP-a"]);
      } finally {
        await cleanup();
      }
    });

    it("a deleted WP disappears from every mode", async () => {
      const { engine, store, cleanup } = await searchEngine(hashConfig(), backend);
      try {
        await ok(engine, "create_wp", { wp_id: "WP-gone", title: "Export invoices as PDF" });
        await ok(engine, "create_wp", { wp_id: "WP-kept", title: "Export invoices as CSV" });
        await drainEmbeddingQueue(store, new HashEmbeddingProvider());
        for (const mode of ["keyword", "vector", "hybrid"]) {
          assert.ok((await searchIds(engine, "export invoices PDF", { mode })).includes("WP-gone"), mode);
        }
        await ok(engine, "delete_wp", { wp_id: "WP-gone", reason: "duplicate" });
        for (const mode of ["keyword", "vector", "hybrid"]) {
          const ids = await searchIds(engine, "export invoices PDF", { mode });
          assert.ok(!ids.includes("WP-gone"), `${mode}: ${ids.join(",")}`);
          assert.ok(ids.includes("WP-kept"), mode);
        }
      } finally {
        await cleanup();
      }
    });

    it("applies the section 7 filters in every mode", async () => {
      const { engine, cleanup } = await searchEngine(hashConfig(), backend);
      try {
        await ok(engine, "create_wp", {
          wp_id: "WP-p0",
          title: "Billing retry job",
          priority: 0,
          labels: ["billing"],
        });
        await ok(engine, "create_wp", {
          wp_id: "WP-p3",
          title: "Billing retry report",
          priority: 3,
          type: "bug",
        });
        for (const mode of ["keyword", "vector", "hybrid"]) {
          assert.deepEqual(
            await searchIds(engine, "billing retry", { mode, priority_max: 1 }),
            ["WP-p0"],
            mode,
          );
          assert.deepEqual(
            await searchIds(engine, "billing retry", { mode, types: ["bug"] }),
            ["WP-p3"],
            mode,
          );
          assert.deepEqual(
            await searchIds(engine, "billing retry", { mode, labels: ["billing"] }),
            ["WP-p0"],
            mode,
          );
          assert.deepEqual(await searchIds(engine, "billing retry", { mode, statuses: ["done"] }), [], mode);
        }
      } finally {
        await cleanup();
      }
    });

    it("hybrid adds dependency neighbours of the best hits as the graph list", async () => {
      const { engine, cleanup } = await searchEngine(hashConfig(), backend);
      try {
        await ok(engine, "create_wp", { wp_id: "WP-webhook", title: "Stripe webhook signature check" });
        await ok(engine, "create_wp", { wp_id: "WP-rotate", title: "Rotate secrets quarterly" });
        await ok(engine, "add_dependency", {
          from_wp_id: "WP-webhook",
          to_wp_id: "WP-rotate",
          type: "related",
        });
        const rows = await search(engine, "stripe webhook signature");
        const neighbour = rows.find((r) => r.wp_id === "WP-rotate");
        assert.equal(rows[0]?.wp_id, "WP-webhook");
        assert.ok(neighbour?.matched_by.includes("graph"), JSON.stringify(rows));
        assert.ok(
          !(await searchIds(engine, "stripe webhook signature", { mode: "keyword" })).includes("WP-rotate"),
        );
      } finally {
        await cleanup();
      }
    });

    it("a change of embedding model re-embeds everything instead of mixing vectors", async () => {
      const { engine, store, cleanup } = await searchEngine(hashConfig(), backend);
      try {
        await ok(engine, "create_wp", { wp_id: "WP-m", title: "Queue metrics dashboard" });
        assert.deepEqual(await searchIds(engine, "queue metrics dashboard", { mode: "vector" }), ["WP-m"]);
        const small = new HashEmbeddingProvider(64);
        const embedded = await drainEmbeddingQueue(store, small);
        assert.ok(embedded >= 1, "every chunk is embedded again with the new model");
        const state = await store.transaction(async (tx) => tx.search!.state());
        assert.equal(state.model, small.model_id);
        assert.equal(state.pending, 0);
        // Back to the configured model: the search re-embeds (bounded drain) and still finds it.
        assert.deepEqual(await searchIds(engine, "queue metrics dashboard", { mode: "vector" }), ["WP-m"]);
      } finally {
        await cleanup();
      }
    });
    it("ranks a title hit above the same words in a description, and WPs with half of the terms above the rest", async () => {
      const { engine, cleanup } = await searchEngine(hashConfig({ drain_before_search: 0 }), backend);
      try {
        await ok(engine, "create_wp", {
          wp_id: "WP-body",
          title: "Checkout cleanup",
          description: "The payment gateway timeout shows in checkout logs.",
        });
        await ok(engine, "create_wp", { wp_id: "WP-title", title: "Payment gateway timeout" });
        await ok(engine, "create_wp", { wp_id: "WP-one", title: "Payment receipts by email" });
        const keyword = { mode: "keyword" };
        // Issue 17: keyword mode also lists WPs with fewer of the terms, as plain BM25 does, after those with half.
        assert.deepEqual(await searchIds(engine, "payment gateway timeout", keyword), [
          "WP-title",
          "WP-body",
          "WP-one",
        ]);
        // Four terms: two make the first group; WP-one holds only "payment" and comes after it.
        assert.deepEqual(await searchIds(engine, "payment gateway retries webhook", keyword), [
          "WP-title",
          "WP-body",
          "WP-one",
        ]);
        assert.deepEqual(await searchIds(engine, "receipts email", keyword), ["WP-one"]);
      } finally {
        await cleanup();
      }
    });

    it("never finds another workspace's WPs", async () => {
      const first = await searchEngine(hashConfig(), backend);
      const second = await searchEngine(hashConfig(), backend);
      try {
        await ok(first.engine, "create_wp", { wp_id: "WP-secret", title: "Rotate signing keys" });
        await ok(second.engine, "create_wp", { wp_id: "WP-other", title: "Rotate log files" });
        for (const mode of ["keyword", "vector", "hybrid"]) {
          assert.deepEqual(
            await searchIds(second.engine, "rotate signing keys files", { mode }),
            ["WP-other"],
            mode,
          );
        }
      } finally {
        await first.cleanup();
        await second.cleanup();
      }
    });
  });
}
