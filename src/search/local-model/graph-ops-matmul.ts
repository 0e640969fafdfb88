import { kernelInput as input, type Kernel } from "./graph-ops-elementwise.js";
import { makeTensor, sizeOf, type Tensor } from "./graph-tensor.js";

// The matrix kernels of the graph interpreter, where nearly all of the sentence encoder's time goes: MatMul,
// BatchMatMul, 1x1 Conv2D (a MatMul over the last axis) and BiasAdd.

/** The float32 values of a tensor (the matrix kernels read only float32, so their loops stay monomorphic). */
const floats = (tensor: Tensor): Float32Array =>
  tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);

/**
 * out[m x n] += a[m x k] * b[k x n], row-major blocks at the given offsets: row by row as scaled additions of
 * b's rows, which V8 keeps in tight loops over contiguous memory.
 */
function multiplyPlain(
  out: Float32Array,
  outOffset: number,
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  m: number,
  k: number,
  n: number,
): void {
  for (let i = 0; i < m; i++) {
    const row = outOffset + i * n;
    for (let p = 0; p < k; p++) {
      const scale = a[aOffset + i * k + p] as number;
      if (scale === 0) continue;
      const from = bOffset + p * n;
      for (let j = 0; j < n; j++) out[row + j] = (out[row + j] as number) + scale * (b[from + j] as number);
    }
  }
}

/** `multiplyPlain` with either side read transposed (attention's small matrices). */
function multiplyInto(
  out: Float32Array,
  outOffset: number,
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): void {
  if (!transposeA && !transposeB) {
    multiplyPlain(out, outOffset, a, aOffset, b, bOffset, m, k, n);
    return;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = a[aOffset + (transposeA ? p * m + i : i * k + p)] as number;
        const bv = b[bOffset + (transposeB ? j * k + p : p * n + j)] as number;
        sum += av * bv;
      }
      out[outOffset + i * n + j] = (out[outOffset + i * n + j] as number) + sum;
    }
  }
}

const matMul: Kernel = (inputs, attributes) => {
  const a = input(inputs, 0);
  const b = input(inputs, 1);
  const transposeA = attributes.bool("transpose_a");
  const transposeB = attributes.bool("transpose_b");
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = (transposeB ? b.shape[0] : b.shape[1]) as number;
  const out = makeTensor("float32", [m as number, n]);
  multiplyInto(
    out.data as Float32Array,
    0,
    floats(a),
    0,
    floats(b),
    0,
    m as number,
    k as number,
    n,
    transposeA,
    transposeB,
  );
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
    multiplyInto(
      out.data as Float32Array,
      batch * m * n,
      xs,
      batch * xr * xc,
      ys,
      batch * yr * yc,
      m,
      k,
      n,
      adjX,
      adjY,
    );
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
  const out = makeTensor("float32", [...x.shape.slice(0, -1), channelsOut]);
  multiplyPlain(out.data as Float32Array, 0, floats(x), 0, floats(filter), 0, rows, channelsIn, channelsOut);
  return out;
};

const biasAdd: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const bias: Tensor = input(inputs, 1);
  const width = bias.data.length;
  const out = makeTensor("float32", x.shape);
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
