import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  drainEmbeddingQueue,
  rebuildGold,
  rebuildSilver,
} from "../../src/operations/search/search-maintenance.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { damageSearch } from "./search-damage.js";
import { hashConfig, ok, search, searchEngine, searchIds } from "./search-support.js";

// Section 9 / issue 5: Silver is regenerable from Bronze and Gold from Silver. Rebuilding both after a
// history of creates, edits, status changes, deletes and edges gives exactly the incremental results, on
// each backend (the scores compared are that backend's own). The stored layers are damaged first (rows
// deleted, text garbled, by SQL), so a rebuild that changed nothing would fail the comparison.

const QUERIES = [
  "login timeout",
  "export invoices",
  "slow dashboard",
  "webhook retries",
  "sign in",
  "WP-7",
  "priority support queue",
];
const TOPICS = [
  ["Login session times out", "Users are logged out after five minutes of inactivity."],
  ["Export invoices to CSV", "Finance wants a monthly export of every invoice."],
  ["Dashboard is slow", "The analytics dashboard takes ten seconds to render."],
  ["Retry failed webhooks", "Webhook deliveries that fail should be retried with backoff."],
  ["Single sign-on with Okta", "Enterprise tenants sign in through their identity provider."],
  ["Priority support queue", "Paying customers get a separate support queue."],
];

async function snapshot(engine: Parameters<typeof search>[0]): Promise<string> {
  const out: unknown[] = [];
  for (const query of QUERIES) {
    for (const mode of ["keyword", "vector", "hybrid"]) {
      const rows = await search(engine, query, { mode });
      out.push({ query, mode, rows: rows.map((r) => [r.wp_id, r.score, r.matched_by, r.snippet]) });
    }
  }
  return JSON.stringify(out);
}

for (const backend of STORE_BACKENDS) {
  describe(`search rebuild (${backend.name})`, { skip: backend.skip }, () => {
    it("rebuilding Silver and Gold from Bronze gives the same results as the incremental path", async () => {
      const { engine, store, cleanup } = await searchEngine(hashConfig(), backend);
      try {
        for (let i = 0; i < 24; i++) {
          const [title, description] = TOPICS[i % TOPICS.length]!;
          await ok(engine, "create_wp", {
            wp_id: `WP-${i}`,
            title: `${title} (${i})`,
            description: `${description} Case ${i}.`,
            priority: i % 5,
            labels: [i % 2 === 0 ? "even" : "odd"],
          });
        }
        await ok(engine, "update_wp", {
          wp_id: "WP-3",
          updates: { title: "Sign in page rejects valid passwords" },
        });
        await ok(engine, "update_wp", {
          wp_id: "WP-4",
          updates: { description: "Invoices export timeout." },
        });
        await ok(engine, "update_wp", { wp_id: "WP-5", updates: { status: "ready", priority: 0 } });
        await ok(engine, "delete_wp", { wp_id: "WP-6", reason: "duplicate" });
        await ok(engine, "add_dependency", { from_wp_id: "WP-0", to_wp_id: "WP-7", type: "blocks" });
        await ok(engine, "add_dependency", { from_wp_id: "WP-2", to_wp_id: "WP-9", type: "related" });
        const provider = new HashEmbeddingProvider();
        await drainEmbeddingQueue(store, provider);
        const incremental = await snapshot(engine);
        const keywordLogin = await searchIds(engine, "login session", { mode: "keyword" });
        assert.ok(keywordLogin.includes("WP-0"));

        // Damage Silver and Gold first: a rebuild that did nothing would leave these results behind.
        await damageSearch(store, "silver-and-gold", ["WP-0", "WP-3", "WP-7"], "WP-1");
        assert.notEqual(await snapshot(engine), incremental, "the damage shows in the results");
        assert.ok(!(await searchIds(engine, "login session", { mode: "keyword" })).includes("WP-0"));
        assert.ok((await rebuildSilver(store)) >= 23);
        await rebuildGold(store);
        await drainEmbeddingQueue(store, provider);
        assert.equal(await snapshot(engine), incremental);

        // Gold alone, from the rebuilt Silver: damage only the keyword index, then rebuild it.
        await damageSearch(store, "gold", ["WP-0", "WP-3"], "WP-1");
        assert.notEqual(await snapshot(engine), incremental, "the keyword damage shows in the results");
        assert.equal(await rebuildGold(store), 23);
        assert.equal(await snapshot(engine), incremental);
        assert.deepEqual(await searchIds(engine, "login session", { mode: "keyword" }), keywordLogin);
        const state = await store.transaction(async (tx) => tx.search!.state());
        assert.equal(state.pending, 0);
      } finally {
        await cleanup();
      }
    });
  });
}
