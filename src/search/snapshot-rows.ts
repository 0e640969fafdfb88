import { closeSync, readSync } from "node:fs";
import {
  createQuantizedScan,
  type QuantizedScanFunction,
  quantizedScanJs,
  quantizeQuery,
} from "./quantized-scan-kernel.js";
import type { VectorHit } from "./vector-index.js";
import { scoreRowLikeScan } from "./vector-scan-kernel.js";
import { createWasmMemory, PAGE_BYTES } from "./wasm-bytecode.js";

// The vectors a process restored from the snapshot file (vector-snapshot.ts), searched without reading their
// floats into memory (issue 17: a one-shot `locus search` pays ~4-5 ms for every megabyte of fresh memory it
// fills, and 10K WPs hold 20 MB of vectors). The rows are held as int8 (5 MB), scanned by an integer SIMD
// kernel, and the best `k + margin` of them are scored again from their float copies, read from the file by
// position: the hits and their scores are those of an exact search, unless a row's int8 score is off by more
// than the margin's worth of ranks (int8 error is ~1e-3 of a cosine; the margin spans far more).

/** Where a snapshot file keeps its rows: int8 rows, their scales, and the float rows, each at a byte offset. */
export interface SnapshotRowsLayout {
  readonly ids: readonly string[];
  readonly dimensions: number;
  /** Elements per row (dimensions rounded up to a multiple of 8), in each of the three arrays. */
  readonly stride: number;
  readonly int8At: number;
  readonly scalesAt: number;
  readonly floatsAt: number;
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Restored snapshot rows: exact top-k over them, removal by id; holds the file open for the float rows. */
export class SnapshotRows {
  private readonly rowOf = new Map<string, number>();
  private readonly removed: Uint8Array;
  private readonly scales: Float32Array;
  private readonly quantized: Int8Array;
  private readonly query: Int16Array;
  private readonly scores: Int32Array;
  private readonly scan: QuantizedScanFunction | undefined;
  private readonly floatRow: Buffer;
  private live: number;

  /** Reads the int8 rows and scales of `layout` from `fd` (which it then owns); throws when the file is short. */
  constructor(
    private readonly fd: number,
    private readonly layout: SnapshotRowsLayout,
  ) {
    const rows = layout.ids.length;
    const queryAt = align16(rows * layout.stride);
    const scoresAt = queryAt + align16(layout.stride * 2);
    const memory = createWasmMemory(Math.max(1, Math.ceil((scoresAt + rows * 4) / PAGE_BYTES)));
    this.scan = createQuantizedScan(memory);
    this.quantized = new Int8Array(memory.buffer, 0, rows * layout.stride);
    this.query = new Int16Array(memory.buffer, queryAt, layout.stride);
    this.scores = new Int32Array(memory.buffer, scoresAt, rows);
    this.scales = new Float32Array(rows);
    readFully(fd, new Uint8Array(memory.buffer, 0, rows * layout.stride), layout.int8At);
    readFully(fd, new Uint8Array(this.scales.buffer), layout.scalesAt);
    this.removed = new Uint8Array(rows);
    this.floatRow = Buffer.allocUnsafeSlow(layout.stride * 4);
    layout.ids.forEach((id, row) => this.rowOf.set(id, row));
    this.live = rows;
  }

  /** Rows not removed. */
  get size(): number {
    return this.live;
  }

  /** True when `id` is a row here and not removed. */
  has(id: string): boolean {
    const row = this.rowOf.get(id);
    return row !== undefined && this.removed[row] === 0;
  }

  /** Removes a row; false when there was none. */
  remove(id: string): boolean {
    const row = this.rowOf.get(id);
    if (row === undefined || this.removed[row] === 1) return false;
    this.removed[row] = 1;
    this.live--;
    return true;
  }

  /** The k best rows for a unit query, best first, ties by id (as VectorIndex.search). */
  search(query: Float32Array, k: number): VectorHit[] {
    const rows = this.layout.ids.length;
    if (this.live === 0 || k <= 0) return [];
    quantizeQuery(query, this.query);
    const { stride } = this.layout;
    if (this.scan !== undefined) this.scan(0, rows, stride, this.query.byteOffset, this.scores.byteOffset);
    else quantizedScanJs(this.quantized, rows, stride, this.query, this.scores);
    const approximate = new Float32Array(rows);
    for (let row = 0; row < rows; row++)
      approximate[row] =
        this.removed[row] === 1 ? Number.NEGATIVE_INFINITY : this.scores[row]! * this.scales[row]!;
    const wanted = Math.min(this.live, k + Math.max(64, Math.ceil(k / 4)));
    const threshold = approximate.slice().sort()[rows - wanted]!;
    const hits: VectorHit[] = [];
    for (let row = 0; row < rows; row++) {
      if (this.removed[row] === 1 || approximate[row]! < threshold) continue;
      hits.push({ id: this.layout.ids[row]!, score: this.exactScore(row, query) });
    }
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return hits.slice(0, k);
  }

  /** Every row not removed, with its float vector (read from the file in one pass). */
  *entries(): Generator<[id: string, vector: Float32Array]> {
    const { ids, stride, dimensions, floatsAt } = this.layout;
    const all = new Float32Array(ids.length * stride);
    readFully(this.fd, new Uint8Array(all.buffer), floatsAt);
    for (let row = 0; row < ids.length; row++)
      if (this.removed[row] === 0) yield [ids[row]!, all.subarray(row * stride, row * stride + dimensions)];
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }

  private exactScore(row: number, query: Float32Array): number {
    const bytes = this.layout.stride * 4;
    readFully(this.fd, this.floatRow, this.layout.floatsAt + row * bytes);
    const vector = new Float32Array(this.floatRow.buffer, this.floatRow.byteOffset, this.layout.stride);
    return scoreRowLikeScan(vector, query, this.layout.stride);
  }
}

/** Fills `target` from `fd` at `position`; throws when the file ends first. */
function readFully(fd: number, target: Uint8Array, position: number): void {
  for (let done = 0; done < target.length; ) {
    const read = readSync(fd, target, done, target.length - done, position + done);
    if (read === 0) throw new Error("snapshot file is shorter than its header says");
    done += read;
  }
}
