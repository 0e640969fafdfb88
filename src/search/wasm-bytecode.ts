// The few pieces of WebAssembly bytecode that Locus' SIMD kernels are written in (vector-scan-kernel.ts for the
// vector index, local-model/matrix-kernel.ts for the sentence encoder): each kernel is one function over an
// imported memory, assembled from the bytes below at start-up (no build step, no dependency). Instruction
// encodings follow the WebAssembly core and SIMD specifications.

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;
/** The empty block type. */
export const VOID = 0x40;
/** Control instructions. */
export const [BLOCK, LOOP, END, BR, BR_IF] = [0x02, 0x03, 0x0b, 0x0c, 0x0d];
/** Scalar instructions. */
export const [I32_EQZ, I32_GE_U, I32_ADD, I32_SUB, I32_SHL, I32_SHR_U] = [0x45, 0x4f, 0x6a, 0x6b, 0x74, 0x76];
export const [F32_ADD, F32_LOAD, F32_STORE, I32_STORE] = [0x92, 0x2a, 0x38, 0x36];

export const localGet = (i: number) => [0x20, i];
export const localSet = (i: number) => [0x21, i];
export const localTee = (i: number) => [0x22, i];
/** i32.const of a small value (below 64: one byte of signed LEB128). */
export const i32Const = (v: number) => {
  if (v < 0 || v >= 64) throw new RangeError(`i32Const takes 0..63, got ${v}`);
  return [0x41, v];
};
/** A SIMD instruction (prefix 0xfd, opcode as unsigned LEB128). */
export const simd = (op: number) => (op < 0x80 ? [0xfd, op] : [0xfd, (op & 0x7f) | 0x80, op >> 7]);
/** A load or store's memory argument: alignment (log2 bytes) and a constant offset. */
export const f32Load = (offset = 0) => [F32_LOAD, 2, offset];
export const v128Load = (offset = 0) => [...simd(0x00), 2, offset];
export const v128Store = (offset = 0) => [...simd(0x0b), 2, offset];
export const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
export const f32x4Splat = simd(0x13);
export const f32x4Add = simd(0xe4);
export const f32x4Mul = simd(0xe6);
export const f32x4ExtractLane = (lane: number) => [...simd(0x1f), lane];

/** How one row-scoring kernel differs from another (see rowScanBody). */
export interface RowScan {
  /** log2 of the bytes per element: the rows' stride parameter counts elements. */
  readonly elementShift: number;
  /** v128 accumulators, locals 9 onwards, zeroed at each row. */
  readonly accumulators: number;
  /** Bytes of the row consumed by one step of `accumulate`. */
  readonly step: number;
  /** Adds one step's products into the accumulators (the row at local 6, its byte j at local 7, query param 3). */
  readonly accumulate: readonly number[];
  /** Leaves the row's score on the stack, from the accumulators. */
  readonly score: readonly number[];
  /** The store instruction of the score (f32.store or i32.store). */
  readonly store: number;
}

/**
 * The body of `scan(matrix, rows, stride, query, scores)`: for every row, the accumulators over the row, then
 * its score stored at scores[r]. Locals: 5 r, 6 row pointer, 7 j (bytes), 8 row bytes, 9... accumulators.
 */
export function rowScanBody(scan: RowScan): number[] {
  const zeroes = Array.from({ length: scan.accumulators }, (_, a) => [
    ...v128Zero,
    ...localSet(9 + a),
  ]).flat();
  // biome-ignore format: bytecode laid out by statement
  return [
    2, 4, I32, scan.accumulators, V128, // local declarations
    ...localGet(2), ...i32Const(scan.elementShift), I32_SHL, ...localSet(8),
    ...localGet(0), ...localSet(6),
    ...i32Const(0), ...localSet(5),
    BLOCK, VOID, LOOP, VOID,
    ...localGet(5), ...localGet(1), I32_GE_U, BR_IF, 1,
    ...zeroes,
    ...i32Const(0), ...localSet(7),
    BLOCK, VOID, LOOP, VOID,
    ...localGet(7), ...localGet(8), I32_GE_U, BR_IF, 1,
    ...scan.accumulate,
    ...localGet(7), ...i32Const(scan.step), I32_ADD, ...localSet(7),
    BR, 0, END, END,
    ...localGet(4), ...localGet(5), ...i32Const(2), I32_SHL, I32_ADD,
    ...scan.score,
    scan.store, 2, 0,
    ...localGet(6), ...localGet(8), I32_ADD, ...localSet(6),
    ...localGet(5), ...i32Const(1), I32_ADD, ...localSet(5),
    BR, 0, END, END,
    END,
  ];
}

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

/**
 * A module of one exported function `exportName` taking `params` i32 values and returning nothing, over the
 * memory it imports as env.memory; `body` is the function's code (local declarations first, closing END included).
 */
export function singleFunctionModule(
  exportName: string,
  params: number,
  body: readonly number[],
): Uint8Array {
  // biome-ignore format: one line per section
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, params, ...new Array<number>(params).fill(I32), 0]), // type: (i32 x params) -> ()
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 1]), // import memory, min 1 page
    ...section(3, [1, 0]), // one function of type 0
    ...section(7, [1, ...name(exportName), 0x00, 0]), // export it
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The part of a WebAssembly.Memory the kernels use (the project's lib settings carry no WASM types). */
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

/** Bytes in a WebAssembly memory page. */
export const PAGE_BYTES = 65_536;

/** True when this runtime has WebAssembly (the kernels then validate their own features, such as SIMD). */
export const hasWebAssembly = (): boolean => wasm !== undefined;

/** A new growable WebAssembly memory of `pages` pages (pages are committed when first written). */
export function createWasmMemory(pages = 1): WasmMemory {
  return new wasm.Memory({ initial: pages });
}

/** The module's exported function bound to `memory`, or undefined when this runtime cannot run it (no SIMD). */
export function instantiateKernel<F>(
  moduleBytes: Uint8Array,
  exportName: string,
  memory: WasmMemory,
): F | undefined {
  if (wasm === undefined || !wasm.validate(moduleBytes)) return undefined;
  const instance = new wasm.Instance(new wasm.Module(moduleBytes), { env: { memory } });
  return instance.exports[exportName] as F;
}
