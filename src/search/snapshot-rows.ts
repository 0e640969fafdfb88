import { closeSync, fstat, fstatSync, read } from "node:fs";
import { readFully } from "./binary-file.js";
import {
  createQuantizedScan,
  type QuantizedScanFunction,
  quantizedScanJs,
  quantizeQuery,
} from "./quantized-scan-kernel.js";
import type { VectorHit } from "./vector-index.js";
import { createWasmScan, type ScanFunction, scanRowsJs } from "./vector-scan-kernel.js";
import { createWasmMemory, PAGE_BYTES, type WasmMemory } from "./wasm-bytecode.js";

// The vectors a process restored from the snapshot file (vector-snapshot.ts), searched without reading their
// floats into memory (issue 17: a one-shot `locus search` pays ~4-5 ms for every megabyte of fresh memory it
// fills, and 10K WPs hold 20 MB of vectors). The rows are read as int8 (5 MB) through a small window, scanned by an integer SIMD
// kernel, and the best `k + margin` of them are scored again from their float copies, read from the file by
// position: the hits and their scores are those of an exact search, unless a row's int8 score is off by more
// than the margin's worth of ranks (int8 error is ~1e-3 of a cosine; the margin spans far more).

/** The key of each row: an array, or a snapshot's keys kept as one string (vector-snapshot.ts) and cut on demand. */
export interface RowKeys {
  readonly length: number;
  at(row: number): string | undefined;
}

/** Where a snapshot file keeps its rows: int8 rows, their scales, and the float rows, each at a byte offset. */
export interface SnapshotRowsLayout {
  readonly ids: RowKeys;
  readonly dimensions: number;
  /** Elements per row (dimensions rounded up to a multiple of 8), in each of the three arrays. */
  readonly stride: number;
  readonly int8At: number;
  readonly scalesAt: number;
  readonly floatsAt: number;
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * Int8 rows scanned per read (256 KB at 512 dimensions). Issue 17, sixth round: the rows are read from the file
 * into one small window of the memory a block at a time during the scan, instead of all of them (5 MB at 10K WPs)
 * into fresh memory ahead of it, which this VM charges ~3 ms a megabyte at first touch.
 */
const WINDOW_ROWS = 512;

/**
 * Where a search keeps its data in the scan's memory: the window (a block of int8 rows, or of float rows being
 * rescored: a quarter as many), the int16 query, the int32 scores of every row, the float query, the float scores
 * of a rescored block. Sized once, so the memory never grows (fresh pages) during a search.
 */
function scanPlaces(layout: SnapshotRowsLayout) {
  const { stride } = layout;
  const rows = layout.ids.length;
  const windowRows = Math.min(rows, WINDOW_ROWS);
  const rescoreRows = Math.max(1, Math.floor(windowRows / 4));
  const queryAt = align16(Math.max(windowRows * stride, rescoreRows * stride * 4));
  const scoresAt = queryAt + align16(stride * 2);
  const floatQueryAt = scoresAt + align16(rows * 4);
  const rescoreScoresAt = floatQueryAt + stride * 4;
  return {
    windowRows,
    rescoreRows,
    queryAt,
    scoresAt,
    floatQueryAt,
    rescoreScoresAt,
    end: rescoreScoresAt + rescoreRows * 4,
  };
}

/** The end of the int8 rows and scales in the file, which must be there (the float rows are read by position). */
const rowsEnd = (layout: SnapshotRowsLayout) =>
  Math.max(layout.int8At + layout.ids.length * layout.stride, layout.scalesAt + layout.ids.length * 4);

/** Restored snapshot rows: exact top-k over them, removal by id; holds the file open for the float rows. */
export class SnapshotRows {
  /** Row of each id, made on the first removal by id (a one-shot search that removes nothing never needs it). */
  private rowOfId: Map<string, number> | undefined;
  private readonly removed: Uint8Array;
  private readonly scales: Float32Array;
  private readonly memory: WasmMemory;
  private readonly quantizedScan: QuantizedScanFunction | undefined;
  private readonly floatScan: ScanFunction | undefined;
  /** Where a search keeps its data in the memory (scanPlaces). */
  private readonly places: ReturnType<typeof scanPlaces>;
  private live: number;

  /**
   * Reads the scales of `layout` from `fd` (which it then owns); throws when the file is short of them or of the
   * int8 rows, which each search reads through its window. With `read`, the scales are read and the size checked (readAhead).
   */
  constructor(
    private readonly fd: number,
    private readonly layout: SnapshotRowsLayout,
    read?: { readonly memory: WasmMemory; readonly scales: Float32Array },
  ) {
    const rows = layout.ids.length;
    this.places = scanPlaces(layout);
    this.memory = read?.memory ?? SnapshotRows.memoryFor(layout);
    this.quantizedScan = createQuantizedScan(this.memory);
    this.floatScan = createWasmScan(this.memory);
    this.scales = read?.scales ?? new Float32Array(rows);
    if (read === undefined) {
      if (fstatSync(fd).size < rowsEnd(layout))
        throw new Error("snapshot file is shorter than its header says");
      readFully(fd, new Uint8Array(this.scales.buffer), layout.scalesAt);
    }
    this.removed = new Uint8Array(rows);
    this.live = rows;
  }

  /**
   * The rows of `layout`, their scales read and the file's size checked on libuv's thread pool (issue 17: a
   * search does that while it embeds its query); rejects when the file is short or cannot be read, and the caller
   * closes `fd`.
   */
  static readAhead(fd: number, layout: SnapshotRowsLayout): Promise<SnapshotRows> {
    const memory = SnapshotRows.memoryFor(layout);
    const scales = new Float32Array(layout.ids.length);
    const readInto = (target: Uint8Array, position: number) =>
      new Promise<void>((resolve, reject) =>
        read(fd, target, 0, target.length, position, (error, bytes) =>
          error !== null || bytes !== target.length
            ? reject(error ?? new Error("snapshot file is shorter than its header says"))
            : resolve(),
        ),
      );
    const sizeChecked = new Promise<void>((resolve, reject) =>
      fstat(fd, (error, stats) =>
        error !== null || stats.size < rowsEnd(layout)
          ? reject(error ?? new Error("snapshot file is shorter than its header says"))
          : resolve(),
      ),
    );
    return Promise.all([sizeChecked, readInto(new Uint8Array(scales.buffer), layout.scalesAt)]).then(
      () => new SnapshotRows(fd, layout, { memory, scales }),
    );
  }

  /** A memory for the window and the scan's room after it (scanPlaces). */
  private static memoryFor(layout: SnapshotRowsLayout): WasmMemory {
    return createWasmMemory(Math.ceil(scanPlaces(layout).end / PAGE_BYTES) + 1);
  }

  /** Rows not removed. */
  get size(): number {
    return this.live;
  }

  /** True when `id` is a row here and not removed. */
  has(id: string): boolean {
    const row = this.rowOf(id);
    return row !== undefined && this.removed[row] === 0;
  }

  /** Removes a row; false when there was none. */
  remove(id: string): boolean {
    const row = this.rowOf(id);
    if (row === undefined || this.removed[row] === 1) return false;
    this.removed[row] = 1;
    this.live--;
    return true;
  }

  /** Removes every row whose `groupOf(id)` is in `groups` (the rows of some WPs) in one pass over the ids. */
  removeGroups(groups: ReadonlySet<string>, groupOf: (id: string) => string): void {
    const { ids } = this.layout;
    for (let row = 0; row < ids.length; row++)
      if (this.removed[row] === 0 && groups.has(groupOf(ids.at(row)!))) {
        this.removed[row] = 1;
        this.live--;
      }
  }

  private rowOf(id: string): number | undefined {
    if (this.rowOfId === undefined) {
      const rows = new Map<string, number>();
      for (let row = 0; row < this.layout.ids.length; row++) rows.set(this.layout.ids.at(row)!, row);
      this.rowOfId = rows;
    }
    return this.rowOfId.get(id);
  }

  /** The k best rows for a unit query, best first, ties by id: the hits and scores VectorIndex.search gives. */
  search(query: Float32Array, k: number): VectorHit[] {
    if (this.live === 0 || k <= 0) return [];
    const candidates = this.approximateBest(query, Math.min(this.live, k + Math.max(64, Math.ceil(k / 4))));
    const scores = this.exactScores(query, candidates);
    const hits = candidates.map((row, i) => ({ id: this.layout.ids.at(row)!, score: scores[i]! }));
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return hits.slice(0, k);
  }

  /** Every row not removed, with its float vector (read from the file in one pass). */
  *entries(): Generator<[id: string, vector: Float32Array]> {
    const { ids, stride, dimensions, floatsAt } = this.layout;
    const all = new Float32Array(ids.length * stride);
    readFully(this.fd, new Uint8Array(all.buffer), floatsAt);
    for (let row = 0; row < ids.length; row++)
      if (this.removed[row] === 0)
        yield [ids.at(row)!, all.subarray(row * stride, row * stride + dimensions)];
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }

  /** The `wanted` rows (not removed) of best int8 score, in row order (the file's order). */
  private approximateBest(query: Float32Array, wanted: number): number[] {
    const { stride, ids, int8At } = this.layout;
    const { windowRows, queryAt, scoresAt } = this.places;
    const rows = ids.length;
    const buffer = this.memory.buffer;
    const query16 = new Int16Array(buffer, queryAt, stride);
    const scores = new Int32Array(buffer, scoresAt, rows);
    quantizeQuery(query, query16);
    for (let first = 0; first < rows; first += windowRows) {
      const count = Math.min(windowRows, rows - first);
      readFully(this.fd, new Uint8Array(buffer, 0, count * stride), int8At + first * stride);
      if (this.quantizedScan !== undefined)
        this.quantizedScan(0, count, stride, queryAt, scoresAt + first * 4);
      else
        quantizedScanJs(
          new Int8Array(buffer, 0, count * stride),
          count,
          stride,
          query16,
          scores.subarray(first),
        );
    }
    const approximate = new Float32Array(rows);
    for (let row = 0; row < rows; row++)
      approximate[row] =
        this.removed[row] === 1 ? Number.NEGATIVE_INFINITY : scores[row]! * this.scales[row]!;
    const threshold = approximate.slice().sort()[rows - wanted]!;
    // Every row above the threshold, then rows at it (ties) until `wanted`.
    const best: number[] = [];
    for (let row = 0; row < rows; row++) if (approximate[row]! > threshold) best.push(row);
    for (let row = 0; row < rows && best.length < wanted; row++)
      if (this.removed[row] === 0 && approximate[row] === threshold) best.push(row);
    return best.sort((a, b) => a - b);
  }

  /**
   * The rows' float scores, read from the file a window's worth at a time and scanned by the index's own kernel
   * (so rounding is the same).
   */
  private exactScores(query: Float32Array, rows: readonly number[]): Float32Array {
    const { stride, floatsAt } = this.layout;
    const { rescoreRows, floatQueryAt, rescoreScoresAt } = this.places;
    const rowBytes = stride * 4;
    const buffer = this.memory.buffer;
    const floats = new Float32Array(buffer);
    floats.fill(0, floatQueryAt / 4, floatQueryAt / 4 + stride);
    floats.set(query, floatQueryAt / 4);
    const out = new Float32Array(rows.length);
    const blockScores = new Float32Array(buffer, rescoreScoresAt, rescoreRows);
    for (let first = 0; first < rows.length; first += rescoreRows) {
      const count = Math.min(rescoreRows, rows.length - first);
      // Rows next to each other in the file (a WP's chunks often are) are read in one call.
      for (let i = 0, run = 1; i < count; i += run) {
        const row = rows[first + i] as number;
        for (run = 1; i + run < count && rows[first + i + run] === row + run; ) run++;
        readFully(this.fd, new Uint8Array(buffer, i * rowBytes, run * rowBytes), floatsAt + row * rowBytes);
      }
      if (this.floatScan !== undefined) this.floatScan(0, count, stride, floatQueryAt, rescoreScoresAt);
      else scanRowsJs(floats, 0, count, stride, floatQueryAt / 4, blockScores);
      out.set(blockScores.subarray(0, count), first);
    }
    return out;
  }
}
