import {
  BLOCK,
  BR,
  BR_IF,
  createWasmMemory,
  END,
  F32_LOAD,
  F32_STORE,
  I32,
  I32_ADD,
  I32_GE_U,
  I32_SHL,
  i32Const,
  instantiateKernel,
  LOOP,
  localGet,
  localSet,
  PAGE_BYTES,
  singleFunctionModule,
  VOID,
  type WasmMemory,
} from "../wasm-bytecode.js";

// Issue 17, third round: in a one-shot `locus search` the encoder's element-wise float ops (residual adds, layer
// norms' subtractions and products, biases: ~40 nodes of a few thousand elements) run once, in JavaScript V8 has not
// compiled yet, where a loop costs ~20 ms of the first query. Here each is one small WebAssembly function, compiled
// on first use, over both operands copied into its memory. The result is the same float32 as JavaScript's: a
// float32 sum, difference, product or quotient rounded from a double equals the float32 operation (a double holds
// more than twice the bits of a float32), and f32.max agrees with Math.max on floats, signed zeros included.

/** `op(out, a, aBlock, aLength, b, bBlock, bLength, n)`: out[i] = a[(i / aBlock) % aLength] op b[(i / bBlock) % bLength]. */
type BinaryFunction = (
  out: number,
  a: number,
  aBlock: number,
  aLength: number,
  b: number,
  bBlock: number,
  bLength: number,
  n: number,
) => void;

/** The float32 operations with a kernel, by their WebAssembly opcode. */
const OPCODES = { add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, max: 0x97 } as const;
export type BinaryOp = keyof typeof OPCODES;

const [I32_DIV_U, I32_REM_U] = [0x6e, 0x70];

/** An operand's element for output element i (local 8): operand + ((i / block) % length) * 4, loaded. */
const operand = (at: number, block: number, length: number) => [
  ...localGet(at),
  ...localGet(8),
  ...localGet(block),
  I32_DIV_U,
  ...localGet(length),
  I32_REM_U,
  ...i32Const(2),
  I32_SHL,
  I32_ADD,
  F32_LOAD,
  2,
  0,
];

function binaryBody(opcode: number): number[] {
  // biome-ignore format: bytecode laid out by statement
  return [
    1, 1, I32, // local 8: i
    ...i32Const(0), ...localSet(8),
    BLOCK, VOID, LOOP, VOID,
    ...localGet(8), ...localGet(7), I32_GE_U, BR_IF, 1,
    ...localGet(0), ...localGet(8), ...i32Const(2), I32_SHL, I32_ADD,
    ...operand(1, 2, 3), ...operand(4, 5, 6), opcode,
    F32_STORE, 2, 0,
    ...localGet(8), ...i32Const(1), I32_ADD, ...localSet(8),
    BR, 0, END, END,
    END,
  ];
}

/** An operand and how it is broadcast: element i of the result reads data[(i / block) % data.length]. */
export interface BroadcastOperand {
  readonly data: Float32Array;
  readonly block: number;
}

/** Element-wise float32 products, sums, ... in WebAssembly, each function compiled on its first use. */
class ElementwiseKernels {
  private readonly memory: WasmMemory = createWasmMemory(1);
  private readonly functions = new Map<BinaryOp, BinaryFunction | undefined>();

  /** Fills `out` with a op b; false (nothing written) when this runtime has no WebAssembly. */
  binary(op: BinaryOp, out: Float32Array, a: BroadcastOperand, b: BroadcastOperand): boolean {
    if (!this.functions.has(op))
      this.functions.set(
        op,
        instantiateKernel<BinaryFunction>(
          singleFunctionModule("binary", 8, binaryBody(OPCODES[op])),
          "binary",
          this.memory,
        ),
      );
    const run = this.functions.get(op);
    if (run === undefined) return false;
    const bytes = (out.length + a.data.length + b.data.length) * 4;
    const missing = Math.ceil(bytes / PAGE_BYTES) - this.memory.buffer.byteLength / PAGE_BYTES;
    if (missing > 0) this.memory.grow(missing);
    const floats = new Float32Array(this.memory.buffer);
    const [aAt, bAt] = [out.length, out.length + a.data.length];
    floats.set(a.data, aAt);
    floats.set(b.data, bAt);
    run(0, aAt * 4, a.block, a.data.length, bAt * 4, b.block, b.data.length, out.length);
    out.set(floats.subarray(0, out.length));
    return true;
  }
}

let kernels: ElementwiseKernels | undefined;

/** Fills `out` with a op b in WebAssembly; false when it cannot (then the caller computes it). */
export function binaryInWasm(
  op: BinaryOp,
  out: Float32Array,
  a: BroadcastOperand,
  b: BroadcastOperand,
): boolean {
  if ((globalThis as { WebAssembly?: unknown }).WebAssembly === undefined) return false;
  kernels ??= new ElementwiseKernels();
  return kernels.binary(op, out, a, b);
}
