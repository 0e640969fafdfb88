import {
  BLOCK,
  BR,
  BR_IF,
  createWasmMemory,
  END,
  f32Load,
  f32x4Add,
  f32x4Mul,
  f32x4Splat,
  I32,
  I32_ADD,
  I32_EQZ,
  I32_GE_U,
  I32_SHL,
  I32_SHR_U,
  I32_SUB,
  i32Const,
  instantiateKernel,
  LOOP,
  localGet,
  localSet,
  localTee,
  PAGE_BYTES,
  simd,
  singleFunctionModule,
  V128,
  VOID,
  v128Load,
  v128Store,
  type WasmMemory,
} from "../wasm-bytecode.js";

// Where the sentence encoder spends its time: products of a few token rows with the model's weight matrices
// (about 4.9 M multiply-adds per token). Issue 17: in a one-shot `locus search` those ran in plain JavaScript
// that V8 had not optimised yet (hundreds of milliseconds for a short query). The weights are read straight
// into a WebAssembly memory (one copy, from the file) and multiplied there by the SIMD kernel below, which is
// fast from its first call. Without WASM SIMD the interpreter keeps its JavaScript loop (graph-ops-matmul.ts).

/** `multiply(out, a, b, m, k, n)`: out[m x n] += a[m x k] * b[k x n], byte offsets; m and n multiples of 4. */
type MultiplyFunction = (out: number, a: number, b: number, m: number, k: number, n: number) => void;

const load16x4u = [...simd(0x04), 0, 0];
const [V128_AND, V128_OR] = [simd(0x4e), simd(0x50)];
const i32x4Shl = simd(0xab);
const v128Const = (lane: readonly number[]) => [...simd(0x0c), ...lane, ...lane, ...lane, ...lane];

/**
 * Four rows of `a` at a time, so each row of b is read once per four output rows: for each p, the four values
 * a[r][p] are splat into lanes and out[r][j..j+3] += a[r][p] * b[p][j..j+3] for every j. With `halfB`, b holds
 * IEEE half floats (2 bytes each), widened to float32 as they are read: the exponent and mantissa move up 13
 * bits and a multiplication by 2^112 rebiases the exponent (exact for zeros, subnormals and normals).
 * Params: 0 out, 1 a, 2 b, 3 rows left, 4 k, 5 n. Locals: 6 p (bytes), 7 row p of b, 8 j (bytes of out), 9 n
 * bytes, 10 k bytes, 11 address, 12 bytes of a row of b; 13-16 a[r][p] in every lane, 17 b[p][j..j+3],
 * 18-20 the half-float constants.
 */
function multiplyBody(halfB: boolean): number[] {
  // biome-ignore format: bytecode laid out by statement
  const loadB = halfB
    ? [
        ...localGet(7), ...localGet(8), ...i32Const(1), I32_SHR_U, I32_ADD, ...load16x4u, ...localSet(17),
        ...localGet(17), ...localGet(18), ...V128_AND, ...i32Const(13), ...i32x4Shl, ...localGet(20), ...f32x4Mul,
        ...localGet(17), ...localGet(19), ...V128_AND, ...i32Const(16), ...i32x4Shl, ...V128_OR, ...localSet(17),
      ]
    : [...localGet(7), ...localGet(8), I32_ADD, ...v128Load(), ...localSet(17)];
  // biome-ignore format: bytecode laid out by statement
  const accumulate = (lane: number) => [
    ...localGet(11), ...localGet(11), ...v128Load(), ...localGet(lane), ...localGet(17), ...f32x4Mul, ...f32x4Add,
    ...v128Store(),
  ];
  const nextRow = [...localGet(11), ...localGet(9), I32_ADD, ...localTee(11)];
  // biome-ignore format: bytecode laid out by statement
  return [
    2, 7, I32, 8, V128, // local declarations
    ...v128Const([0xff, 0x7f, 0, 0]), ...localSet(18),
    ...v128Const([0, 0x80, 0, 0]), ...localSet(19),
    ...v128Const([0, 0, 0x80, 0x77]), ...localSet(20), // 2^112
    ...localGet(5), ...i32Const(2), I32_SHL, ...localSet(9),
    ...localGet(4), ...i32Const(2), I32_SHL, ...localSet(10),
    ...localGet(5), ...i32Const(halfB ? 1 : 2), I32_SHL, ...localSet(12),
    BLOCK, VOID, LOOP, VOID, // four rows at a time
    ...localGet(3), I32_EQZ, BR_IF, 1,
    ...i32Const(0), ...localSet(6),
    ...localGet(2), ...localSet(7),
    BLOCK, VOID, LOOP, VOID, // p over k
    ...localGet(6), ...localGet(10), I32_GE_U, BR_IF, 1,
    ...localGet(1), ...localGet(6), I32_ADD, ...localTee(11), ...f32Load(), ...f32x4Splat, ...localSet(13),
    ...localGet(11), ...localGet(10), I32_ADD, ...localTee(11), ...f32Load(), ...f32x4Splat, ...localSet(14),
    ...localGet(11), ...localGet(10), I32_ADD, ...localTee(11), ...f32Load(), ...f32x4Splat, ...localSet(15),
    ...localGet(11), ...localGet(10), I32_ADD, ...f32Load(), ...f32x4Splat, ...localSet(16),
    ...i32Const(0), ...localSet(8),
    BLOCK, VOID, LOOP, VOID, // j over n, four floats at a time
    ...localGet(8), ...localGet(9), I32_GE_U, BR_IF, 1,
    ...loadB,
    ...localGet(0), ...localGet(8), I32_ADD, ...localSet(11), ...accumulate(13),
    ...nextRow, ...localSet(11), ...accumulate(14),
    ...nextRow, ...localSet(11), ...accumulate(15),
    ...nextRow, ...localSet(11), ...accumulate(16),
    ...localGet(8), ...i32Const(16), I32_ADD, ...localSet(8),
    BR, 0, END, END,
    ...localGet(7), ...localGet(12), I32_ADD, ...localSet(7),
    ...localGet(6), ...i32Const(4), I32_ADD, ...localSet(6),
    BR, 0, END, END,
    ...localGet(1), ...localGet(10), ...i32Const(2), I32_SHL, I32_ADD, ...localSet(1),
    ...localGet(0), ...localGet(9), ...i32Const(2), I32_SHL, I32_ADD, ...localSet(0),
    ...localGet(3), ...i32Const(4), I32_SUB, ...localSet(3),
    BR, 0, END, END,
    END,
  ];
}

const floatModule = singleFunctionModule("multiply", 6, multiplyBody(false));
const halfModule = singleFunctionModule("multiply", 6, multiplyBody(true));

/** Room after the weights for a product's operands: a short query's rows fit many times over. */
const SCRATCH_BYTES = 4 * 1024 * 1024;
const FLOAT_BYTES = 4;

const memories = new WeakMap<ArrayBufferLike, WeightMemory>();

/**
 * The model's weights in one WebAssembly memory, followed by scratch room where products are computed. Weight
 * tensors are views into it; `multiplyByWeight` finds the memory of a weight from the view.
 */
export class WeightMemory {
  private readonly scratchAt: number;
  private readonly multiplyFloat: MultiplyFunction | undefined;
  private readonly multiplyHalf: MultiplyFunction | undefined;

  private constructor(
    private readonly buffer: ArrayBuffer,
    memory: WasmMemory | undefined,
    weightBytes: number,
  ) {
    this.scratchAt = Math.ceil(weightBytes / 16) * 16;
    const kernel = (bytes: Uint8Array) =>
      memory === undefined ? undefined : instantiateKernel<MultiplyFunction>(bytes, "multiply", memory);
    this.multiplyFloat = kernel(floatModule);
    this.multiplyHalf = kernel(halfModule);
    memories.set(buffer, this);
  }

  /** Room for `weightBytes` of weights (a plain buffer when this runtime has no WebAssembly). */
  static allocate(weightBytes: number): WeightMemory {
    const total = Math.ceil(weightBytes / 16) * 16 + SCRATCH_BYTES;
    if ((globalThis as { WebAssembly?: unknown }).WebAssembly === undefined)
      return new WeightMemory(new ArrayBuffer(total), undefined, weightBytes);
    const memory = createWasmMemory(Math.ceil(total / PAGE_BYTES));
    return new WeightMemory(memory.buffer, memory, weightBytes);
  }

  /**
   * Room for `weightBytes` of weights in `memory`, which already holds some of them (a half-weights file read
   * there, half-weights.ts): grown to fit the rest and the scratch room. Views of it made before are detached.
   */
  static adopt(memory: WasmMemory, weightBytes: number): WeightMemory {
    const total = Math.ceil(weightBytes / 16) * 16 + SCRATCH_BYTES;
    const missing = Math.ceil(total / PAGE_BYTES) - memory.buffer.byteLength / PAGE_BYTES;
    if (missing > 0) memory.grow(missing);
    return new WeightMemory(memory.buffer, memory, weightBytes);
  }

  /** The weights' bytes, to read the shards into. */
  weightBytes(): Uint8Array {
    return new Uint8Array(this.buffer, 0, this.scratchAt);
  }

  /** A float32 view of the weights at a byte offset. */
  floats(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.buffer, byteOffset, length);
  }

  /** A view of half floats (IEEE binary16 bits) of the weights at a byte offset. */
  halves(byteOffset: number, length: number): Uint16Array {
    return new Uint16Array(this.buffer, byteOffset, length);
  }

  /** An int32 view of the weights at a byte offset. */
  ints(byteOffset: number, length: number): Int32Array {
    return new Int32Array(this.buffer, byteOffset, length);
  }

  /**
   * a[m x k] * weight[k x n] when `weight` (float32, or half floats) is a view into a weight memory with a SIMD
   * kernel; undefined when the caller must compute it itself. Rows go through the scratch room in blocks,
   * padded to four.
   */
  static multiplyByWeight(
    a: Float32Array,
    weight: Float32Array | Uint16Array,
    m: number,
    k: number,
    n: number,
  ): Float32Array | undefined {
    const owner = memories.get(weight.buffer);
    const multiply = weight instanceof Uint16Array ? owner?.multiplyHalf : owner?.multiplyFloat;
    if (owner === undefined || multiply === undefined || n % 4 !== 0) return undefined;
    return owner.product(multiply, a, weight.byteOffset, m, k, n);
  }

  private product(
    multiply: MultiplyFunction,
    a: Float32Array,
    weightAt: number,
    m: number,
    k: number,
    n: number,
  ): Float32Array | undefined {
    const rowBytes = (k + n) * FLOAT_BYTES;
    const block = Math.floor((this.buffer.byteLength - this.scratchAt) / rowBytes / 4) * 4;
    if (block === 0) return undefined;
    const out = new Float32Array(m * n);
    const view = new Float32Array(this.buffer);
    for (let first = 0; first < m; first += block) {
      const rows = Math.min(block, m - first);
      const padded = Math.ceil(rows / 4) * 4;
      const aAt = this.scratchAt / FLOAT_BYTES;
      const outAt = aAt + padded * k;
      view.set(a.subarray(first * k, (first + rows) * k), aAt);
      view.fill(0, aAt + rows * k, outAt + padded * n); // padding rows of a, and all of out
      multiply(outAt * FLOAT_BYTES, aAt * FLOAT_BYTES, weightAt, padded, k, n);
      out.set(view.subarray(outAt, outAt + rows * n), first * n);
    }
    return out;
  }
}
