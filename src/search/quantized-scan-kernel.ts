import {
  I32_ADD,
  I32_SHL,
  I32_STORE,
  i32Const,
  instantiateKernel,
  localGet,
  localSet,
  rowScanBody,
  simd,
  singleFunctionModule,
  v128Load,
  type WasmMemory,
} from "./wasm-bytecode.js";

// The first pass of a search over vectors restored from the snapshot file (snapshot-rows.ts): each row held as
// int8 (a quarter of the float bytes a one-shot process would otherwise read into fresh memory), scored against
// the query as int16, integer dot products in i32 lanes. The best rows are then scored again exactly from their
// float copies. A dot product of 512 int8 x int16 values (|x| <= 127, |q| <= 16383) stays far inside int32.

/** `scan(matrixByte, rows, strideBytes, queryByte, scoresByte)`: int32 dot products; stride a multiple of 8. */
export type QuantizedScanFunction = (
  matrix: number,
  rows: number,
  stride: number,
  query: number,
  scores: number,
) => void;

/** Largest magnitude of the int16 query. */
export const QUERY_SCALE = 16_383;

const load8x8s = [...simd(0x01), 0, 0];
const i32x4Add = simd(0xae);
const i32x4DotI16x8 = simd(0xba);
const i32x4ExtractLane = (lane: number) => [...simd(0x1b), lane];

// One accumulator of four int32 lanes over 8 values a step (int8 row widened to int16, times the int16 query).
// biome-ignore format: bytecode laid out by statement
const body = rowScanBody({
  elementShift: 0,
  accumulators: 1,
  step: 8,
  accumulate: [
    ...localGet(9),
    ...localGet(6), ...localGet(7), I32_ADD, ...load8x8s,
    ...localGet(3), ...localGet(7), ...i32Const(1), I32_SHL, I32_ADD, ...v128Load(),
    ...i32x4DotI16x8, ...i32x4Add, ...localSet(9),
  ],
  score: [
    ...localGet(9), ...i32x4ExtractLane(0), ...localGet(9), ...i32x4ExtractLane(1), I32_ADD,
    ...localGet(9), ...i32x4ExtractLane(2), I32_ADD, ...localGet(9), ...i32x4ExtractLane(3), I32_ADD,
  ],
  store: I32_STORE,
});

const moduleBytes = singleFunctionModule("scan", 5, body);

/** The SIMD scan bound to the given memory, or undefined when this runtime lacks WASM SIMD. */
export function createQuantizedScan(memory: WasmMemory): QuantizedScanFunction | undefined {
  return instantiateKernel<QuantizedScanFunction>(moduleBytes, "scan", memory);
}

/** The portable fallback: the same scan over typed views of the memory (offsets in elements). */
export function quantizedScanJs(
  rows: Int8Array,
  count: number,
  stride: number,
  query: Int16Array,
  scores: Int32Array,
): void {
  for (let r = 0; r < count; r++) {
    let sum = 0;
    for (let j = 0, o = r * stride; j < stride; j++, o++) sum += rows[o]! * query[j]!;
    scores[r] = sum;
  }
}

/** A row as int8 with its scale (value = int8 * scale), written into `target` at `offset`. */
export function quantizeRow(row: Float32Array, target: Int8Array, offset: number): number {
  let largest = 0;
  for (const value of row) largest = Math.max(largest, Math.abs(value));
  const scale = largest === 0 ? 1 : largest / 127;
  for (let i = 0; i < row.length; i++) target[offset + i] = Math.round(row[i]! / scale);
  return scale;
}

/** The query as int16 of magnitude at most QUERY_SCALE, into `target` (zero-padded to its length). */
export function quantizeQuery(query: Float32Array, target: Int16Array): void {
  let largest = 0;
  for (const value of query) largest = Math.max(largest, Math.abs(value));
  const scale = largest === 0 ? 1 : largest / QUERY_SCALE;
  target.fill(0);
  for (let i = 0; i < query.length; i++) target[i] = Math.round(query[i]! / scale);
}
