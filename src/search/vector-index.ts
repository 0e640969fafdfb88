import { createWasmScan, type ScanFunction, STRIDE_MULTIPLE, scanRowsJs } from "./vector-scan-kernel.js";
import { createWasmMemory, PAGE_BYTES, type WasmMemory } from "./wasm-bytecode.js";

// Gold layer vector index (section 9): exact cosine top-k. Vectors are L2-normalised by every
// EmbeddingProvider, so cosine similarity is a dot product. Rows live in one contiguous buffer
// (WebAssembly memory, so the SIMD kernel can read them in place), padded to a stride that is a
// multiple of 8 floats; removal moves the last row into the hole, so the buffer never fragments.
// Exact search rather than an approximate graph: at 100K x 512 a full scan is a few milliseconds,
// results are deterministic, and add/remove are O(dimensions).

/** One hit of a vector search. */
export interface VectorHit {
  /** Id given to add(). */
  readonly id: string;
  /** Dot product with the query (cosine similarity for unit vectors), in [-1, 1]. */
  readonly score: number;
}

/** Options of VectorIndex.search. */
export interface VectorSearchOptions {
  /** Keeps only ids for which this returns true (e.g. a status or label filter). */
  readonly filter?: (id: string) => boolean;
  /** Drops hits scoring below this value. */
  readonly minScore?: number;
}

/** Options of the VectorIndex constructor. */
export interface VectorIndexOptions {
  /** Rows to reserve up front (default 1024); the buffer doubles when full. */
  readonly initialCapacity?: number;
  /** Use the JavaScript scan even when WASM SIMD is available (for tests and comparisons). */
  readonly forceJavaScript?: boolean;
}

const FLOAT_BYTES = 4;
/** Slices of a search in turns (`searchInTurns`): at 100K x 512, ~2-3 ms of scanning each. */
const SCAN_TURNS = 4;

/** In-memory exact cosine top-k over L2-normalised Float32Array vectors, with add/remove by id. */
export class VectorIndex {
  /** Length of every vector. */
  readonly dimensions: number;
  /** Floats per row in the buffer (dimensions rounded up to a multiple of 8). */
  private readonly stride: number;
  private readonly memory: WasmMemory;
  private readonly scan: ScanFunction | undefined;
  private view: Float32Array;
  private capacity = 0;
  private readonly ids: string[] = [];
  private readonly rowOf = new Map<string, number>();
  /** Counts every add, remove and clear: a search in turns that sees it move scans again at once. */
  private changes = 0;

  constructor(dimensions: number, options: VectorIndexOptions = {}) {
    if (!Number.isInteger(dimensions) || dimensions <= 0)
      throw new RangeError(`bad dimensions: ${dimensions}`);
    this.dimensions = dimensions;
    this.stride = Math.ceil(dimensions / STRIDE_MULTIPLE) * STRIDE_MULTIPLE;
    this.memory = createWasmMemory();
    this.scan = options.forceJavaScript ? undefined : createWasmScan(this.memory);
    this.view = new Float32Array(this.memory.buffer);
    this.reserve(Math.max(1, options.initialCapacity ?? 1024));
  }

  /** Number of vectors held. */
  get size(): number {
    return this.ids.length;
  }

  /** True when the SIMD kernel is in use. */
  get usesSimd(): boolean {
    return this.scan !== undefined;
  }

  /** True when a vector is stored under this id. */
  has(id: string): boolean {
    return this.rowOf.has(id);
  }

  /** Stores a copy of the vector under id, replacing any previous one. */
  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dimensions) {
      throw new RangeError(`vector has ${vector.length} dimensions, index has ${this.dimensions}`);
    }
    this.changes++;
    let row = this.rowOf.get(id);
    if (row === undefined) {
      if (this.ids.length === this.capacity) this.reserve(this.capacity * 2);
      row = this.ids.length;
      this.ids.push(id);
      this.rowOf.set(id, row);
    }
    const start = this.rowStart(row);
    this.view.set(vector, start);
    this.view.fill(0, start + this.dimensions, start + this.stride);
  }

  /** The ids in row order and the rows themselves (each `rowStride` floats, zero-padded), for a snapshot. */
  rows(): { ids: readonly string[]; rowStride: number; data: Float32Array } {
    const start = this.rowStart(0);
    return {
      ids: this.ids,
      rowStride: this.stride,
      data: this.view.subarray(start, start + this.ids.length * this.stride),
    };
  }

  /** Removes the vector stored under id; returns false when there was none. */
  remove(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined) return false;
    this.changes++;
    const last = this.ids.length - 1;
    if (row !== last) {
      const lastId = this.ids[last]!;
      const from = this.rowStart(last);
      this.view.copyWithin(this.rowStart(row), from, from + this.stride);
      this.ids[row] = lastId;
      this.rowOf.set(lastId, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
    return true;
  }

  /** Removes every vector (the buffer is kept for reuse). */
  clear(): void {
    this.changes++;
    this.ids.length = 0;
    this.rowOf.clear();
  }

  /** The k best hits for a unit query vector, best first; ties broken by id for determinism. */
  search(query: Float32Array, k: number, options: VectorSearchOptions = {}): VectorHit[] {
    if (query.length !== this.dimensions) {
      throw new RangeError(`query has ${query.length} dimensions, index has ${this.dimensions}`);
    }
    const rows = this.ids.length;
    if (rows === 0 || k <= 0) return [];
    const scores = this.scoreRows(query, 0, rows);
    return this.topK(scores, Math.min(Math.floor(k), rows), options);
  }

  /**
   * As `search`, scoring the rows in `turns` slices with `pause` awaited between them, so that the process' other
   * work goes on meanwhile (issue 16: a PostgreSQL search sends its keyword statement while the vectors are
   * scanned). The same hits as `search`: when the index changed during a pause, the rows are scanned again at once.
   */
  async searchInTurns(
    query: Float32Array,
    k: number,
    pause: () => Promise<void>,
    turns = SCAN_TURNS,
  ): Promise<VectorHit[]> {
    if (query.length !== this.dimensions) {
      throw new RangeError(`query has ${query.length} dimensions, index has ${this.dimensions}`);
    }
    const rows = this.ids.length;
    if (rows === 0 || k <= 0) return [];
    const slice = Math.ceil(rows / turns);
    const changes = this.changes;
    let scores = this.scoreRows(query, 0, Math.min(slice, rows));
    for (let from = slice; from < rows; from += slice) {
      await pause();
      if (this.changes !== changes) return this.search(query, k);
      scores = this.scoreRows(query, from, Math.min(from + slice, rows));
    }
    return this.topK(scores, Math.min(Math.floor(k), rows), {});
  }

  // Layout in floats: [query: stride][rows: capacity * stride][scores: capacity].
  private rowStart(row: number): number {
    return this.stride + row * this.stride;
  }

  private scoresStart(): number {
    return this.stride + this.capacity * this.stride;
  }

  private reserve(capacity: number): void {
    const neededBytes = (this.stride + capacity * this.stride + capacity) * FLOAT_BYTES;
    const haveBytes = this.memory.buffer.byteLength;
    if (neededBytes > haveBytes) this.memory.grow(Math.ceil((neededBytes - haveBytes) / PAGE_BYTES));
    this.view = new Float32Array(this.memory.buffer); // growing detaches the old buffer
    // Rows keep their offsets; the scores region (scratch, rewritten by every search) moves up.
    this.capacity = capacity;
  }

  /** Scores rows `from` to `to` (the query written again: it is scratch too); the scores of rows 0 to `to`. */
  private scoreRows(query: Float32Array, from: number, to: number): Float32Array {
    this.view.set(query, 0);
    this.view.fill(0, this.dimensions, this.stride);
    const scoresStart = this.scoresStart();
    if (this.scan !== undefined) {
      const matrix = this.rowStart(from) * FLOAT_BYTES;
      this.scan(matrix, to - from, this.stride, 0, (scoresStart + from) * FLOAT_BYTES);
    } else {
      const part = this.view.subarray(scoresStart + from, scoresStart + to);
      scanRowsJs(this.view, this.rowStart(from), to - from, this.stride, 0, part);
    }
    return this.view.subarray(scoresStart, scoresStart + to);
  }

  private topK(scores: Float32Array, k: number, options: VectorSearchOptions): VectorHit[] {
    const { filter, minScore = Number.NEGATIVE_INFINITY } = options;
    // Min-heap of row numbers keyed by (score, reversed id) so the root is the weakest kept hit.
    const heap: number[] = [];
    const weaker = (a: number, b: number): boolean => {
      const sa = scores[a]!;
      const sb = scores[b]!;
      return sa < sb || (sa === sb && this.ids[a]! > this.ids[b]!);
    };
    for (let row = 0; row < scores.length; row++) {
      const score = scores[row]!;
      if (score < minScore) continue;
      if (heap.length === k && !weaker(heap[0]!, row)) continue;
      if (filter !== undefined && !filter(this.ids[row]!)) continue;
      if (heap.length < k) heapPush(heap, row, weaker);
      else heapReplaceRoot(heap, row, weaker);
    }
    heap.sort((a, b) => (weaker(a, b) ? 1 : weaker(b, a) ? -1 : 0));
    return heap.map((row) => ({ id: this.ids[row]!, score: scores[row]! }));
  }
}

function heapPush(heap: number[], value: number, less: (a: number, b: number) => boolean): void {
  heap.push(value);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function heapReplaceRoot(heap: number[], value: number, less: (a: number, b: number) => boolean): void {
  heap[0] = value;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let smallest = i;
    if (left < heap.length && less(heap[left]!, heap[smallest]!)) smallest = left;
    if (right < heap.length && less(heap[right]!, heap[smallest]!)) smallest = right;
    if (smallest === i) return;
    [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
    i = smallest;
  }
}
