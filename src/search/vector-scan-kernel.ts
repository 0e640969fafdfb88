import {
  F32_ADD,
  F32_STORE,
  f32x4Add,
  f32x4ExtractLane,
  f32x4Mul,
  I32_ADD,
  instantiateKernel,
  localGet,
  localSet,
  rowScanBody,
  singleFunctionModule,
  v128Load,
  type WasmMemory,
} from "./wasm-bytecode.js";

// The inner loop of the vector index: scores[r] = dot(matrix row r, query) for every row. A 100K x 512
// scan is 51M multiply-adds; plain JavaScript needs ~27 ms for it on the 2-core machine, the WASM
// SIMD kernel below (f32x4, two accumulators) a fraction of that, which keeps hybrid search inside
// its 50 ms p99 budget (section 12). The module is assembled from the bytes below (no build step,
// no dependency); when WASM SIMD is unavailable the caller falls back to scanRowsJs.

/** Scores every row: `scan(matrixByte, rows, strideFloats, queryByte, scoresByte)`; stride is a multiple of 8. */
export type ScanFunction = (
  matrix: number,
  rows: number,
  stride: number,
  query: number,
  scores: number,
) => void;

/** Byte alignment of rows, query and scores inside the memory, and the stride multiple (8 floats). */
export const STRIDE_MULTIPLE = 8;

// Two accumulators of four lanes over 8 floats a step; the score is the lanes' sum, in order.
// biome-ignore format: bytecode laid out by statement
const body = rowScanBody({
  elementShift: 2,
  accumulators: 2,
  step: 32,
  accumulate: [
    ...localGet(9), ...localGet(6), ...localGet(7), I32_ADD, ...v128Load(),
    ...localGet(3), ...localGet(7), I32_ADD, ...v128Load(), ...f32x4Mul, ...f32x4Add, ...localSet(9),
    ...localGet(10), ...localGet(6), ...localGet(7), I32_ADD, ...v128Load(16),
    ...localGet(3), ...localGet(7), I32_ADD, ...v128Load(16), ...f32x4Mul, ...f32x4Add, ...localSet(10),
  ],
  score: [
    ...localGet(9), ...localGet(10), ...f32x4Add, ...localSet(9),
    ...localGet(9), ...f32x4ExtractLane(0), ...localGet(9), ...f32x4ExtractLane(1), F32_ADD,
    ...localGet(9), ...f32x4ExtractLane(2), F32_ADD, ...localGet(9), ...f32x4ExtractLane(3), F32_ADD,
  ],
  store: F32_STORE,
});

const moduleBytes = singleFunctionModule("scan", 5, body);

/** A SIMD scan bound to the given memory, or undefined when this runtime lacks WASM SIMD. */
export function createWasmScan(memory: WasmMemory): ScanFunction | undefined {
  return instantiateKernel<ScanFunction>(moduleBytes, "scan", memory);
}

/** The portable fallback: the same scan over Float32Array views (offsets in floats, not bytes). */
export function scanRowsJs(
  data: Float32Array,
  matrix: number,
  rows: number,
  stride: number,
  query: number,
  scores: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let o = matrix + r * stride;
    for (let j = query; j < query + stride; j += 4, o += 4) {
      s0 += data[o]! * data[j]!;
      s1 += data[o + 1]! * data[j + 1]!;
      s2 += data[o + 2]! * data[j + 2]!;
      s3 += data[o + 3]! * data[j + 3]!;
    }
    scores[r] = s0 + s1 + s2 + s3;
  }
}
