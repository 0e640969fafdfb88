import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { keywordMatch } from "./sqlite-keyword-match.js";
import { SqliteStore } from "./sqlite-store.js";

// The MATCH expression against the store's real FTS5 table, compared with the rule it stands for: a WP is
// found when it holds at least `required` of the terms; when some terms are common and some are not, it must
// also hold one that is not; when every term is common, the terms count in its title only.

/** Words the porter stemmer leaves alone and keeps apart. */
const VOCABULARY = ["kab", "lom", "mir", "tuv", "zor", "pel", "qui", "dor"];
const words = fc.uniqueArray(fc.constantFrom(...VOCABULARY), { maxLength: 5 });
const doc = fc.record({ title: words, description: words });

describe("keywordMatch on SQLite FTS5", () => {
  it("property: finds exactly the WPs the at-least-m-of-n rule with its common-term guard keeps", async () => {
    const store = SqliteStore.open(":memory:");
    const db = store.rawConnectionForTests();
    const insert = db.prepare(
      "INSERT INTO search_fts (rowid, wp_id, title, description, packet) VALUES (?, ?, ?, ?, '')",
    );
    const insertTitle = db.prepare("INSERT INTO search_titles (rowid, title) VALUES (?, ?)");
    const ids = (table: string) =>
      db.prepare(`SELECT 'WP-' || rowid AS wp_id FROM ${table} WHERE ${table} MATCH ? ORDER BY wp_id`);
    const search = { search_fts: ids("search_fts"), search_titles: ids("search_titles") };
    let guarded = 0;
    try {
      fc.assert(
        fc.property(
          fc.array(doc, { minLength: 1, maxLength: 25 }),
          fc.uniqueArray(fc.constantFrom(...VOCABULARY), { minLength: 1, maxLength: 5 }),
          fc.nat(),
          fc.subarray(VOCABULARY),
          (docs, terms, m, commonList) => {
            db.exec("DELETE FROM search_fts; DELETE FROM search_titles");
            docs.forEach((d, i) => {
              insert.run(i + 1, `WP-${i + 1}`, d.title.join(" "), d.description.join(" "));
              insertTitle.run(i + 1, d.title.join(" "));
            });
            const required = 1 + (m % terms.length);
            const common = new Set(commonList);
            const { match, exact, titles } = keywordMatch(terms, required, common);
            assert.ok(exact, "up to 5 terms is always exact");
            const rare = terms.filter((t) => !common.has(t));
            const allCommon = rare.length === 0;
            assert.equal(titles, allCommon, "only an all-common query runs on the titles");
            if (!allCommon && rare.length < terms.length) guarded += 1;
            const expected = docs
              .map((d, i) => ({ d, id: `WP-${i + 1}` }))
              .filter(({ d }) => {
                const held = new Set(allCommon ? d.title : [...d.title, ...d.description]);
                const count = terms.filter((t) => held.has(t)).length;
                return count >= required && (allCommon || rare.some((t) => held.has(t)));
              })
              .map(({ id }) => id)
              .sort();
            const found = (
              search[titles ? "search_titles" : "search_fts"].all(match) as { wp_id: string }[]
            ).map((r) => r.wp_id);
            assert.deepEqual(found, expected, `${match} (required ${required})`);
          },
        ),
        { numRuns: 400 },
      );
      assert.ok(guarded > 50, `only ${guarded} runs mixed common and rare terms`);
    } finally {
      await store.close();
    }
  });

  it("past 70 groups it falls back to the OR of the terms, for the caller to count", () => {
    const terms = Array.from({ length: 9 }, (_, i) => `t${i}`);
    const { match, exact } = keywordMatch(terms, 4, new Set());
    assert.equal(exact, false);
    assert.equal(match, terms.map((t) => `"${t}"`).join(" OR "));
  });
});
