import { type BinaryOp, binaryInWasm } from "./elementwise-kernel.js";
import {
  type DType,
  intsOf,
  makeTensor,
  type NodeAttributes,
  positiveAxis,
  sizeOf,
  stridesOf,
  type Tensor,
} from "./graph-tensor.js";

// Element-wise kernels of the graph interpreter: unary maths, binary maths and comparisons with TensorFlow's
// broadcasting, casts, reductions and softmax. Float results are stored as float32, as TensorFlow computes them.

/** A kernel: the node's input tensors and attributes to its output tensor(s). */
export type Kernel = (inputs: readonly Tensor[], attributes: NodeAttributes) => Tensor | Tensor[];

const input = (inputs: readonly Tensor[], index: number): Tensor => {
  const tensor = inputs[index];
  if (tensor === undefined) throw new Error(`missing input ${index}`);
  return tensor;
};

function unary(apply: (value: number) => number): Kernel {
  return (inputs) => {
    const x = input(inputs, 0);
    const out = makeTensor(x.dtype, x.shape);
    for (let i = 0; i < x.data.length; i++) out.data[i] = apply(x.data[i] as number);
    return out;
  };
}

/** The broadcast shape of two shapes (numpy rules). */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let axis = 0; axis < rank; axis++) {
    const da = a[axis - rank + a.length] ?? 1;
    const db = b[axis - rank + b.length] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Strides of `shape` read as `outShape` under broadcasting: 0 along broadcast axes. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, axis) =>
    axis < offset || shape[axis - offset] === 1 ? 0 : (own[axis - offset] as number),
  );
}

/**
 * How `part` (of `partShape`, `partLength` values) broadcast to `shape` is read: element i of the result takes
 * part[(i / block) % partLength] when part is its whole self repeated along leading axes (block 1) or one value
 * per block of trailing axes (block > 1), which covers the whole tensor and the scalar too; undefined otherwise.
 */
function broadcastBlock(
  partShape: readonly number[],
  shape: readonly number[],
  partLength: number,
): number | undefined {
  const n = sizeOf(shape);
  if (partLength === n || partLength === 1) return 1;
  const strides = broadcastStrides(partShape, shape);
  const own = stridesOf(shape);
  const repeated = (split: number) =>
    strides.every((stride, axis) => (axis < split ? stride === 0 : stride === own[axis]));
  const perBlock = (split: number, block: number) =>
    strides.every((stride, axis) => (axis < split ? stride * block === own[axis] : stride === 0));
  for (let split = 0; split <= shape.length; split++) {
    const block = sizeOf(shape.slice(split));
    if (block === partLength && repeated(split)) return 1;
    if (block * partLength === n && perBlock(split, block)) return block;
  }
  return undefined;
}

/** Tensors smaller than this stay in JavaScript (the copies in and out would cost more than the loop). */
const WASM_MIN_ELEMENTS = 256;

function binary(apply: (a: number, b: number) => number, resultType?: DType, op?: BinaryOp): Kernel {
  return (inputs) => {
    const a = input(inputs, 0);
    const b = input(inputs, 1);
    const shape = broadcastShape(a.shape, b.shape);
    const out = makeTensor(resultType ?? a.dtype, shape);
    const ad = a.data;
    const bd = b.data;
    const od = out.data;
    const n = od.length;
    const aBlock = broadcastBlock(a.shape, shape, ad.length);
    const bBlock = broadcastBlock(b.shape, shape, bd.length);
    if (
      op !== undefined &&
      n >= WASM_MIN_ELEMENTS &&
      ad instanceof Float32Array &&
      bd instanceof Float32Array &&
      od instanceof Float32Array &&
      aBlock !== undefined &&
      bBlock !== undefined &&
      binaryInWasm(op, od, { data: ad, block: aBlock }, { data: bd, block: bBlock })
    )
      return out;
    if (aBlock !== undefined && bBlock !== undefined) {
      // Plain loops instead of the odometer: a one-shot query runs these before V8 optimises anything.
      const al = ad.length;
      const bl = bd.length;
      if (al === n && bl === n) for (let i = 0; i < n; i++) od[i] = apply(ad[i] as number, bd[i] as number);
      else
        for (let i = 0; i < n; i++)
          od[i] = apply(ad[Math.floor(i / aBlock) % al] as number, bd[Math.floor(i / bBlock) % bl] as number);
    } else {
      // General case: walk the output with an odometer and follow both inputs' broadcast strides.
      const as = broadcastStrides(a.shape, shape);
      const bs = broadcastStrides(b.shape, shape);
      const counter = new Array<number>(shape.length).fill(0);
      let ai = 0;
      let bi = 0;
      for (let i = 0; i < n; i++) {
        od[i] = apply(ad[ai] as number, bd[bi] as number);
        for (let axis = shape.length - 1; axis >= 0; axis--) {
          counter[axis] = (counter[axis] as number) + 1;
          ai += as[axis] as number;
          bi += bs[axis] as number;
          if ((counter[axis] as number) < (shape[axis] as number)) break;
          ai -= (as[axis] as number) * (shape[axis] as number);
          bi -= (bs[axis] as number) * (shape[axis] as number);
          counter[axis] = 0;
        }
      }
    }
    return out;
  };
}

const cast: Kernel = (inputs, attributes) => {
  const x = input(inputs, 0);
  const to = attributes.type("DstT");
  const out = makeTensor(to, x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const value = x.data[i] as number;
    out.data[i] = to === "bool" ? (value !== 0 ? 1 : 0) : to === "int32" ? Math.trunc(value) : value;
  }
  return out;
};

function reduction(initial: number, step: (sum: number, value: number) => number, mean = false): Kernel {
  return (inputs, attributes) => {
    const x = input(inputs, 0);
    const axes = new Set(intsOf(input(inputs, 1)).map((axis) => positiveAxis(axis, x.shape.length)));
    const keepDims = attributes.bool("keep_dims");
    const kept = x.shape.map((dim, axis) => (axes.has(axis) ? 1 : dim));
    const out = makeTensor(x.dtype, kept);
    // An Int32Array cannot hold -Infinity (it would become 0): the smallest int32 stands in for it.
    out.data.fill(x.dtype === "float32" ? initial : Math.max(initial, -2_147_483_648));
    const outStrides = broadcastStrides(kept, x.shape);
    const counter = new Array<number>(x.shape.length).fill(0);
    let oi = 0;
    for (let i = 0; i < x.data.length; i++) {
      out.data[oi] = step(out.data[oi] as number, x.data[i] as number);
      for (let axis = x.shape.length - 1; axis >= 0; axis--) {
        counter[axis] = (counter[axis] as number) + 1;
        oi += outStrides[axis] as number;
        if ((counter[axis] as number) < (x.shape[axis] as number)) break;
        oi -= (outStrides[axis] as number) * (x.shape[axis] as number);
        counter[axis] = 0;
      }
    }
    if (mean) {
      const count = x.data.length / Math.max(1, out.data.length);
      for (let i = 0; i < out.data.length; i++) out.data[i] = (out.data[i] as number) / count;
    }
    const shape = keepDims ? kept : x.shape.filter((_, axis) => !axes.has(axis));
    return makeTensor(x.dtype, shape, out.data);
  };
}

const softmax: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const width = x.shape[x.shape.length - 1] as number;
  const out = makeTensor("float32", x.shape);
  for (let row = 0; row < sizeOf(x.shape) / width; row++) {
    const start = row * width;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < width; j++) max = Math.max(max, x.data[start + j] as number);
    let sum = 0;
    for (let j = 0; j < width; j++) {
      const e = Math.exp((x.data[start + j] as number) - max);
      out.data[start + j] = e;
      sum += e;
    }
    for (let j = 0; j < width; j++) out.data[start + j] = (out.data[start + j] as number) / sum;
  }
  return out;
};

/** The element-wise kernels by TensorFlow op name. */
export const ELEMENTWISE_KERNELS: Readonly<Record<string, Kernel>> = {
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  Tanh: unary(Math.tanh),
  Square: unary((x) => x * x),
  Rsqrt: unary((x) => 1 / Math.sqrt(x)),
  Relu: unary((x) => Math.max(x, 0)),
  LogicalNot: unary((x) => (x === 0 ? 1 : 0)),
  Add: binary((a, b) => a + b, undefined, "add"),
  Sub: binary((a, b) => a - b, undefined, "sub"),
  Mul: binary((a, b) => a * b, undefined, "mul"),
  RealDiv: binary((a, b) => a / b, undefined, "div"),
  Maximum: binary((a, b) => Math.max(a, b), undefined, "max"),
  Less: binary((a, b) => (a < b ? 1 : 0), "bool"),
  Greater: binary((a, b) => (a > b ? 1 : 0), "bool"),
  Cast: cast,
  Sum: reduction(0, (sum, value) => sum + value),
  Prod: reduction(1, (product, value) => product * value),
  Max: reduction(Number.NEGATIVE_INFINITY, (max, value) => Math.max(max, value)),
  Mean: reduction(0, (sum, value) => sum + value, true),
  Softmax: softmax,
};

/** The tensor at `index` of a kernel's inputs (throws when the graph gave fewer). */
export { input as kernelInput };
