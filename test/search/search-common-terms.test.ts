import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rebuildGold, rebuildSilver } from "../../src/operations/search/search-maintenance.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { hashConfig, ok, search, searchEngine } from "./search-support.js";

// A query made only of words that most WPs hold ("fix user error"). Once the store holds 2,000 WPs, such a
// query is ranked on titles (src/search/keyword-plan.ts): on SQLite from a title index brought up to date by the
// search that needs it rather than by every write, on PostgreSQL from a table of title tsvectors (migration 8). What a user sees must not change: a write is findable by the next
// search, a rename or a delete takes the WP out at once, and every hit holds enough of the words in its title.

const WORDS = ["alpha", "beta", "gamma"];
const QUERY = "alpha beta gamma";
const STORE_SIZE = 2_100;

/** Titles holding two of the three words, so each word is in about two thirds of the store. */
const titleOf = (i: number): string =>
  `${WORDS[i % 3]} ${WORDS[(Math.floor(i / 3) + 1 + (i % 3)) % 3]} item${i}`;

for (const backend of STORE_BACKENDS) {
  describe(`search with only common words (${backend.name})`, { skip: backend.skip }, () => {
    it("sees every write at once (a new title, a rename, a delete) and every rebuild, on a store past 2,000 WPs", async () => {
      const { engine, store, cleanup } = await searchEngine(hashConfig({ drain_before_search: 0 }), backend);
      const keyword = async () => search(engine, QUERY, { mode: "keyword", limit: 20 });
      try {
        for (let i = 0; i < STORE_SIZE; i++) {
          await ok(engine, "create_wp", {
            wp_id: `WP-c${i}`,
            title: titleOf(i),
            description: "routine work",
          });
        }
        const first = await keyword();
        assert.equal(first.length, 20);
        for (const hit of first) {
          const held = WORDS.filter((w) => hit.wp.title.split(" ").includes(w));
          assert.ok(held.length >= 2, `${hit.wp_id} "${hit.wp.title}" holds ${held.length} of the words`);
        }

        // A rarer word beside a common one: a hit must hold the rare word (a common word alone no longer
        // qualifies a WP, whatever it holds), on both stores alike (src/search/keyword-plan.ts).
        await ok(engine, "create_wp", { wp_id: "WP-rare", title: "zeta checklist", description: "alpha" });
        const rare = await search(engine, "alpha zeta", { mode: "hybrid", limit: 20 });
        assert.equal(rare[0]?.wp_id, "WP-rare");
        const strict = await search(engine, "alpha zeta", { mode: "keyword", limit: 20 });
        assert.deepEqual(
          strict.map((hit) => hit.wp_id),
          ["WP-rare"],
        );

        // A new WP whose title is exactly the query ranks first in the very next search.
        await ok(engine, "create_wp", { wp_id: "WP-fresh", title: "Alpha beta gamma" });
        assert.equal((await keyword())[0]?.wp_id, "WP-fresh");

        // Renamed away: gone. An older WP renamed to the query takes the first place.
        await ok(engine, "update_wp", { wp_id: "WP-fresh", updates: { title: "Omega" } });
        await ok(engine, "update_wp", { wp_id: "WP-c7", updates: { title: "gamma beta alpha" } });
        const afterRename = (await keyword()).map((hit) => hit.wp_id);
        assert.ok(!afterRename.includes("WP-fresh"), "the renamed WP is still found");
        assert.equal(afterRename[0], "WP-c7");

        // Deleted: gone from the next search.
        await ok(engine, "delete_wp", { wp_id: "WP-c7", reason: "duplicate" });
        const afterDelete = (await keyword()).map((hit) => hit.wp_id);
        assert.ok(!afterDelete.includes("WP-c7"), "the deleted WP is still found");
        assert.equal(afterDelete.length, 20);

        // Rebuilt from Silver, then from Bronze: the same hits in the same order.
        await rebuildGold(store);
        assert.deepEqual(
          (await keyword()).map((hit) => hit.wp_id),
          afterDelete,
        );
        await rebuildSilver(store);
        assert.deepEqual(
          (await keyword()).map((hit) => hit.wp_id),
          afterDelete,
        );
      } finally {
        await cleanup();
      }
    });
  });
}
