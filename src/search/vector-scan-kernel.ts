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

const I32 = 0x7f;
const V128 = 0x7b;
const localGet = (i: number) => [0x20, i];
const localSet = (i: number) => [0x21, i];
const i32Const = (v: number) => [0x41, v]; // v < 64: one-byte signed LEB128
const simd = (op: number) => (op < 0x80 ? [0xfd, op] : [0xfd, (op & 0x7f) | 0x80, op >> 7]);
const v128Load = (offset: number) => [...simd(0x00), 2, offset];
const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const f32x4Add = simd(0xe4);
const f32x4Mul = simd(0xe6);
const extractLane = (lane: number) => [...simd(0x1f), lane];
const [BLOCK, LOOP, END, BR, BR_IF] = [0x02, 0x03, 0x0b, 0x0c, 0x0d];
const [I32_ADD, I32_SHL, I32_GE_U, F32_ADD, F32_STORE] = [0x6a, 0x74, 0x4f, 0x92, 0x38];
const VOID = 0x40;

// Params: 0 matrix, 1 rows, 2 stride, 3 query, 4 scores. Locals: 5 r, 6 row pointer, 7 j (bytes),
// 8 row bytes, 9 acc0, 10 acc1.
// biome-ignore format: bytecode laid out by statement
const body = [
  2, 4, I32, 2, V128, // local declarations
  ...localGet(2), ...i32Const(2), I32_SHL, ...localSet(8),
  ...localGet(0), ...localSet(6),
  ...i32Const(0), ...localSet(5),
  BLOCK, VOID, LOOP, VOID,
  ...localGet(5), ...localGet(1), I32_GE_U, BR_IF, 1,
  ...v128Zero, ...localSet(9), ...v128Zero, ...localSet(10),
  ...i32Const(0), ...localSet(7),
  BLOCK, VOID, LOOP, VOID,
  ...localGet(7), ...localGet(8), I32_GE_U, BR_IF, 1,
  ...localGet(9), ...localGet(6), ...localGet(7), I32_ADD, ...v128Load(0),
  ...localGet(3), ...localGet(7), I32_ADD, ...v128Load(0), ...f32x4Mul, ...f32x4Add, ...localSet(9),
  ...localGet(10), ...localGet(6), ...localGet(7), I32_ADD, ...v128Load(16),
  ...localGet(3), ...localGet(7), I32_ADD, ...v128Load(16), ...f32x4Mul, ...f32x4Add, ...localSet(10),
  ...localGet(7), ...i32Const(32), I32_ADD, ...localSet(7),
  BR, 0, END, END,
  ...localGet(4), ...localGet(5), ...i32Const(2), I32_SHL, I32_ADD,
  ...localGet(9), ...localGet(10), ...f32x4Add, ...localSet(9),
  ...localGet(9), ...extractLane(0), ...localGet(9), ...extractLane(1), F32_ADD,
  ...localGet(9), ...extractLane(2), F32_ADD, ...localGet(9), ...extractLane(3), F32_ADD,
  F32_STORE, 2, 0,
  ...localGet(6), ...localGet(8), I32_ADD, ...localSet(6),
  ...localGet(5), ...i32Const(1), I32_ADD, ...localSet(5),
  BR, 0, END, END,
  END,
];

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

// biome-ignore format: one line per section
const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // type: (i32 x5) -> ()
  ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 1]), // import memory, min 1 page
  ...section(3, [1, 0]), // one function of type 0
  ...section(7, [1, ...name("scan"), 0x00, 0]), // export "scan"
  ...section(10, [1, ...uleb(body.length), ...body]),
]);

/** The part of a WebAssembly.Memory the index uses (the project's lib settings carry no WASM types). */
export interface WasmMemory {
  /** Current bytes; detached and replaced by grow(). */
  readonly buffer: ArrayBuffer;
  /** Adds 64 KiB pages; returns the previous size in pages. */
  grow(pages: number): number;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A new growable WebAssembly memory of one page. */
export function createWasmMemory(): WasmMemory {
  return new wasm.Memory({ initial: 1 });
}

/** A SIMD scan bound to the given memory, or undefined when this runtime lacks WASM SIMD. */
export function createWasmScan(memory: WasmMemory): ScanFunction | undefined {
  if (!wasm.validate(moduleBytes)) return undefined;
  const instance = new wasm.Instance(new wasm.Module(moduleBytes), { env: { memory } });
  return instance.exports.scan as ScanFunction;
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
