import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromHalf, toHalf } from "./half-weights.js";
import { WeightMemory } from "./matrix-kernel.js";

// The SIMD product must equal the plain sum of products (float32 rounding apart) for every row count, including
// counts that are not a multiple of the kernel's four rows and counts that need several passes through scratch.

/** A reproducible stream of values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (state / 2_147_483_648) * 2 - 1;
  });
}

function expectedProduct(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      out[i * n + j] = sum;
    }
  return out;
}

describe("the sentence encoder's matrix kernel", () => {
  it("multiplies rows by a weight held in its memory", (t) => {
    const [k, n] = [64, 12];
    const memory = WeightMemory.allocate(k * n * 4);
    const weight = memory.floats(0, k * n);
    weight.set(values(k * n, 7));
    if (WeightMemory.multiplyByWeight(new Float32Array(k), weight, 1, k, n) === undefined) {
      t.skip("this runtime has no WebAssembly SIMD");
      return;
    }
    for (const m of [1, 3, 4, 7, 9]) {
      const a = values(m * k, m);
      const actual = WeightMemory.multiplyByWeight(a, weight, m, k, n);
      const expected = expectedProduct(a, weight, m, k, n);
      assert.equal(actual?.length, m * n);
      expected.forEach((value, i) => {
        assert.ok(Math.abs(actual![i]! - value) < 1e-5, `m=${m} [${i}]`);
      });
    }
  });

  it("computes a product larger than its scratch room in several passes", (t) => {
    const [k, n] = [512, 512];
    const memory = WeightMemory.allocate(k * n * 4);
    const weight = memory.floats(0, k * n);
    weight.set(values(k * n, 3));
    const m = 1030; // 1030 rows of 4 KB in and out: more than the 4 MB of scratch
    const a = values(m * k, 11);
    const actual = WeightMemory.multiplyByWeight(a, weight, m, k, n);
    if (actual === undefined) {
      t.skip("this runtime has no WebAssembly SIMD");
      return;
    }
    const expected = expectedProduct(a.subarray((m - 2) * k), weight, 2, k, n);
    expected.forEach((value, i) => {
      assert.ok(Math.abs(actual[(m - 2) * n + i]! - value) < 1e-4, `[${i}]`);
    });
    const first = expectedProduct(a.subarray(0, k), weight, 1, k, n);
    first.forEach((value, i) => {
      assert.ok(Math.abs(actual[i]! - value) < 1e-4, `[${i}]`);
    });
  });

  it("multiplies by a weight held as half floats, widening each exactly", () => {
    const [m, k, n] = [5, 16, 8];
    const memory = WeightMemory.allocate(k * n * 2);
    const halves = memory.halves(0, k * n);
    const source = values(k * n, 5);
    source[0] = 0;
    source[1] = -0;
    source[2] = 3e-6; // a subnormal half
    source[3] = -60_000;
    halves.set(Array.from(source, toHalf));
    const a = values(m * k, 9);
    const actual = WeightMemory.multiplyByWeight(a, halves, m, k, n);
    if (actual === undefined) return; // no WebAssembly SIMD: the caller widens the halves itself
    const expected = expectedProduct(a, Float32Array.from(halves, fromHalf), m, k, n);
    expected.forEach((value, i) => {
      assert.ok(Math.abs(actual[i]! - value) < 1e-3 * Math.max(1, Math.abs(value)), `[${i}]`);
    });
  });

  it("leaves a matrix outside its memory to the caller", () => {
    const plain = values(16, 1);
    assert.equal(WeightMemory.multiplyByWeight(values(4, 2), plain, 1, 4, 4), undefined);
  });
});
