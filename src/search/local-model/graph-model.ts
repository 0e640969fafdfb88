import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { ELEMENTWISE_KERNELS, type Kernel } from "./graph-ops-elementwise.js";
import { MATMUL_KERNELS } from "./graph-ops-matmul.js";
import { SHAPE_KERNELS } from "./graph-ops-shape.js";
import {
  type DType,
  type GraphNode,
  makeTensor,
  NodeAttributes,
  sizeOf,
  type Tensor,
} from "./graph-tensor.js";

// A TensorFlow.js graph model (model.json + weight shards) run by a small interpreter over typed arrays. Why it
// exists (DECISIONS, issue 17): TensorFlow.js needs about a second in a fresh process before its first answer
// (runtime, weight copies into WASM memory, kernel set-up); this reads the weights in one pass into one buffer,
// views them in place, and answers a one-line query in tens of milliseconds. It knows the ops of the local
// sentence encoder's graph and refuses any other.

const KERNELS: Readonly<Record<string, Kernel>> = {
  ...ELEMENTWISE_KERNELS,
  ...SHAPE_KERNELS,
  ...MATMUL_KERNELS,
};

interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: unknown;
}

interface ModelJson {
  readonly modelTopology: { readonly node: readonly GraphNode[] };
  readonly weightsManifest: readonly {
    readonly paths: readonly string[];
    readonly weights: readonly WeightSpec[];
  }[];
}

/** One step of the execution plan: a node, its inputs as value slots, and the slots freed after it. */
interface Step {
  readonly node: GraphNode;
  readonly kernel: Kernel;
  readonly attributes: NodeAttributes;
  readonly inputs: readonly (readonly [node: string, output: number])[];
  readonly release: readonly string[];
}

const parseInput = (name: string): [string, number] => {
  const colon = name.lastIndexOf(":");
  return colon < 0 ? [name, 0] : [name.slice(0, colon), Number(name.slice(colon + 1))];
};

/** Reads every shard of the manifest, in order, into one buffer (one copy, no concatenation). */
function readShards(folder: string, paths: readonly string[]): Buffer {
  const sizes = paths.map((path) => {
    const fd = openSync(join(folder, path), "r");
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  });
  const all = Buffer.allocUnsafeSlow(sizes.reduce((sum, size) => sum + size, 0));
  let at = 0;
  paths.forEach((path, i) => {
    const fd = openSync(join(folder, path), "r");
    try {
      const size = sizes[i] as number;
      for (let read = 0; read < size; ) read += readSync(fd, all, at + read, size - read, read);
      at += size;
    } finally {
      closeSync(fd);
    }
  });
  return all;
}

/** A loaded graph: its constants (views into the weight buffer) and the plan that computes its output. */
export class GraphModel {
  private constructor(
    private readonly constants: ReadonlyMap<string, Tensor>,
    private readonly placeholders: ReadonlySet<string>,
    private readonly plan: readonly Step[],
    private readonly output: string,
  ) {}

  /** Loads `model.json` and its shards from `folder`; the output is the one node nothing consumes. */
  static load(folder: string): GraphModel {
    const json = JSON.parse(readFileSync(join(folder, "model.json"), "utf8")) as ModelJson;
    const constants = new Map<string, Tensor>();
    for (const group of json.weightsManifest) {
      const buffer = readShards(folder, group.paths);
      let offset = 0;
      for (const spec of group.weights) {
        if (spec.quantization !== undefined)
          throw new Error(`quantized weight ${spec.name} is not supported`);
        const size = sizeOf(spec.shape);
        const dtype: DType = spec.dtype === "float32" ? "float32" : "int32";
        // Every weight is 4 bytes an element, so each view is aligned; no weight is copied.
        const data =
          dtype === "float32"
            ? new Float32Array(buffer.buffer, buffer.byteOffset + offset, size)
            : new Int32Array(buffer.buffer, buffer.byteOffset + offset, size);
        constants.set(spec.name, makeTensor(dtype, spec.shape, data));
        offset += size * 4;
      }
    }
    const nodes = json.modelTopology.node;
    const consumed = new Set(nodes.flatMap((node) => (node.input ?? []).map((name) => parseInput(name)[0])));
    const outputs = nodes.filter((node) => !consumed.has(node.name));
    if (outputs.length !== 1) throw new Error(`expected one output node, found ${outputs.length}`);
    const output = (outputs[0] as GraphNode).name;
    return new GraphModel(constants, placeholdersOf(nodes), planOf(nodes, output, constants), output);
  }

  /** Runs the graph on the placeholders' values; returns the output tensor. */
  execute(feeds: Readonly<Record<string, Tensor>>): Tensor {
    for (const name of this.placeholders)
      if (feeds[name] === undefined) throw new Error(`missing input ${name}`);
    const values = new Map<string, Tensor[]>();
    const lookup = (name: string, index: number): Tensor => {
      const constant = this.constants.get(name);
      if (constant !== undefined) return constant;
      const fed = feeds[name];
      if (fed !== undefined) return fed;
      const tensor = values.get(name)?.[index];
      if (tensor === undefined) throw new Error(`no value for ${name}:${index}`);
      return tensor;
    };
    for (const step of this.plan) {
      const result = step.kernel(
        step.inputs.map(([name, index]) => lookup(name, index)),
        step.attributes,
      );
      values.set(step.node.name, Array.isArray(result) ? result : [result]);
      for (const name of step.release) values.delete(name); // keeps a large batch's memory bounded
    }
    return lookup(this.output, 0);
  }
}

function placeholdersOf(nodes: readonly GraphNode[]): Set<string> {
  return new Set(nodes.filter((node) => node.op === "Placeholder").map((node) => node.name));
}

/** The nodes the output depends on, in dependency order, each with the values it is the last to read. */
function planOf(nodes: readonly GraphNode[], output: string, constants: ReadonlyMap<string, Tensor>): Step[] {
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const order: GraphNode[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") throw new Error(`cycle at ${name}`);
    const node = byName.get(name);
    if (node === undefined) throw new Error(`unknown node ${name}`);
    state.set(name, "visiting");
    for (const inputName of node.input ?? []) visit(parseInput(inputName)[0]);
    state.set(name, "done");
    if (node.op !== "Const" && node.op !== "Placeholder") order.push(node);
  };
  visit(output);
  const lastUse = new Map<string, number>();
  order.forEach((node, i) => {
    for (const name of node.input ?? []) lastUse.set(parseInput(name)[0], i);
  });
  return order.map((node, i) => {
    const kernel = KERNELS[node.op];
    if (kernel === undefined) throw new Error(`op ${node.op} (${node.name}) is not supported`);
    for (const name of node.input ?? [])
      if (!constants.has(parseInput(name)[0]) && !byName.has(parseInput(name)[0]))
        throw new Error(`unknown input ${name}`);
    const release = [...new Set((node.input ?? []).map((name) => parseInput(name)[0]))].filter(
      (name) => lastUse.get(name) === i && name !== output,
    );
    return {
      node,
      kernel,
      attributes: new NodeAttributes(node),
      inputs: (node.input ?? []).map(parseInput),
      release,
    };
  });
}
