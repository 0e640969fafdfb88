import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BinaryOp, binaryInWasm } from "./elementwise-kernel.js";

// The WebAssembly element-wise ops give the float32 JavaScript gives (a double result rounded to float32), bit for
// bit, for every way the encoder broadcasts an operand: whole, scalar, repeated rows, one value per block.

const JS: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => Math.max(a, b),
};

/** Deterministic floats of every magnitude and sign, zeros of both signs among them. */
function floats(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    out[i] = i % 29 === 0 ? (i % 2 === 0 ? 0 : -0) : (state / 2 ** 32 - 0.5) * 2 ** ((state % 40) - 20);
  }
  return out;
}

describe("element-wise WebAssembly kernel", () => {
  it("equals JavaScript's float32 results bit for bit, under each broadcast", () => {
    const n = 6 * 512;
    const cases: [string, number, number, number, number][] = [
      ["whole with whole", n, 1, n, 1],
      ["whole with a scalar", n, 1, 1, 1],
      ["a scalar with whole", 1, 1, n, 1],
      ["whole with a repeated row", n, 1, 512, 1],
      ["whole with one value per row", n, 1, 6, 512],
      ["one value per row with a repeated row", 6, 512, 512, 1],
    ];
    for (const op of Object.keys(JS) as BinaryOp[])
      for (const [name, aLength, aBlock, bLength, bBlock] of cases) {
        const a = floats(aLength, 7);
        const b = floats(bLength, 11);
        const wasm = new Float32Array(n);
        assert.equal(binaryInWasm(op, wasm, { data: a, block: aBlock }, { data: b, block: bBlock }), true);
        const js = new Float32Array(n);
        for (let i = 0; i < n; i++)
          js[i] = JS[op](a[Math.floor(i / aBlock) % aLength]!, b[Math.floor(i / bBlock) % bLength]!);
        assert.deepEqual(new Uint32Array(wasm.buffer), new Uint32Array(js.buffer), `${op}: ${name}`);
      }
  });
});
