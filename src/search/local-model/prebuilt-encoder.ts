import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { jsonHeaderBytes, parseJsonHeader } from "../binary-file.js";
import type { ModelJson } from "./graph-model.js";
import type { GraphNode } from "./graph-tensor.js";
import { builtModelFolder } from "./half-weights.js";
import { type PieceTable, RESERVED_SYMBOLS, type VocabularyEntry } from "./sentence-piece.js";

// What a one-shot `locus search` used to parse before its first query (issue 17, third round): model.json (247 KB,
// three quarters of it node names) and vocab.json (218 KB of [piece, score] pairs), then a Map of 8,000 pieces
// built from it: ~45 ms of CPU and a few megabytes of short-lived objects in every process. `npm run build` writes
// both in the form the encoder uses them: the graph with its nodes renamed n0, n1, ... (inside the graph a name
// only joins an input to its node; the placeholders, fed by name, keep theirs), and the vocabulary as one string, its offsets, scores and symbol counts, and an
// open-addressing hash table over it, so a process views them in place and builds nothing. The file is a build
// product: the model package's files stay the source of truth, and a file that does not match them (sizes), that
// is damaged (SHA-256 of its data) or of another format is ignored, never trusted; the encoder then reads the JSON.

/** The file name, in the build's `model` folder. */
export const PREBUILT_ENCODER_FILE = "encoder-prebuilt.bin";

const FORMAT = 1;

interface PrebuiltHeader {
  readonly format: number;
  /** SHA-256 (hex) of every byte after the header. */
  readonly sha256: string;
  /** Byte sizes of the model package's model.json and vocab.json it was built from. */
  readonly source: { readonly model: number; readonly vocabulary: number };
  /** Byte offset (from the data start) and length of each section. */
  readonly sections: Readonly<Record<Section, readonly [at: number, bytes: number]>>;
  readonly pieces: number;
  readonly longest: number;
}

type Section = "graph" | "text" | "offsets" | "scores" | "symbols" | "slots";

/** What the encoder needs from the prebuilt file. */
export interface PrebuiltEncoder {
  /** model.json with short node names; each weight keeps its original name as `source` (the half weights'). */
  readonly model: ModelJson;
  readonly pieces: PieceTable;
}

/** FNV-1a over UTF-16 code units: the hash of the piece table, the same at build and at lookup. */
function pieceHash(text: string, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The vocabulary viewed in the prebuilt arrays; slot value 0 is empty, otherwise a piece id + 1. */
class PrebuiltPieces implements PieceTable {
  constructor(
    private readonly text: string,
    private readonly offsets: Uint32Array,
    private readonly scores: Float64Array,
    private readonly symbols: Uint8Array,
    private readonly slots: Int32Array,
    readonly longest: number,
  ) {}

  find(piece: string): { symbols: number; score: number; index: number } | undefined {
    const mask = this.slots.length - 1;
    let slot = pieceHash(piece, 0, piece.length) & mask;
    for (let probes = 0; probes <= mask; probes++, slot = (slot + 1) & mask) {
      const entry = this.slots[slot] as number;
      if (entry === 0) return undefined;
      const index = entry - 1;
      const at = this.offsets[index] as number;
      if ((this.offsets[index + 1] as number) - at === piece.length && this.text.startsWith(piece, at))
        return { symbols: this.symbols[index] as number, score: this.scores[index] as number, index };
    }
    return undefined;
  }

  pieceLength(id: number): number {
    return (this.offsets[id + 1] as number) - (this.offsets[id] as number);
  }
}

/** The compact graph: nodes renamed by position, Const nodes without attributes (their values are weights). */
function compactGraph(model: ModelJson): ModelJson {
  // Placeholders keep their names: they are the graph's inputs, fed by name.
  const ids = new Map(
    model.modelTopology.node.map((node, i) => [node.name, node.op === "Placeholder" ? node.name : `n${i}`]),
  );
  const rename = (input: string) => {
    const colon = input.lastIndexOf(":");
    const [name, suffix] = colon < 0 ? [input, ""] : [input.slice(0, colon), input.slice(colon)];
    const id = ids.get(name);
    if (id === undefined) throw new Error(`unknown input ${input}`);
    return id + suffix;
  };
  const node = model.modelTopology.node.map(
    (n): GraphNode =>
      n.op === "Const"
        ? { name: ids.get(n.name) as string, op: n.op }
        : { ...n, name: ids.get(n.name) as string, input: (n.input ?? []).map(rename) },
  );
  const weightsManifest = model.weightsManifest.map((group) => ({
    paths: group.paths,
    weights: group.weights.map((spec) => ({
      ...spec,
      name: ids.get(spec.name) ?? spec.name,
      source: spec.name,
    })),
  }));
  return { modelTopology: { node }, weightsManifest };
}

/** The vocabulary's sections: text, offsets, scores, symbol counts and the hash slots. */
function vocabularySections(vocabulary: readonly VocabularyEntry[]) {
  const text = vocabulary.map(([piece]) => piece).join("");
  const offsets = new Uint32Array(vocabulary.length + 1);
  const scores = new Float64Array(vocabulary.length);
  const symbols = new Uint8Array(vocabulary.length);
  vocabulary.forEach(([piece, score], i) => {
    offsets[i + 1] = (offsets[i] as number) + piece.length;
    scores[i] = score;
    symbols[i] = Math.min(255, [...piece].length);
  });
  let size = 1;
  while (size < vocabulary.length * 2) size *= 2;
  const slots = new Int32Array(size);
  for (let index = RESERVED_SYMBOLS; index < vocabulary.length; index++) {
    const [from, to] = [offsets[index] as number, offsets[index + 1] as number];
    for (let slot = pieceHash(text, from, to) & (size - 1); ; slot = (slot + 1) & (size - 1)) {
      const entry = slots[slot] as number;
      const other = entry - 1;
      const same = entry !== 0 && text.slice(offsets[other], offsets[other + 1]) === text.slice(from, to);
      if (entry === 0 || same) {
        slots[slot] = index + 1; // a repeated piece keeps its last id, as the Map and the library's trie do
        break;
      }
    }
  }
  const longest = Math.max(1, ...symbols.subarray(RESERVED_SYMBOLS));
  return { text, offsets, scores, symbols, slots, longest };
}

/** Writes the prebuilt form of the model in `folder` to `path` (atomically). */
export function writePrebuiltEncoder(folder: string, path: string): void {
  const modelText = readFileSync(join(folder, "model.json"), "utf8");
  const vocabularyText = readFileSync(join(folder, "vocab.json"), "utf8");
  const vocabulary = JSON.parse(vocabularyText) as VocabularyEntry[];
  const { text, offsets, scores, symbols, slots, longest } = vocabularySections(vocabulary);
  const parts: [Section, Uint8Array][] = [
    ["scores", new Uint8Array(scores.buffer)],
    ["offsets", new Uint8Array(offsets.buffer)],
    ["slots", new Uint8Array(slots.buffer)],
    ["symbols", symbols],
    ["text", Buffer.from(text, "utf16le")],
    ["graph", Buffer.from(JSON.stringify(compactGraph(JSON.parse(modelText) as ModelJson)), "utf8")],
  ];
  const sections = {} as Record<Section, [number, number]>;
  let size = 0;
  for (const [name, bytes] of parts) {
    sections[name] = [size, bytes.length];
    size = Math.ceil((size + bytes.length) / 8) * 8; // every typed view stays aligned
  }
  const data = Buffer.alloc(size);
  for (const [name, bytes] of parts) data.set(bytes, sections[name][0]);
  const header: PrebuiltHeader = {
    format: FORMAT,
    sha256: createHash("sha256").update(data).digest("hex"),
    source: { model: Buffer.byteLength(modelText), vocabulary: Buffer.byteLength(vocabularyText) },
    sections,
    pieces: vocabulary.length,
    longest,
  };
  const start = jsonHeaderBytes(header);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    for (const bytes of [start.bytes, data])
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/**
 * The prebuilt encoder at `path` for the model in `folder`; undefined when the file is missing, of another format,
 * built from other model files, or damaged (its SHA-256 does not match): the caller then reads the JSON.
 */
export function readPrebuiltEncoder(path: string, folder: string): PrebuiltEncoder | undefined {
  try {
    const file = readFileSync(path);
    const { header, dataAt } = parseJsonHeader<PrebuiltHeader>(file);
    if (header.format !== FORMAT) return undefined;
    if (statSync(join(folder, "model.json")).size !== header.source.model) return undefined;
    if (statSync(join(folder, "vocab.json")).size !== header.source.vocabulary) return undefined;
    const data = new Uint8Array(file.buffer, file.byteOffset + dataAt, file.length - dataAt);
    if (createHash("sha256").update(data).digest("hex") !== header.sha256) return undefined;
    // Typed views need aligned offsets; a Buffer from the pool may not start at one, so then it is copied once.
    const bytes = data.byteOffset % 8 === 0 ? data : data.slice();
    const view = <T>(
      name: Section,
      make: (buffer: ArrayBufferLike, at: number, length: number) => T,
      width = 1,
    ) => {
      const [at, length] = header.sections[name];
      if (at + length > bytes.length || length % width !== 0)
        throw new Error(`section ${name} is out of bounds`);
      return make(bytes.buffer, bytes.byteOffset + at, length / width);
    };
    const [textAt, textBytes] = header.sections.text;
    const [graphAt, graphBytes] = header.sections.graph;
    const model = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset + graphAt, graphBytes).toString("utf8"),
    );
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + textAt, textBytes).toString("utf16le");
    const offsets = view("offsets", (b, at, n) => new Uint32Array(b, at, n), 4);
    const scores = view("scores", (b, at, n) => new Float64Array(b, at, n), 8);
    const symbols = view("symbols", (b, at, n) => new Uint8Array(b, at, n));
    const slots = view("slots", (b, at, n) => new Int32Array(b, at, n), 4);
    const sizes = [offsets.length - 1, scores.length, symbols.length];
    if (sizes.some((n) => n !== header.pieces) || offsets[header.pieces] !== text.length) return undefined;
    if ((slots.length & (slots.length - 1)) !== 0 || slots.length < header.pieces) return undefined;
    return {
      model: model as ModelJson,
      pieces: new PrebuiltPieces(text, offsets, scores, symbols, slots, header.longest),
    };
  } catch {
    return undefined;
  }
}

/** The default prebuilt file of this build, when one was written. */
export function defaultPrebuiltEncoderPath(): string | undefined {
  const folder = builtModelFolder(import.meta.url);
  return folder === undefined ? undefined : join(folder, PREBUILT_ENCODER_FILE);
}
