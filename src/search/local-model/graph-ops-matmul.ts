import { binaryInWasm } from "./elementwise-kernel.js";
import { kernelInput as input, type Kernel } from "./graph-ops-elementwise.js";
import { makeTensor, sizeOf, type Tensor } from "./graph-tensor.js";
import { WeightMemory } from "./matrix-kernel.js";

// The matrix kernels of the graph interpreter, where nearly all of the sentence encoder's time goes: MatMul,
// BatchMatMul, 1x1 Conv2D (a MatMul over the last axis) and BiasAdd. A product with one of the model's weight
// matrices runs in the WebAssembly SIMD kernel (matrix-kernel.ts); the rest (attention's small matrices, and
// everything when WASM SIMD is missing) in the one JavaScript loop below.

/** The float32 values of a tensor (the matrix kernels read only float32, so their loops stay monomorphic). */
const floats = (tensor: Tensor): Float32Array =>
  tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);

/** How a matrix sits in its array: where it starts and the steps between rows and between columns. */
interface MatrixLayout {
  readonly offset: number;
  readonly rowStep: number;
  readonly columnStep: number;
}

/** The layout of a row-major matrix of `columns` columns at `offset`, or of its transpose. */
const layoutOf = (offset: number, columns: number, transposed: boolean): MatrixLayout =>
  transposed ? { offset, rowStep: 1, columnStep: columns } : { offset, rowStep: columns, columnStep: 1 };

/**
 * out[m x n] (row-major at outOffset) += a[m x k] * b[k x n]: row by row as scaled additions of b's rows, which
 * V8 keeps in tight loops.
 */
function multiplyInto(
  out: Float32Array,
  outOffset: number,
  a: Float32Array,
  aLayout: MatrixLayout,
  b: Float32Array,
  bLayout: MatrixLayout,
  m: number,
  k: number,
  n: number,
): void {
  const { rowStep: bRow, columnStep: bColumn } = bLayout;
  for (let i = 0; i < m; i++) {
    const row = outOffset + i * n;
    for (let p = 0; p < k; p++) {
      const scale = a[aLayout.offset + i * aLayout.rowStep + p * aLayout.columnStep] as number;
      if (scale === 0) continue;
      const from = bLayout.offset + p * bRow;
      for (let j = 0; j < n; j++)
        out[row + j] = (out[row + j] as number) + scale * (b[from + j * bColumn] as number);
    }
  }
}

/** a[m x k] * b[k x n], both row-major and untransposed: in the SIMD kernel when b is a weight, else in JS. */
function product(a: Float32Array, b: Tensor, m: number, k: number, n: number): Float32Array {
  const fast = WeightMemory.multiplyByWeight(a, b.halfData ?? floats(b), m, k, n);
  if (fast !== undefined) return fast;
  const out = new Float32Array(m * n);
  multiplyInto(out, 0, a, layoutOf(0, k, false), floats(b), layoutOf(0, n, false), m, k, n);
  return out;
}

const matMul: Kernel = (inputs, attributes) => {
  const a = input(inputs, 0);
  const b = input(inputs, 1);
  const transposeA = attributes.bool("transpose_a");
  const transposeB = attributes.bool("transpose_b");
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = (transposeB ? b.shape[0] : b.shape[1]) as number;
  if (!transposeA && !transposeB)
    return makeTensor("float32", [m as number, n], product(floats(a), b, m as number, k as number, n));
  const out = makeTensor("float32", [m as number, n]);
  const [as, bs] = [floats(a), floats(b)];
  const aLayout = layoutOf(0, a.shape[1] as number, transposeA);
  const bLayout = layoutOf(0, b.shape[1] as number, transposeB);
  multiplyInto(out.data as Float32Array, 0, as, aLayout, bs, bLayout, m as number, k as number, n);
  return out;
};

const batchMatMul: Kernel = (inputs, attributes) => {
  const x = input(inputs, 0);
  const y = input(inputs, 1);
  const adjX = attributes.bool("adj_x");
  const adjY = attributes.bool("adj_y");
  const rank = x.shape.length;
  const [xr, xc] = [x.shape[rank - 2] as number, x.shape[rank - 1] as number];
  const [yr, yc] = [y.shape[rank - 2] as number, y.shape[rank - 1] as number];
  const [m, k] = adjX ? [xc, xr] : [xr, xc];
  const n = adjY ? yr : yc;
  const batches = sizeOf(x.shape.slice(0, -2));
  if (y.shape.length !== rank || sizeOf(y.shape.slice(0, -2)) !== batches)
    throw new Error("BatchMatMul: both sides need the same batch shape");
  const out = makeTensor("float32", [...x.shape.slice(0, -2), m, n]);
  const [xs, ys] = [floats(x), floats(y)];
  for (let batch = 0; batch < batches; batch++) {
    const aLayout = layoutOf(batch * xr * xc, xc, adjX);
    const bLayout = layoutOf(batch * yr * yc, yc, adjY);
    multiplyInto(out.data as Float32Array, batch * m * n, xs, aLayout, ys, bLayout, m, k, n);
  }
  return out;
};

const conv2d: Kernel = (inputs, attributes) => {
  const x = input(inputs, 0);
  const filter = input(inputs, 1);
  const [height, width, channelsIn, channelsOut] = filter.shape as [number, number, number, number];
  const unitSteps = [...attributes.ints("strides"), ...attributes.ints("dilations")].every((s) => s === 1);
  if (height !== 1 || width !== 1 || !unitSteps || attributes.string("data_format", "NHWC") !== "NHWC")
    throw new Error("Conv2D: only 1x1 NHWC convolutions with unit strides are supported");
  const rows = x.data.length / channelsIn;
  const out = product(floats(x), filter, rows, channelsIn, channelsOut);
  return makeTensor("float32", [...x.shape.slice(0, -1), channelsOut], out);
};

const biasAdd: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const bias: Tensor = input(inputs, 1);
  const width = bias.data.length;
  const out = makeTensor("float32", x.shape);
  const [xd, bd, od] = [x.data, bias.data, out.data];
  if (
    xd instanceof Float32Array &&
    bd instanceof Float32Array &&
    od instanceof Float32Array &&
    xd.length >= 256 &&
    binaryInWasm("add", od, { data: xd, block: 1 }, { data: bd, block: 1 })
  )
    return out;
  for (let i = 0; i < x.data.length; i++)
    out.data[i] = (x.data[i] as number) + (bias.data[i % width] as number);
  return out;
};

/** The matrix kernels by TensorFlow op name. */
export const MATMUL_KERNELS: Readonly<Record<string, Kernel>> = {
  MatMul: matMul,
  BatchMatMul: batchMatMul,
  Conv2D: conv2d,
  BiasAdd: biasAdd,
};
