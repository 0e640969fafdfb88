import { closeSync, fstatSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { builtFolder } from "../../domain/built-folder.js";
import {
  jsonHeaderBytes,
  openForReading,
  parseJsonHeader,
  readFully,
  readJsonHeader,
} from "../binary-file.js";
import { createWasmMemory, hasWebAssembly, PAGE_BYTES, type WasmMemory } from "../wasm-bytecode.js";
import type { GraphNode, Tensor } from "./graph-tensor.js";
import { ShardedWeights } from "./weight-shards.js";

// The encoder's weight matrices as IEEE half floats, for queries (issue 17): a one-shot `locus search` pays for
// every megabyte it reads into fresh memory, and the matrices are 20 MB as float32, 10 MB as halves. A query
// embedded with them has a cosine above 0.99999 to the float model's vector (sentence-encoder.test.ts), so it
// ranks the same; batches (`locus index`) keep the float weights of TensorFlow.js. `npm run build` writes the
// file (scripts/prebuild-encoder.js); without it the interpreter reads the float weights.

/** The file name, in the build's `model` folder. */
export const HALF_WEIGHTS_FILE = "encoder-weights-f16.bin";

/** What a half-weights file holds: per weight its name, shape and byte offset after the header. */
export interface HalfWeightsHeader {
  readonly format: 1;
  readonly weights: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly at: number;
  }[];
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;
/** Matrices smaller than this stay float32 (they are not worth a second format). */
const MIN_HALF_BYTES = 256 * 1024;

/** The build's `model` folder, beside the module that asks (dist/src/... or the CLI bundle in dist/cli/). */
export const builtModelFolder = (moduleUrl: string): string | undefined => builtFolder(moduleUrl, "model");

/** The float32 weights only matrix products read (as their right-hand side), large enough to be worth halving. */
export function matrixWeights(
  nodes: readonly GraphNode[],
  specs: readonly { name: string; shape: readonly number[]; dtype: string }[],
): Set<string> {
  const readers = new Map<string, string[]>();
  for (const node of nodes)
    (node.input ?? []).forEach((name, i) => {
      const source = name.split(":")[0] as string;
      const role = (node.op === "MatMul" || node.op === "Conv2D") && i === 1 ? "matrix" : "other";
      readers.set(source, [...(readers.get(source) ?? []), role]);
    });
  return new Set(
    specs
      .filter(
        (spec) => spec.dtype === "float32" && spec.shape.reduce((a, b) => a * b, 1) * 4 >= MIN_HALF_BYTES,
      )
      .filter((spec) => (readers.get(spec.name) ?? []).every((role) => role === "matrix"))
      .filter((spec) => (readers.get(spec.name) ?? []).length > 0)
      .map((spec) => spec.name),
  );
}

const float = new Float32Array(1);
const bits = new Uint32Array(float.buffer);

/** The IEEE half float nearest to `value` (ties to even); throws outside the half range. */
export function toHalf(value: number): number {
  float[0] = value;
  const x = bits[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  let mantissa = x & 0x7fffff;
  if (exponent >= 31) throw new RangeError(`${value} is outside the half float range`);
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - exponent;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const middle = 1 << (shift - 1);
    return sign | (rest > middle || (rest === middle && half & 1) ? half + 1 : half);
  }
  const half = (exponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (rest > 0x1000 || (rest === 0x1000 && half & 1) ? half + 1 : half); // a carry moves the exponent up, as it should
}

/** The value of half float bits. */
export function fromHalf(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** A model.json's parts that the half-weights file depends on. */
interface ModelManifest {
  readonly modelTopology: { readonly node: readonly GraphNode[] };
  readonly weightsManifest: readonly {
    readonly paths: readonly string[];
    readonly weights: readonly { name: string; shape: readonly number[]; dtype: string }[];
  }[];
}

/** Writes the matrix weights of the model in `folder` as half floats to `path` (atomically). */
export function writeHalfWeights(folder: string, path: string): void {
  const model = JSON.parse(readFileSync(join(folder, "model.json"), "utf8")) as ModelManifest;
  const entries: { name: string; shape: readonly number[]; at: number; from: number; count: number }[] = [];
  const sources: ShardedWeights[] = [];
  let at = 0;
  for (const group of model.weightsManifest) {
    const shards = new ShardedWeights(folder, group.paths);
    const names = matrixWeights(model.modelTopology.node, group.weights);
    let from = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      if (names.has(spec.name)) {
        entries.push({ name: spec.name, shape: spec.shape, at, from, count });
        sources.push(shards);
        at += align16(count * 2);
      }
      from += count * 4;
    }
  }
  const header: HalfWeightsHeader = {
    format: 1,
    weights: entries.map(({ name, shape, at }) => ({ name, shape, at })),
  };
  const start = jsonHeaderBytes(header);
  const dataAt = start.dataAt;
  const out = Buffer.alloc(dataAt + at);
  start.bytes.copy(out);
  entries.forEach((entry, i) => {
    const floats = new Float32Array(entry.count);
    sources[i]?.readRanges([[entry.from, entry.count * 4]], new Uint8Array(floats.buffer));
    const halves = new Uint16Array(out.buffer, out.byteOffset + dataAt + entry.at, entry.count);
    for (let j = 0; j < floats.length; j++) halves[j] = toHalf(floats[j] as number);
  });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    for (let done = 0; done < out.length; ) done += writeSync(fd, out, done, out.length - done);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/**
 * A half-weights file held whole in a WebAssembly memory from byte 0 (the matrix kernel reads the halves where
 * they lie): what a process that embeds many queries keeps.
 */
export interface HalfWeightsImage {
  readonly header: HalfWeightsHeader;
  /** Where the data starts in the memory: a weight's halves are at dataAt + its `at`. */
  readonly dataAt: number;
  readonly memory: WasmMemory;
  /** The file's size: the bytes of the memory it fills. */
  readonly bytes: number;
}

/**
 * A half-weights file left on disk, its header checked against its size: a first query reads each matrix just
 * before its product, into one window of warm memory (graph-model.ts). Issue 17, fifth round: in this VM a page a
 * process touches for the first time costs ~6 ms per MB (the read into it, then the first pass over it), a page it
 * touched before ~1.6; the ten matrices each serve one product of a query, so a one-shot search touches 1.5 MB of
 * window instead of 10 MB of image.
 */
export interface HalfWeightsFile {
  readonly path: string;
  readonly header: HalfWeightsHeader;
  /** Where the data starts in the file: a weight's halves are at dataAt + its `at`. */
  readonly dataAt: number;
}

/** Whether every weight of `header` is aligned and lies inside `bytes` (a cache is never trusted past what it can prove). */
function fitsIn(header: HalfWeightsHeader, dataAt: number, bytes: number): boolean {
  if (header.format !== 1 || !Array.isArray(header.weights)) return false;
  return header.weights.every(
    (weight) =>
      weight.at % 16 === 0 &&
      dataAt + weight.at + weight.shape.reduce((a: number, b: number) => a * b, 1) * 2 <= bytes,
  );
}

/**
 * The image of a file already in `memory` (`bytes` long, from byte 0); undefined when its header is damaged, of
 * another format, or names data past its end.
 */
export function halfWeightsImage(memory: WasmMemory, bytes: number): HalfWeightsImage | undefined {
  try {
    const { header, dataAt } = parseJsonHeader<HalfWeightsHeader>(Buffer.from(memory.buffer, 0, bytes));
    return fitsIn(header, dataAt, bytes) ? { header, dataAt, memory, bytes } : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the half-weights file at `path` into a fresh memory; undefined when there is none or it cannot be used. */
export function readHalfWeights(path: string): HalfWeightsImage | undefined {
  const fd = hasWebAssembly() ? openForReading(path) : undefined;
  if (fd === undefined) return undefined;
  try {
    const bytes = fstatSync(fd).size;
    const memory = createWasmMemory(Math.ceil(bytes / PAGE_BYTES));
    readFully(fd, new Uint8Array(memory.buffer, 0, bytes), 0);
    return halfWeightsImage(memory, bytes);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The half-weights file at `path`, its header read and checked, its matrices left on disk; undefined as readHalfWeights. */
export function openHalfWeights(path: string): HalfWeightsFile | undefined {
  const fd = hasWebAssembly() ? openForReading(path) : undefined;
  if (fd === undefined) return undefined;
  try {
    const { header, dataAt } = readJsonHeader<HalfWeightsHeader>(fd);
    return fitsIn(header, dataAt, fstatSync(fd).size) ? { path, header, dataAt } : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Reads `target.length` bytes of the file at `path` from `position` into `target` (one matrix of a HalfWeightsFile). */
export function readHalfWeightsRange(path: string, target: Uint8Array, position: number): void {
  const fd = openSync(path, "r");
  try {
    readFully(fd, target, position);
  } finally {
    closeSync(fd);
  }
}

/** The default half-weights file of this build, when one was written. */
export function defaultHalfWeightsPath(): string | undefined {
  const folder = builtModelFolder(import.meta.url);
  return folder === undefined ? undefined : join(folder, HALF_WEIGHTS_FILE);
}

/**
 * A float32 constant held as half floats: the matrix kernel reads `halfData`, any other reader gets floats.
 * `halves` is the bits, or a function that reads them afresh at each use (a HalfWeightsFile's window, valid until
 * the next matrix is read into it).
 */
export function halfTensor(shape: readonly number[], halves: Uint16Array | (() => Uint16Array)): Tensor {
  let floats: Float32Array | undefined;
  const bits = typeof halves === "function" ? halves : () => halves;
  return {
    dtype: "float32",
    shape: [...shape],
    get data() {
      floats ??= Float32Array.from(bits(), fromHalf);
      return floats;
    },
    get halfData() {
      return bits();
    },
  };
}
