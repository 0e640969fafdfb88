import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { drainEmbeddingQueue } from "../../src/operations/search/search-maintenance.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { embeddingProviderFor } from "../../src/search/provider-registry.js";
import {
  loadCorpus,
  loadQueries,
  type RelevanceQuery,
  TestBm25,
} from "../../src/search/relevance-fixtures.test-support.js";
import { ok, searchEngine, searchIds } from "./search-support.js";

// Issue 5 acceptance: the relevance corpus (225 WPs, 52 queries, 20 of them paraphrases sharing no keyword
// with their target) loaded through create_wp into a real SQLite file, embedded with the default local
// model (one load), and searched through the `search` operation in each mode. Hybrid must beat both
// keyword-only and vector-only on recall@5; the three figures are printed. SQLite only: the list depth and
// the share-of-terms rule were tuned on this corpus with FTS5's bm25, the local model takes most of a minute
// to embed the corpus, and which lists PostgreSQL's ts_rank_cd finds is covered by the backend-independent
// cases of search-operation.test.ts and search-rebuild.test.ts, which run on both backends.

// Issue 17: keyword mode must rank at least as well as plain BM25 (Okapi, k1 1.2, b 0.75, any query term, over
// title and description: TestBm25), computed here on the same corpus, and hybrid must stay at least where it
// stood before the query path changed runtime (measured on this corpus: 0.798).
const HYBRID_RECALL_BEFORE_ISSUE_17 = 0.798;

/**
 * Queries about nothing in the corpus that no WP holds a word of; their nearest WP scored 0.22-0.43 with the
 * local model, under the floor (0.45), while the one paraphrase without a shared word ("dark theme") scored 0.49.
 */
const NONSENSE = [
  "xyzzy",
  "banana smoothie recipe",
  "qwerty asdf",
  "the quick brown fox",
  "how to bake sourdough bread",
  "weather tomorrow in paris",
  "recipe for pancakes",
  "my cat is sleeping",
];

const TYPES: Record<string, string> = { bug: "bug", feature: "feature", task: "chore", chore: "chore" };

function recallAt5(queries: readonly RelevanceQuery[], rankings: ReadonlyMap<string, string[]>): number {
  let total = 0;
  for (const q of queries) {
    const top = new Set(rankings.get(q.id)?.slice(0, 5));
    total += q.expected.filter((id) => top.has(id)).length / q.expected.length;
  }
  return total / queries.length;
}

describe("search relevance (local model)", () => {
  it("hybrid beats keyword-only and vector-only, keyword mode matches plain BM25, on recall@5; nonsense finds nothing", async (t) => {
    const config = parseWorkspaceConfig({ search: { provider: "local" } });
    const { engine, store, cleanup } = await searchEngine(config);
    try {
      for (const wp of loadCorpus()) {
        await ok(engine, "create_wp", {
          wp_id: wp.id,
          title: wp.title,
          description: wp.description,
          priority: wp.priority,
          type: TYPES[wp.type],
          labels: wp.labels,
        });
      }
      const started = performance.now();
      const embedded = await drainEmbeddingQueue(store, embeddingProviderFor(config.search));
      t.diagnostic(`embedded ${embedded} Silver chunks in ${(performance.now() - started).toFixed(0)} ms`);

      const queries = loadQueries();
      const bm25 = new TestBm25(loadCorpus());
      const figures: Record<string, number> = {
        plain_bm25: recallAt5(queries, new Map(queries.map((q) => [q.id, bm25.search(q.query, 5, 0)]))),
      };
      for (const mode of ["keyword", "vector", "hybrid"]) {
        const rankings = new Map<string, string[]>();
        for (const q of queries) rankings.set(q.id, await searchIds(engine, q.query, { mode, limit: 5 }));
        figures[mode] = recallAt5(queries, rankings);
        for (const kind of ["paraphrase", "keyword", "natural"]) {
          const subset = queries.filter((q) => q.kind === kind);
          t.diagnostic(
            `  ${mode} ${kind} (${subset.length}): recall@5 ${recallAt5(subset, rankings).toFixed(3)}`,
          );
        }
      }
      const line = `recall@5 over ${queries.length} queries: keyword ${figures.keyword?.toFixed(3)} (plain BM25 ${figures.plain_bm25?.toFixed(3)}) vector ${figures.vector?.toFixed(3)} hybrid ${figures.hybrid?.toFixed(3)}`;
      t.diagnostic(line);
      console.log(line);
      assert.ok(figures.hybrid! > figures.keyword!, line);
      assert.ok(figures.hybrid! > figures.vector!, line);
      assert.ok(figures.keyword! >= figures.plain_bm25!, `keyword mode below plain BM25: ${line}`);
      assert.ok(figures.hybrid! >= HYBRID_RECALL_BEFORE_ISSUE_17, `hybrid below its level before: ${line}`);
      // Issue 18, the relevance floor: queries about nothing in the corpus, none of whose words a WP holds, get
      // no answer in the default mode (while the paraphrases above, with no shared word either, keep theirs).
      for (const nonsense of NONSENSE) {
        const found = await searchIds(engine, nonsense, { mode: "hybrid" });
        assert.deepEqual(
          found,
          [],
          `"${nonsense}" is not about any WP, yet hybrid listed ${found.join(", ")}`,
        );
      }
    } finally {
      await cleanup();
    }
  });
});
