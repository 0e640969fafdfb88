import { kernelInput as input, type Kernel } from "./graph-ops-elementwise.js";
import {
  intsOf,
  makeTensor,
  positiveAxis,
  scalarOf,
  sizeOf,
  stridesOf,
  type Tensor,
} from "./graph-tensor.js";

// Kernels of the graph interpreter that move data without arithmetic: shapes, slices, joins, gathers and
// scatters, with TensorFlow's semantics for the cases the sentence encoder's graph uses (a case it does not use,
// such as a negative slice stride, throws rather than guess).

/**
 * Copies the elements of `x` at the multi-indices `pick` gives, per axis, into a tensor of `shape`. When the
 * last axis's picks are consecutive (every split and slice of the encoder's graph), each run of them is one
 * copy of a subarray rather than an element at a time: issue 17, a query's SplitV nodes took ~50 ms of CPU
 * element by element with the optimizing compiler off.
 */
function pickAxes(x: Tensor, picks: readonly (readonly number[])[], shape: readonly number[]): Tensor {
  const out = makeTensor(x.dtype, shape);
  const strides = stridesOf(x.shape);
  const data = x.data;
  const last = picks.length - 1;
  const lastPicks = (picks[last] ?? []) as number[];
  const run = last >= 0 && isConsecutive(lastPicks) ? lastPicks.length : 0;
  let o = 0;
  const walk = (axis: number, offset: number): void => {
    if (axis === picks.length) {
      out.data[o++] = data[offset] as number;
      return;
    }
    if (axis === last && run > 0) {
      const start = offset + (lastPicks[0] as number) * (strides[axis] as number);
      out.data.set(data.subarray(start, start + run), o);
      o += run;
      return;
    }
    for (const index of picks[axis] as number[]) walk(axis + 1, offset + index * (strides[axis] as number));
  };
  walk(0, 0);
  return out;
}

/** Whether `indices` count up by one (an empty list is not a run). */
function isConsecutive(indices: readonly number[]): boolean {
  for (let i = 1; i < indices.length; i++) if (indices[i] !== (indices[0] as number) + i) return false;
  return indices.length > 0;
}

const range = (start: number, end: number, step = 1): number[] => {
  const out: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
  return out;
};

const reshape: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const wanted = intsOf(input(inputs, 1));
  const known = wanted.reduce((product, dim) => (dim === -1 ? product : product * dim), 1);
  const shape = wanted.map((dim) => (dim === -1 ? x.data.length / known : dim));
  return makeTensor(x.dtype, shape, x.data);
};

const stridedSlice: Kernel = (inputs, attributes) => {
  const x = input(inputs, 0);
  const [begin, end, steps] = [1, 2, 3].map((i) => intsOf(input(inputs, i)));
  if (attributes.int("ellipsis_mask") !== 0 || attributes.int("new_axis_mask") !== 0)
    throw new Error("StridedSlice: ellipsis and new axes are not supported");
  const [beginMask, endMask, shrinkMask] = ["begin_mask", "end_mask", "shrink_axis_mask"].map((name) =>
    attributes.int(name),
  ) as [number, number, number];
  const picks: number[][] = [];
  const shape: number[] = [];
  x.shape.forEach((dim, axis) => {
    const bit = 1 << axis;
    if (axis >= (begin as number[]).length) {
      picks.push(range(0, dim));
      shape.push(dim);
      return;
    }
    const step = (steps as number[])[axis] ?? 1;
    if (step <= 0) throw new Error("StridedSlice: only positive strides are supported");
    const clamp = (value: number) => Math.min(dim, Math.max(0, value < 0 ? value + dim : value));
    const from = beginMask & bit ? 0 : clamp((begin as number[])[axis] as number);
    if (shrinkMask & bit) {
      picks.push([from]);
      return;
    }
    const to = endMask & bit ? dim : clamp((end as number[])[axis] as number);
    const indices = range(from, to, step);
    picks.push(indices);
    shape.push(indices.length);
  });
  return pickAxes(x, picks, shape);
};

const slice: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const begin = intsOf(input(inputs, 1));
  const size = intsOf(input(inputs, 2));
  const picks = x.shape.map((dim, axis) => {
    const from = begin[axis] ?? 0;
    const count = size[axis] === undefined || size[axis] === -1 ? dim - from : (size[axis] as number);
    return range(from, from + count);
  });
  return pickAxes(
    x,
    picks,
    picks.map((p) => p.length),
  );
};

const transpose: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const perm = intsOf(input(inputs, 1));
  const strides = stridesOf(x.shape);
  const shape = perm.map((axis) => x.shape[axis] as number);
  const out = makeTensor(x.dtype, shape);
  const inStrides = perm.map((axis) => strides[axis] as number);
  const counter = new Array<number>(shape.length).fill(0);
  let offset = 0;
  for (let i = 0; i < out.data.length; i++) {
    out.data[i] = x.data[offset] as number;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      counter[axis] = (counter[axis] as number) + 1;
      offset += inStrides[axis] as number;
      if ((counter[axis] as number) < (shape[axis] as number)) break;
      offset -= (inStrides[axis] as number) * (shape[axis] as number);
      counter[axis] = 0;
    }
  }
  return out;
};

/** Joins tensors along `axis` (ConcatV2 and Pack, whose inputs first gain the axis). */
function join(parts: readonly Tensor[], axis: number): Tensor {
  const first = parts[0] as Tensor;
  const outer = sizeOf(first.shape.slice(0, axis));
  const widths = parts.map((part) => sizeOf(part.shape.slice(axis)));
  const total = widths.reduce((sum, width) => sum + width, 0);
  const shape = [...first.shape];
  shape[axis] = parts.reduce((sum, part) => sum + (part.shape[axis] as number), 0);
  const out = makeTensor(first.dtype, shape);
  for (let row = 0; row < outer; row++) {
    let at = row * total;
    parts.forEach((part, p) => {
      const width = widths[p] as number;
      out.data.set(part.data.subarray(row * width, (row + 1) * width), at);
      at += width;
    });
  }
  return out;
}

const concat: Kernel = (inputs) => {
  const parts = inputs.slice(0, -1);
  const axis = positiveAxis(scalarOf(input(inputs, inputs.length - 1)), (parts[0] as Tensor).shape.length);
  return join(parts, axis);
};

const pack: Kernel = (inputs, attributes) => {
  const rank = (inputs[0] as Tensor).shape.length + 1;
  const axis = positiveAxis(attributes.int("axis"), rank);
  const expanded = inputs.map((t) =>
    makeTensor(t.dtype, [...t.shape.slice(0, axis), 1, ...t.shape.slice(axis)], t.data),
  );
  return join(expanded, axis);
};

const splitV: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const sizes = intsOf(input(inputs, 1));
  const axis = positiveAxis(scalarOf(input(inputs, 2)), x.shape.length);
  const dim = x.shape[axis] as number;
  const known = sizes.reduce((sum, size) => (size === -1 ? sum : sum + size), 0);
  let from = 0;
  return sizes.map((size) => {
    const count = size === -1 ? dim - known : size;
    const picks = x.shape.map((d, a) => (a === axis ? range(from, from + count) : range(0, d)));
    from += count;
    return pickAxes(
      x,
      picks,
      picks.map((p) => p.length),
    );
  });
};

const squeeze: Kernel = (inputs, attributes) => {
  const x = input(inputs, 0);
  const dims = attributes.ints("squeeze_dims").map((axis) => positiveAxis(axis, x.shape.length));
  const shape = x.shape.filter((dim, axis) => (dims.length === 0 ? dim !== 1 : !dims.includes(axis)));
  return makeTensor(x.dtype, shape, x.data);
};

const expandDims: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const axis = positiveAxis(scalarOf(input(inputs, 1)), x.shape.length + 1);
  return makeTensor(x.dtype, [...x.shape.slice(0, axis), 1, ...x.shape.slice(axis)], x.data);
};

const gather: Kernel = (inputs) => {
  const params = input(inputs, 0);
  const indices = input(inputs, 1);
  const axis = positiveAxis(scalarOf(input(inputs, 2)), params.shape.length);
  const outer = sizeOf(params.shape.slice(0, axis));
  const inner = sizeOf(params.shape.slice(axis + 1));
  const dim = params.shape[axis] as number;
  const shape = [...params.shape.slice(0, axis), ...indices.shape, ...params.shape.slice(axis + 1)];
  if (axis === 0 && params.readRows !== undefined)
    return makeTensor(params.dtype, shape, params.readRows(indices.data));
  const out = makeTensor(params.dtype, shape);
  let o = 0;
  for (let row = 0; row < outer; row++) {
    for (const index of indices.data) {
      if (index < 0 || index >= dim) throw new Error(`GatherV2: index ${index} outside [0, ${dim})`);
      const start = (row * dim + index) * inner;
      out.data.set(params.data.subarray(start, start + inner), o);
      o += inner;
    }
  }
  return out;
};

/** The flat offset and slice width of each index tuple of GatherNd / ScatterNd over `shape`. */
function tupleOffsets(indices: Tensor, shape: readonly number[]): { offsets: number[]; width: number } {
  const depth = indices.shape[indices.shape.length - 1] as number;
  const strides = stridesOf(shape);
  const offsets: number[] = [];
  for (let t = 0; t < indices.data.length / depth; t++) {
    let offset = 0;
    for (let k = 0; k < depth; k++) {
      const index = indices.data[t * depth + k] as number;
      if (index < 0 || index >= (shape[k] as number)) throw new Error(`index ${index} outside axis ${k}`);
      offset += index * (strides[k] as number);
    }
    offsets.push(offset);
  }
  return { offsets, width: sizeOf(shape.slice(depth)) };
}

const gatherNd: Kernel = (inputs) => {
  const params = input(inputs, 0);
  const indices = input(inputs, 1);
  const { offsets, width } = tupleOffsets(indices, params.shape);
  const depth = indices.shape[indices.shape.length - 1] as number;
  const out = makeTensor(params.dtype, [...indices.shape.slice(0, -1), ...params.shape.slice(depth)]);
  offsets.forEach((offset, t) => {
    out.data.set(params.data.subarray(offset, offset + width), t * width);
  });
  return out;
};

const scatterNd: Kernel = (inputs) => {
  const indices = input(inputs, 0);
  const updates = input(inputs, 1);
  const shape = intsOf(input(inputs, 2));
  const out = makeTensor(updates.dtype, shape);
  const { offsets, width } = tupleOffsets(indices, shape);
  offsets.forEach((offset, t) => {
    // TensorFlow adds updates that land on the same place.
    for (let j = 0; j < width; j++)
      out.data[offset + j] = (out.data[offset + j] as number) + (updates.data[t * width + j] as number);
  });
  return out;
};

const sparseToDense: Kernel = (inputs) => {
  const indices = input(inputs, 0);
  const shape = intsOf(input(inputs, 1));
  const values = input(inputs, 2);
  const fallback = scalarOf(input(inputs, 3));
  const out = makeTensor(values.dtype, shape);
  out.data.fill(fallback);
  const tuples =
    indices.shape.length < 2 ? makeTensor("int32", [indices.data.length, 1], indices.data) : indices;
  const { offsets } = tupleOffsets(tuples, shape);
  offsets.forEach((offset, t) => {
    out.data[offset] = (values.data.length === 1 ? values.data[0] : values.data[t]) as number;
  });
  return out;
};

const where: Kernel = (inputs) => {
  const x = input(inputs, 0);
  const strides = stridesOf(x.shape);
  const coordinates: number[] = [];
  x.data.forEach((value, flat) => {
    if (value === 0) return;
    for (const stride of strides) {
      coordinates.push(Math.floor(flat / stride));
      flat %= stride;
    }
  });
  return makeTensor(
    "int32",
    [coordinates.length / Math.max(1, x.shape.length), x.shape.length],
    Int32Array.from(coordinates),
  );
};

const shapeOf: Kernel = (inputs) => {
  const x = input(inputs, 0);
  return makeTensor("int32", [x.shape.length], Int32Array.from(x.shape));
};

const rangeKernel: Kernel = (inputs) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => scalarOf(input(inputs, i))) as [number, number, number];
  const values = range(start, limit, delta);
  return makeTensor("int32", [values.length], Int32Array.from(values));
};

/** The data-movement kernels by TensorFlow op name. */
export const SHAPE_KERNELS: Readonly<Record<string, Kernel>> = {
  Reshape: reshape,
  StridedSlice: stridedSlice,
  Slice: slice,
  Transpose: transpose,
  ConcatV2: concat,
  Pack: pack,
  SplitV: splitV,
  Squeeze: squeeze,
  ExpandDims: expandDims,
  GatherV2: gather,
  GatherNd: gatherNd,
  ScatterNd: scatterNd,
  SparseToDense: sparseToDense,
  Where: where,
  Shape: shapeOf,
  Range: rangeKernel,
};
