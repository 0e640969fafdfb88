import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  keywords,
  loadCorpus,
  loadQueries,
  sharedKeywords,
  stem,
} from "./relevance-fixtures.test-support.js";

describe("relevance corpus (test/fixtures/relevance)", () => {
  const corpus = loadCorpus();
  const queries = loadQueries();
  const byId = new Map(corpus.map((wp) => [wp.id, wp]));

  it("has at least 220 WPs with unique ids and titles", () => {
    assert.ok(corpus.length >= 220, `${corpus.length} WPs`);
    assert.equal(byId.size, corpus.length);
    assert.equal(new Set(corpus.map((wp) => wp.title.toLowerCase())).size, corpus.length);
  });

  it("has at least 45 queries, unique ids, every expected id in the corpus", () => {
    assert.ok(queries.length >= 45, `${queries.length} queries`);
    assert.equal(new Set(queries.map((q) => q.id)).size, queries.length);
    for (const q of queries)
      for (const id of q.expected) assert.ok(byId.has(id), `${q.id} expects unknown ${id}`);
  });

  it("has at least 15 paraphrase and 10 keyword queries", () => {
    assert.ok(queries.filter((q) => q.kind === "paraphrase").length >= 15);
    assert.ok(queries.filter((q) => q.kind === "keyword").length >= 10);
  });

  it("paraphrase queries share no stemmed keyword with their targets' title and description", () => {
    for (const q of queries.filter((query) => query.kind === "paraphrase")) {
      assert.ok(keywords(q.query).length >= 1, `${q.id} has no keyword at all`);
      for (const id of q.expected) {
        const wp = byId.get(id)!;
        const shared = sharedKeywords(q.query, `${wp.title} ${wp.description}`);
        assert.deepEqual(
          shared,
          [],
          `${q.id} "${q.query}" shares ${shared.join(", ")} with ${id} "${wp.title}"`,
        );
      }
    }
  });

  it("keyword queries do share a keyword with each target", () => {
    for (const q of queries.filter((query) => query.kind === "keyword")) {
      for (const id of q.expected) {
        const wp = byId.get(id)!;
        assert.ok(sharedKeywords(q.query, `${wp.title} ${wp.description}`).length > 0, `${q.id} vs ${id}`);
      }
    }
  });

  it("the stemmer relates inflected forms", () => {
    assert.equal(stem("charged"), stem("charge"));
    assert.equal(stem("uploads"), stem("upload"));
    assert.equal(stem("failing"), stem("fails"));
  });
});
