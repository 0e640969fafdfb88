import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { modelPackagePaths } from "./local-embedding-provider.js";
import { registerFastSplitV, type TfjsKernels } from "./tfjs-split-kernel.js";

// The faster SplitV must give what TF.js' own gives, value for value, on every axis and split the encoder uses.

interface Tfjs extends TfjsKernels {
  ready(): Promise<void>;
  setBackend(name: string): Promise<boolean>;
  tensor(values: number[], shape: number[], dtype?: string): { dispose(): void };
  split(x: unknown, sizes: number[], axis: number): { dataSync(): ArrayLike<number>; shape: number[] }[];
}

describe("registerFastSplitV", () => {
  it("splits float and int tensors on every axis exactly as TF.js' own kernel", async () => {
    const tf = createRequire(import.meta.url)(modelPackagePaths().core) as Tfjs;
    await tf.setBackend("wasm");
    await tf.ready();
    const cases: [number[], number[], number][] = [
      [[6], [2, 4], 0],
      [[3, 5], [1, 2], 0],
      [[3, 5], [2, 3], 1],
      [[2, 3, 8], [3, 1, 4], 2],
      [[2, 4, 3], [1, 3], 1],
      [[4, 2, 3], [2, 1, 1], 0],
    ];
    const run = () =>
      cases.flatMap(([shape, sizes, axis]) =>
        ["float32", "int32"].map((dtype) => {
          const count = shape.reduce((a, b) => a * b, 1);
          const x = tf.tensor(
            Array.from({ length: count }, (_, i) => (dtype === "float32" ? i * 0.37 - 5 : i * 7 - 40)),
            shape,
            dtype,
          );
          const parts = tf
            .split(x, sizes, axis)
            .map((part) => ({ shape: part.shape, values: Array.from(part.dataSync()) }));
          x.dispose();
          return parts;
        }),
      );
    const before = run();
    registerFastSplitV(tf);
    assert.equal(tf.getKernel("SplitV", "wasm")?.locusFastSplit, true);
    assert.deepEqual(run(), before);
    registerFastSplitV(tf); // a second registration changes nothing
    assert.deepEqual(run(), before);
  });
});
