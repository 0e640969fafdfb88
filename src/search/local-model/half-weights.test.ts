import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromHalf, toHalf } from "./half-weights.js";

// Half floats as IEEE binary16: the nearest value, ties to even, subnormals kept, nothing outside the range.

describe("half floats", () => {
  it("round to the nearest half, ties to even", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65_504, 0x7bff],
      [2 ** -24, 0x0001], // the smallest subnormal
      [2 ** -25, 0x0000], // half of it: a tie, to even (zero)
      [3 * 2 ** -25, 0x0002], // one and a half: a tie, to even (two)
      [1 + 2 ** -11, 0x3c00], // a tie between 1 and its successor: to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [2 ** -14, 0x0400], // the smallest normal
    ];
    for (const [value, bits] of cases) {
      assert.equal(toHalf(value), bits, `${value}`);
      if (bits !== 0 && bits !== 0x8000)
        assert.ok(Math.abs(fromHalf(bits) - value) <= 2 ** -24 + Math.abs(value) * 2 ** -11);
    }
    assert.throws(() => toHalf(70_000), RangeError);
  });

  it("read back every finite half exactly", () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue; // infinities and NaNs are never written
      assert.equal(toHalf(fromHalf(bits)), bits === 0x8000 ? 0x8000 : bits, `0x${bits.toString(16)}`);
    }
  });
});
