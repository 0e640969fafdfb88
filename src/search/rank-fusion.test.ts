import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { RRF_K, reciprocalRankFusion } from "./rank-fusion.js";

const idArb = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `WP-${String(i).padStart(3, "0")}`));
const listArb = fc.uniqueArray(idArb, { maxLength: 10 });
const listsArb = fc.dictionary(fc.constantFrom("keyword", "vector", "graph", "extra"), listArb, {
  maxKeys: 4,
});

describe("reciprocalRankFusion", () => {
  it("given lists, sums 1/(60 + rank) and records which lists matched", () => {
    const fused = reciprocalRankFusion({ keyword: ["A", "B"], vector: ["B", "C"], graph: ["C"] });
    assert.deepEqual(
      fused.map((r) => r.id),
      ["B", "C", "A"],
    );
    assert.equal(fused[0]!.score, 1 / 62 + 1 / 61);
    assert.deepEqual(fused[0]!.matched_by, ["keyword", "vector"]);
    assert.deepEqual(fused[1]!.matched_by, ["vector", "graph"]);
    assert.equal(RRF_K, 60);
  });

  it("breaks score ties by id and honours limit", () => {
    const fused = reciprocalRankFusion({ keyword: ["Z", "Y"], vector: ["Y", "Z"] }, { limit: 1 });
    assert.deepEqual(fused, [{ id: "Y", score: 1 / 61 + 1 / 62, matched_by: ["keyword", "vector"] }]);
  });

  it("counts an id repeated in one list once, at its best rank", () => {
    const fused = reciprocalRankFusion({ keyword: ["A", "B", "A"] });
    assert.equal(fused.find((r) => r.id === "A")!.score, 1 / 61);
  });

  it("property: an item ranked first in every list is first", () => {
    fc.assert(
      fc.property(idArb, fc.array(listArb, { minLength: 1, maxLength: 4 }), (top, lists) => {
        const named = Object.fromEntries(
          lists.map((l, i) => [`l${i}`, [top, ...l.filter((id) => id !== top)]]),
        );
        assert.equal(reciprocalRankFusion(named)[0]!.id, top);
      }),
    );
  });

  it("property: adding a list never lowers an item's score", () => {
    fc.assert(
      fc.property(listsArb, listArb, (lists, added) => {
        const before = new Map(reciprocalRankFusion(lists).map((r) => [r.id, r.score]));
        const after = new Map(
          reciprocalRankFusion({ ...lists, added_list: added }).map((r) => [r.id, r.score]),
        );
        for (const [id, score] of before) assert.ok(after.get(id)! >= score);
      }),
    );
  });

  it("property: scores equal the formula, order is score desc then id asc", () => {
    fc.assert(
      fc.property(listsArb, (lists) => {
        const fused = reciprocalRankFusion(lists);
        for (const result of fused) {
          let expected = 0;
          const matched: string[] = [];
          for (const [name, ids] of Object.entries(lists)) {
            const rank = ids.indexOf(result.id);
            if (rank >= 0) {
              expected += 1 / (RRF_K + rank + 1);
              matched.push(name);
            }
          }
          assert.ok(Math.abs(result.score - expected) < 1e-12);
          assert.deepEqual(result.matched_by, matched);
        }
        for (let i = 1; i < fused.length; i++) {
          const [a, b] = [fused[i - 1]!, fused[i]!];
          assert.ok(a.score > b.score || (a.score === b.score && a.id < b.id));
        }
        const all = new Set(Object.values(lists).flat());
        assert.equal(fused.length, all.size);
      }),
    );
  });
});
