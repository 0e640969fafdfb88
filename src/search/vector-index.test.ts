import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { dot, toUnitVector } from "./embedding-provider.js";
import { VectorIndex } from "./vector-index.js";

/** Deterministic pseudo-random unit vectors (xorshift), so failures reproduce. */
function randomVectors(count: number, dimensions: number, seed = 1): Float32Array[] {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32 - 0.5;
  };
  return Array.from({ length: count }, () => toUnitVector(Array.from({ length: dimensions }, next)));
}

function bruteForce(vectors: Map<string, Float32Array>, query: Float32Array, k: number) {
  return [...vectors]
    .map(([id, v]) => ({ id, score: Math.fround(dot(v, query)) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
}

/** The hits equal brute force's: the same ids in order, scores within float rounding. */
function assertBruteForce(
  got: readonly { id: string; score: number }[],
  vectors: Map<string, Float32Array>,
  query: Float32Array,
  k: number,
): void {
  const expected = bruteForce(vectors, query, k);
  assert.deepEqual(
    got.map((h) => h.id),
    expected.map((h) => h.id),
  );
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]!.score - expected[i]!.score) < 1e-5);
}

describe("VectorIndex", () => {
  for (const forceJavaScript of [false, true]) {
    const kernel = forceJavaScript ? "JavaScript" : "WASM SIMD";
    it(`property (${kernel}): top-k equals brute force after random adds and removes`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 40 }),
          fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 30 })), { maxLength: 80 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 1000 }),
          (dimensions, ops, k, seed) => {
            const pool = randomVectors(31, dimensions, seed);
            const index = new VectorIndex(dimensions, { initialCapacity: 2, forceJavaScript });
            const model = new Map<string, Float32Array>();
            for (const [isAdd, n] of ops) {
              const id = `WP-${n}`;
              if (isAdd) {
                index.add(id, pool[n]!);
                model.set(id, pool[n]!);
              } else {
                assert.equal(index.remove(id), model.delete(id));
              }
            }
            assert.equal(index.size, model.size);
            const query = randomVectors(1, dimensions, seed + 7)[0]!;
            const got = index.search(query, k);
            assertBruteForce(got, model, query, k);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  for (const forceJavaScript of [false, true]) {
    const kernel = forceJavaScript ? "JavaScript" : "WASM SIMD";
    it(`property (${kernel}): a search in turns equals brute force, also when the index changes during a pause`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 0, max: 30 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 1000 }),
          fc.option(fc.tuple(fc.nat(), fc.boolean(), fc.integer({ min: 0, max: 40 })), { nil: undefined }),
          async (dimensions, count, turns, k, seed, change) => {
            const pool = randomVectors(41, dimensions, seed);
            const index = new VectorIndex(dimensions, { initialCapacity: 2, forceJavaScript });
            const model = new Map<string, Float32Array>();
            for (let n = 0; n < count; n++) {
              index.add(`WP-${n}`, pool[n]!);
              model.set(`WP-${n}`, pool[n]!);
            }
            const query = randomVectors(1, dimensions, seed + 7)[0]!;
            let pauses = 0;
            // A change (an add that may grow the buffer, or a remove) made during one of the pauses.
            const pause = async () => {
              await new Promise((resolve) => setImmediate(resolve));
              if (change !== undefined && pauses++ === change[0] % turns) {
                const [, isAdd, n] = change;
                if (isAdd) {
                  index.add(`WP-${n}`, pool[n]!);
                  model.set(`WP-${n}`, pool[n]!);
                } else {
                  index.remove(`WP-${n}`);
                  model.delete(`WP-${n}`);
                }
              }
            };
            const got = await index.searchInTurns(query, k, pause, turns);
            assertBruteForce(got, model, query, k);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it("replaces a vector added twice under the same id", () => {
    const [a, b] = randomVectors(2, 16);
    const index = new VectorIndex(16);
    index.add("x", a!);
    index.add("x", b!);
    assert.equal(index.size, 1);
    assert.ok(Math.abs(index.search(b!, 1)[0]!.score - 1) < 1e-5);
  });

  it("applies filter and minScore", () => {
    const vectors = randomVectors(20, 8);
    const index = new VectorIndex(8);
    vectors.forEach((v, i) => {
      index.add(`id${i}`, v);
    });
    const hits = index.search(vectors[3]!, 20, { filter: (id) => id !== "id3", minScore: 0 });
    assert.ok(hits.every((h) => h.id !== "id3" && h.score >= 0));
  });

  it("rejects vectors of the wrong length", () => {
    const index = new VectorIndex(8);
    assert.throws(() => index.add("x", new Float32Array(7)), RangeError);
    assert.throws(() => index.search(new Float32Array(9), 1), RangeError);
  });

  it("measures top-50 at 100K x 512 (set LOCUS_MEASURE=1)", { skip: !process.env.LOCUS_MEASURE }, (t) => {
    const dimensions = 512;
    const index = new VectorIndex(dimensions);
    const base = randomVectors(1000, dimensions, 42);
    const started = performance.now();
    for (let i = 0; i < 100_000; i++)
      index.add(
        `WP-${i}`,
        base[i % 1000]!.map((x, j) => x + ((i * j) % 7) * 1e-3),
      );
    const addMs = performance.now() - started;
    const queries = randomVectors(120, dimensions, 7);
    const times: number[] = [];
    queries.forEach((q, i) => {
      const s = performance.now();
      index.search(q, 50);
      if (i >= 20) times.push(performance.now() - s);
    });
    times.sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
    t.diagnostic(
      `simd=${index.usesSimd} add 100K: ${addMs.toFixed(0)} ms; top-50 p50 ${p(0.5)} ms p99 ${p(0.99)} ms`,
    );
  });
});
