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
  I32_SUB,
  i32Const,
  instantiateKernel,
  LOOP,
  localGet,
  localSet,
  localTee,
  PAGE_BYTES,
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

// Four rows of `a` at a time, so each row of b is read once per four output rows: for each p, the four values
// a[r][p] are splat into lanes and out[r][j..j+3] += a[r][p] * b[p][j..j+3] for every j.
// Params: 0 out, 1 a, 2 b, 3 rows left, 4 k, 5 n. Locals: 6 p (bytes), 7 row p of b, 8 j (bytes), 9 n bytes,
// 10 k bytes, 11 address; 12-15 a[r][p] in every lane, 16 b[p][j..j+3].
// biome-ignore format: bytecode laid out by statement
const body = [
  2, 6, I32, 5, V128, // local declarations
  ...localGet(5), ...i32Const(2), I32_SHL, ...localSet(9),
  ...localGet(4), ...i32Const(2), I32_SHL, ...localSet(10),
  BLOCK, VOID, LOOP, VOID, // four rows at a time
  ...localGet(3), I32_EQZ, BR_IF, 1,
  ...i32Const(0), ...localSet(6),
  ...localGet(2), ...localSet(7),
  BLOCK, VOID, LOOP, VOID, // p over k
  ...localGet(6), ...localGet(10), I32_GE_U, BR_IF, 1,
  ...localGet(1), ...localGet(6), I32_ADD, ...localTee(11), ...f32Load(), ...f32x4Splat, ...localSet(12),
  ...localGet(11), ...localGet(10), I32_ADD, ...localTee(11), ...f32Load(), ...f32x4Splat, ...localSet(13),
  ...localGet(11), ...localGet(10), I32_ADD, ...localTee(11), ...f32Load(), ...f32x4Splat, ...localSet(14),
  ...localGet(11), ...localGet(10), I32_ADD, ...f32Load(), ...f32x4Splat, ...localSet(15),
  ...i32Const(0), ...localSet(8),
  BLOCK, VOID, LOOP, VOID, // j over n, four floats at a time
  ...localGet(8), ...localGet(9), I32_GE_U, BR_IF, 1,
  ...localGet(7), ...localGet(8), I32_ADD, ...v128Load(), ...localSet(16),
  ...localGet(0), ...localGet(8), I32_ADD, ...localTee(11),
  ...localGet(11), ...v128Load(), ...localGet(12), ...localGet(16), ...f32x4Mul, ...f32x4Add, ...v128Store(),
  ...localGet(11), ...localGet(9), I32_ADD, ...localTee(11),
  ...localGet(11), ...v128Load(), ...localGet(13), ...localGet(16), ...f32x4Mul, ...f32x4Add, ...v128Store(),
  ...localGet(11), ...localGet(9), I32_ADD, ...localTee(11),
  ...localGet(11), ...v128Load(), ...localGet(14), ...localGet(16), ...f32x4Mul, ...f32x4Add, ...v128Store(),
  ...localGet(11), ...localGet(9), I32_ADD, ...localTee(11),
  ...localGet(11), ...v128Load(), ...localGet(15), ...localGet(16), ...f32x4Mul, ...f32x4Add, ...v128Store(),
  ...localGet(8), ...i32Const(16), I32_ADD, ...localSet(8),
  BR, 0, END, END,
  ...localGet(7), ...localGet(9), I32_ADD, ...localSet(7),
  ...localGet(6), ...i32Const(4), I32_ADD, ...localSet(6),
  BR, 0, END, END,
  ...localGet(1), ...localGet(10), ...i32Const(2), I32_SHL, I32_ADD, ...localSet(1),
  ...localGet(0), ...localGet(9), ...i32Const(2), I32_SHL, I32_ADD, ...localSet(0),
  ...localGet(3), ...i32Const(4), I32_SUB, ...localSet(3),
  BR, 0, END, END,
  END,
];

const moduleBytes = singleFunctionModule("multiply", 6, body);

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
  private readonly multiply: MultiplyFunction | undefined;

  private constructor(
    private readonly buffer: ArrayBuffer,
    memory: WasmMemory | undefined,
    weightBytes: number,
  ) {
    this.scratchAt = Math.ceil(weightBytes / 16) * 16;
    this.multiply =
      memory === undefined ? undefined : instantiateKernel<MultiplyFunction>(moduleBytes, "multiply", memory);
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

  /** The weights' bytes, to read the shards into. */
  weightBytes(): Uint8Array {
    return new Uint8Array(this.buffer, 0, this.scratchAt);
  }

  /** A float32 view of the weights at a byte offset. */
  floats(byteOffset: number, length: number): Float32Array {
    return new Float32Array(this.buffer, byteOffset, length);
  }

  /** An int32 view of the weights at a byte offset. */
  ints(byteOffset: number, length: number): Int32Array {
    return new Int32Array(this.buffer, byteOffset, length);
  }

  /**
   * a[m x k] * weight[k x n] when `weight` is a view into a weight memory with a SIMD kernel; undefined when the
   * caller must compute it itself. Rows go through the scratch room in blocks, padded to four.
   */
  static multiplyByWeight(a: Float32Array, weight: Float32Array, m: number, k: number, n: number) {
    const owner = memories.get(weight.buffer);
    if (owner === undefined || owner.multiply === undefined || n % 4 !== 0) return undefined;
    return owner.product(owner.multiply, a, weight, m, k, n);
  }

  private product(
    multiply: MultiplyFunction,
    a: Float32Array,
    weight: Float32Array,
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
      multiply(outAt * FLOAT_BYTES, aAt * FLOAT_BYTES, weight.byteOffset, padded, k, n);
      out.set(view.subarray(outAt, outAt + rows * n), first * n);
    }
    return out;
  }
}
