import { closeSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";
import { jsonHeaderBytes, openWithHeader } from "./binary-file.js";
import { quantizeRow } from "./quantized-scan-kernel.js";
import { type RowKeys, SnapshotRows, type SnapshotRowsLayout } from "./snapshot-rows.js";

// Issue 17: a one-shot `locus search` must not read every embedding out of the store. At 10K WPs, loading the
// vector index from Silver (20,000 blobs) took over a second in a fresh process; this file holds the Gold
// vectors as they sit in memory (rows of floats, ready to scan), an int8 copy of them, and what they are valid
// for: the store, its embedding model, the index generation and the change sequence reached. A process reads the
// int8 copy only (a quarter of the bytes; snapshot-rows.ts reads a float row when it must score it exactly),
// then catches up from that sequence like any cache (vector-cache.ts). It is a cache: a missing, foreign or damaged
// file is ignored and rewritten, never trusted past its header.

/** What a snapshot is valid for; every field must match for it to be used. */
export interface SnapshotKey {
  /** The store's replica id (a workspace may point at another store). */
  readonly store: string;
  readonly model: string;
  readonly generation: number;
  readonly dimensions: number;
}

/**
 * A snapshot's header: its key, the change sequence it reached, and its rows' keys, in row order, as one string
 * joined by newlines (format 3, issue 17 fifth round: parsed in ~3 ms instead of ~8 for 10,000 keys and their WPs
 * as two arrays of strings, and a megabyte less of heap for the collector to copy; a key names its WP).
 */
interface SnapshotHeader extends SnapshotKey {
  readonly format: 3;
  readonly seq: number;
  readonly rowStride: number;
  readonly rows: number;
  readonly keys: string;
}

/** What a snapshot restored: the change sequence to catch up from, each row's key, and the rows. */
export interface RestoredSnapshot {
  readonly seq: number;
  readonly keys: RowKeys;
  readonly rows: SnapshotRows;
}

/** Keys joined by newlines, each cut out when asked for. */
class JoinedKeys implements RowKeys {
  private readonly ends: Int32Array;

  /** Throws when `joined` does not hold `count` keys. */
  constructor(
    private readonly joined: string,
    count: number,
  ) {
    this.ends = new Int32Array(count);
    if (count === 0 && joined.length > 0) throw new Error("snapshot keys are more than its rows");
    let at = 0;
    for (let row = 0; row < count; row++) {
      const next = joined.indexOf("\n", at);
      const last = row === count - 1;
      if (last ? next >= 0 : next < 0) throw new Error("snapshot keys are not one per row");
      this.ends[row] = last ? joined.length : next;
      at = next + 1;
    }
  }

  get length(): number {
    return this.ends.length;
  }

  at(row: number): string | undefined {
    if (row < 0 || row >= this.ends.length) return undefined;
    return this.joined.slice(row === 0 ? 0 : (this.ends[row - 1] as number) + 1, this.ends[row]);
  }
}

// File layout (binary-file.ts): the header; the rows as int8 (rows x stride); each row's scale (float32); the
// rows as float32 (rows x stride), as the index holds them.
const layoutAfter = (int8At: number, rows: number, stride: number) => {
  const scalesAt = int8At + rows * stride;
  const floatsAt = scalesAt + rows * 4;
  return { int8At, scalesAt, floatsAt, end: floatsAt + rows * stride * 4 };
};

const matchesKey = (header: SnapshotHeader, key: SnapshotKey): boolean =>
  header.format === 3 &&
  header.store === key.store &&
  header.model === key.model &&
  header.generation === key.generation &&
  header.dimensions === key.dimensions &&
  typeof header.keys === "string" &&
  Number.isInteger(header.rows) &&
  header.rows >= 0 &&
  header.rowStride >= key.dimensions &&
  header.rowStride % 8 === 0;

/** Opens the snapshot at `path` when `usable(header)` and its size is the header's; `rows` then owns the file. */
function openSnapshot<R>(
  path: string,
  usable: (header: SnapshotHeader) => boolean,
  rows: (fd: number, layout: SnapshotRowsLayout) => R,
): { header: SnapshotHeader; keys: RowKeys; rows: R } | undefined {
  return openWithHeader(path, (fd, header: SnapshotHeader, dataAt) => {
    if (!usable(header)) throw new Error("not this store's snapshot");
    const layout = layoutAfter(dataAt, header.rows, header.rowStride);
    if (fstatSync(fd).size !== layout.end) throw new Error("not this store's snapshot");
    const ids = new JoinedKeys(header.keys, header.rows);
    return {
      header,
      keys: ids,
      rows: rows(fd, { ids, dimensions: header.dimensions, stride: header.rowStride, ...layout }),
    };
  });
}

/** The rows of the snapshot at `path` when it matches `key` (read as int8); undefined when it cannot be used. */
export function readVectorSnapshot(path: string, key: SnapshotKey): RestoredSnapshot | undefined {
  const opened = openSnapshot(
    path,
    (header) => matchesKey(header, key),
    (fd, layout) => new SnapshotRows(fd, layout),
  );
  if (opened === undefined) return undefined;
  const { header, keys, rows } = opened;
  return { seq: header.seq, keys, rows };
}

/** A snapshot whose scales are being read on the thread pool (readVectorSnapshotAhead). */
export interface SnapshotReadAhead {
  /** The snapshot once read, when it matches `key`; undefined (the file closed) when it does not or the read failed. */
  take(key: SnapshotKey): Promise<RestoredSnapshot | undefined>;
}

/**
 * Starts reading the snapshot at `path` (its header now, its scales on libuv's thread pool) when it holds
 * vectors of `partial`'s store, model and size; undefined when it cannot be used. The generation is checked by take.
 */
export function readVectorSnapshotAhead(
  path: string,
  partial: Omit<SnapshotKey, "generation">,
): SnapshotReadAhead | undefined {
  let fileOf: number | undefined;
  const opened = openSnapshot(
    path,
    (header) => matchesKey(header, { ...partial, generation: header.generation }),
    (fd, layout) => {
      fileOf = fd;
      return SnapshotRows.readAhead(fd, layout);
    },
  );
  if (opened === undefined) return undefined;
  const { header, keys, rows } = opened;
  const fd = fileOf as number;
  return {
    take: (key) =>
      rows.then(
        (read) => {
          if (matchesKey(header, key)) return { seq: header.seq, keys, rows: read };
          read.close();
          return undefined;
        },
        () => {
          closeSync(fd);
          return undefined;
        },
      ),
  };
}

/** Writes rows (as `VectorIndex.rows()` gives them) with their key and change sequence to `path`, atomically. */
export function writeVectorSnapshot(
  path: string,
  key: SnapshotKey,
  seq: number,
  rows: { ids: readonly string[]; rowStride: number; data: Float32Array },
): void {
  const { ids, rowStride, data } = rows;
  if (ids.some((id) => id.includes("\n"))) throw new Error("a snapshot key holds a newline");
  const keys = ids.join("\n");
  const header: SnapshotHeader = { format: 3, ...key, seq, rowStride, rows: ids.length, keys };
  const start = jsonHeaderBytes(header);
  const quantized = new Int8Array(ids.length * rowStride);
  const scales = new Float32Array(ids.length);
  for (let row = 0; row < ids.length; row++)
    scales[row] = quantizeRow(
      data.subarray(row * rowStride, (row + 1) * rowStride),
      quantized,
      row * rowStride,
    );
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    const write = (bytes: Uint8Array) => {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    };
    write(start.bytes);
    for (const array of [quantized, scales, data])
      write(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
