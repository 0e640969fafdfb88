// The values a TensorFlow graph passes between its nodes, as plain typed arrays, for the small graph interpreter
// that runs the local sentence encoder (sentence-encoder.ts, DECISIONS "Search as fast as the CLI"). Only what
// that graph uses: float32, int32 (TensorFlow's int64 inputs are int32 here, as in TensorFlow.js) and bool.

/** Element type of a tensor; bool is stored as 0/1 in an Int32Array. */
export type DType = "float32" | "int32" | "bool";

/** A dense row-major tensor. */
export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
  /** For a constant table left in its file: reads just the given rows (a gather on axis 0 needs no more). */
  readonly readRows?: (rows: ArrayLike<number>) => Float32Array;
  /** For a weight matrix held as IEEE half floats (half-weights.ts): its bits, which the matrix kernel reads. */
  readonly halfData?: Uint16Array;
}

/** A float32 constant left in its file: `data` reads all of it on first use, `readRows` only what it is asked. */
export function lazyTable(
  shape: readonly number[],
  table: { readRows(rows: ArrayLike<number>): Float32Array; readAll(): Float32Array },
): Tensor {
  let all: Float32Array | undefined;
  return {
    dtype: "float32",
    shape: [...shape],
    get data() {
      all ??= table.readAll();
      return all;
    },
    readRows: (rows) => table.readRows(rows),
  };
}

/** One node of the graph as the model's JSON stores it (TensorFlow's NodeDef). */
export interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, AttrValue>>;
}

/** An attribute value of a node, in the JSON form of TensorFlow's AttrValue. */
export interface AttrValue {
  readonly i?: string;
  readonly b?: boolean;
  readonly s?: readonly number[];
  readonly type?: number | string;
  readonly list?: { readonly i?: readonly string[] };
}

/** Elements in a tensor of this shape. */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((product, dim) => product * dim, 1);

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis] as number;
  }
  return strides;
}

/** A tensor of zeros (or of the given data). */
export function makeTensor(dtype: DType, shape: readonly number[], data?: Float32Array | Int32Array): Tensor {
  const size = sizeOf(shape);
  const values = data ?? (dtype === "float32" ? new Float32Array(size) : new Int32Array(size));
  if (values.length !== size) throw new Error(`tensor data of ${values.length} for shape [${shape}]`);
  return { dtype, shape: [...shape], data: values };
}

/** The values of a small int32 tensor (shapes, axes, indices given as inputs) as numbers. */
export const intsOf = (tensor: Tensor): number[] => Array.from(tensor.data);

/** The single value of a scalar (or one-element) tensor. */
export function scalarOf(tensor: Tensor): number {
  if (tensor.data.length !== 1) throw new Error(`expected a scalar, got shape [${tensor.shape}]`);
  return tensor.data[0] as number;
}

/** An axis that may count from the end, as a positive index below `rank`. */
export function positiveAxis(axis: number, rank: number): number {
  const positive = axis < 0 ? axis + rank : axis;
  if (positive < 0 || positive >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return positive;
}

/** TensorFlow's DataType enum as this interpreter's element types (int64 is read as int32, as TF.js does). */
export function dtypeOfCode(code: number | string | undefined): DType {
  switch (code) {
    case 1:
    case "DT_FLOAT":
      return "float32";
    case 3:
    case 9:
    case "DT_INT32":
    case "DT_INT64":
      return "int32";
    case 10:
    case "DT_BOOL":
      return "bool";
    default:
      throw new Error(`unsupported tensor type ${String(code)}`);
  }
}

/** Typed access to a node's attributes, with TensorFlow's defaults when one is absent. */
export class NodeAttributes {
  constructor(private readonly node: GraphNode) {}

  /** An integer attribute (stored as a decimal string). */
  int(name: string, fallback = 0): number {
    const value = this.node.attr?.[name]?.i;
    return value === undefined ? fallback : Number(value);
  }

  /** A boolean attribute. */
  bool(name: string, fallback = false): boolean {
    return this.node.attr?.[name]?.b ?? fallback;
  }

  /** A list of integers. */
  ints(name: string): number[] {
    return (this.node.attr?.[name]?.list?.i ?? []).map(Number);
  }

  /** A string attribute (stored as its bytes). */
  string(name: string, fallback = ""): string {
    const bytes = this.node.attr?.[name]?.s;
    return bytes === undefined ? fallback : String.fromCharCode(...bytes);
  }

  /** A type attribute as an element type. */
  type(name: string): DType {
    return dtypeOfCode(this.node.attr?.[name]?.type);
  }
}
