import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ELEMENTWISE_KERNELS, type Kernel } from "./graph-ops-elementwise.js";
import { MATMUL_KERNELS } from "./graph-ops-matmul.js";
import { SHAPE_KERNELS } from "./graph-ops-shape.js";
import {
  type GraphNode,
  lazyTable,
  makeTensor,
  NodeAttributes,
  sizeOf,
  type Tensor,
} from "./graph-tensor.js";
import {
  type HalfWeightsFile,
  type HalfWeightsImage,
  halfTensor,
  readHalfWeights,
  readHalfWeightsRange,
} from "./half-weights.js";
import { WeightMemory } from "./matrix-kernel.js";
import { LazyRowTable, ShardedWeights } from "./weight-shards.js";

// A TensorFlow.js graph model (model.json + weight shards) run by a small interpreter over typed arrays. Why it
// exists (DECISIONS, issue 17): TensorFlow.js needs about a second in a fresh process before its first answer
// (runtime, weight copies into WASM memory, kernel set-up); this reads the weights once into one WebAssembly
// memory, views them in place and multiplies by them there (matrix-kernel.ts); a table that only gathers read
// (the 8 MB vocabulary embeddings) stays in its file and is read a row per token (weight-shards.ts). It knows the
// ops of the local sentence encoder's graph and refuses any other.

const KERNELS: Readonly<Record<string, Kernel>> = {
  ...ELEMENTWISE_KERNELS,
  ...SHAPE_KERNELS,
  ...MATMUL_KERNELS,
};

interface WeightSpec {
  readonly name: string;
  /** The weight's name in the model package, when `name` is a prebuilt short one (prebuilt-encoder.ts). */
  readonly source?: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: unknown;
}

/** A TensorFlow.js graph model's model.json (the parts the interpreter reads). */
export interface ModelJson {
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

/** Tables this large that only gathers read stay in their file and are read a row at a time. */
const LAZY_TABLE_BYTES = 1 << 20;

/** The float32 rank-2 weights of at least LAZY_TABLE_BYTES read by nothing but gathers (as their params). */
function rowTablesOf(nodes: readonly GraphNode[], specs: readonly WeightSpec[]): Set<string> {
  const readers = new Map<string, GraphNode[]>();
  for (const node of nodes)
    for (const name of node.input ?? []) {
      const source = parseInput(name)[0];
      const list = readers.get(source);
      if (list === undefined) readers.set(source, [node]);
      else list.push(node);
    }
  return new Set(
    specs
      .filter((spec) => spec.dtype === "float32" && spec.shape.length === 2)
      .filter((spec) => sizeOf(spec.shape) * 4 >= LAZY_TABLE_BYTES)
      .filter((spec) =>
        (readers.get(spec.name) ?? []).every(
          (node) => node.op === "GatherV2" && parseInput(node.input?.[0] ?? "")[0] === spec.name,
        ),
      )
      .map((spec) => spec.name),
  );
}

/**
 * Reads the weights: row tables stay in their files; matrices are viewed in `half` when it is an image that holds
 * them (in its memory, where they lie), or read one at a time into a window after the other weights when it is a
 * file left on disk; every other weight is read as it is; all are viewed in one WeightMemory.
 */
function loadWeights(
  folder: string,
  json: ModelJson,
  half: HalfWeightsImage | HalfWeightsFile | undefined,
): Map<string, Tensor> {
  const constants = new Map<string, Tensor>();
  const halves = new Map((half?.header.weights ?? []).map((weight) => [weight.name, weight]));
  const groups = json.weightsManifest.map((group) => {
    const shards = new ShardedWeights(folder, group.paths);
    const tables = rowTablesOf(json.modelTopology.node, group.weights);
    let offset = 0;
    const placed = group.weights.map((spec) => {
      if (spec.quantization !== undefined) throw new Error(`quantized weight ${spec.name} is not supported`);
      const count = sizeOf(spec.shape);
      const at = offset;
      offset += count * 4; // float32 and int32 alike: every view stays aligned
      const asHalf = halves.get(spec.source ?? spec.name);
      const kind = tables.has(spec.name)
        ? ("table" as const)
        : asHalf !== undefined && asHalf.shape.join() === spec.shape.join()
          ? ("half" as const)
          : ("float" as const);
      return { spec, at, count, kind, halfAt: (half?.dataAt ?? 0) + (asHalf?.at ?? 0) };
    });
    if (offset > shards.size) throw new Error("weight shards are shorter than their manifest");
    return { shards, placed };
  });
  const all = groups.flatMap((group) => group.placed);
  const image = half !== undefined && "memory" in half ? half : undefined;
  const file = half !== undefined && "path" in half ? half : undefined;
  // The float weights follow the half-weights file's image, when there is one; the window follows them.
  const start = image === undefined ? 0 : Math.ceil(image.bytes / 16) * 16;
  const floatBytes = all.reduce((sum, weight) => sum + (weight.kind === "float" ? weight.count * 4 : 0), 0);
  const windowAt = Math.ceil(floatBytes / 16) * 16;
  const windowBytes =
    file === undefined ? 0 : Math.max(0, ...all.map((w) => (w.kind === "half" ? w.count * 2 : 0)));
  const memory =
    image === undefined
      ? WeightMemory.allocate(windowAt + windowBytes)
      : WeightMemory.adopt(image.memory, start + floatBytes);
  const bytes = memory.weightBytes();
  let into = start;
  for (const { shards, placed } of groups) {
    const floats = placed.filter((weight) => weight.kind === "float");
    shards.readRanges(
      floats.map((weight): [number, number] => [weight.at, weight.count * 4]),
      bytes.subarray(into),
    );
    for (const weight of floats) {
      const { spec } = weight;
      const data =
        spec.dtype === "float32" ? memory.floats(into, weight.count) : memory.ints(into, weight.count);
      constants.set(spec.name, makeTensor(spec.dtype === "float32" ? "float32" : "int32", spec.shape, data));
      into += weight.count * 4;
    }
    for (const { spec, count, halfAt } of placed.filter((w) => w.kind === "half")) {
      // A matrix serves one product per query: read into the window just before it (halfTensor reads it anew).
      const halves =
        file === undefined
          ? memory.halves(halfAt, count)
          : () => {
              readHalfWeightsRange(file.path, bytes.subarray(windowAt, windowAt + count * 2), halfAt);
              return memory.halves(windowAt, count);
            };
      constants.set(spec.name, halfTensor(spec.shape, halves));
    }
    for (const { spec, at } of placed.filter((w) => w.kind === "table")) {
      const [rows, width] = spec.shape as [number, number];
      constants.set(spec.name, lazyTable(spec.shape, new LazyRowTable(shards, at, rows, width)));
    }
  }
  return constants;
}

/** A loaded graph: its constants (views into the weight buffer) and the plan that computes its output. */
export class GraphModel {
  private constructor(
    private readonly constants: ReadonlyMap<string, Tensor>,
    private readonly placeholders: ReadonlySet<string>,
    private readonly plan: readonly Step[],
    private readonly output: string,
  ) {}

  /**
   * Loads `model.json` and its shards from `folder`, the weight matrices from the half-weights file at
   * `halfWeights` when there is one (read whole when given by path); the output is the one node nothing consumes.
   */
  static load(folder: string, halfWeights?: string | HalfWeightsImage | HalfWeightsFile): GraphModel {
    return GraphModel.fromJson(
      folder,
      JSON.parse(readFileSync(join(folder, "model.json"), "utf8")) as ModelJson,
      halfWeights,
    );
  }

  /** The graph `json` (model.json, or its prebuilt form) over the shards in `folder`; see load. */
  static fromJson(
    folder: string,
    json: ModelJson,
    halfWeights?: string | HalfWeightsImage | HalfWeightsFile,
  ): GraphModel {
    // A file given by path is read here, whole; an image was read before; an open file is read a matrix at a time.
    const half = typeof halfWeights === "string" ? readHalfWeights(halfWeights) : halfWeights;
    const constants = loadWeights(folder, json, half);
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
