import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { quantizeRow } from "./quantized-scan-kernel.js";
import { SnapshotRows } from "./snapshot-rows.js";

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

/** A snapshot's header: its key, the change sequence it reached, and per row its key and WP. */
interface SnapshotHeader extends SnapshotKey {
  readonly format: 2;
  readonly seq: number;
  readonly rowStride: number;
  readonly keys: readonly string[];
  readonly wps: readonly string[];
}

/** What a snapshot restored: the change sequence to catch up from, each row's key and WP, and the rows. */
export interface RestoredSnapshot {
  readonly seq: number;
  readonly keys: readonly string[];
  readonly wps: readonly string[];
  readonly rows: SnapshotRows;
}

// File layout: uint32 header length, uint32 padding; the header (JSON); padding to 16 bytes; the rows as int8
// (rows x stride); each row's scale (float32); the rows as float32 (rows x stride), as the index holds them.
const PREFIX_BYTES = 8;

const layoutAfter = (headerBytes: number, rows: number, stride: number) => {
  const int8At = Math.ceil((PREFIX_BYTES + headerBytes) / 16) * 16;
  const scalesAt = int8At + rows * stride;
  const floatsAt = scalesAt + rows * 4;
  return { int8At, scalesAt, floatsAt, end: floatsAt + rows * stride * 4 };
};

/** The rows of the snapshot at `path` when it matches `key` (read as int8); undefined when it cannot be used. */
export function readVectorSnapshot(path: string, key: SnapshotKey): RestoredSnapshot | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const prefix = Buffer.alloc(PREFIX_BYTES);
    if (readSync(fd, prefix, 0, PREFIX_BYTES, 0) !== PREFIX_BYTES) throw new Error("short");
    const headerBytes = prefix.readUInt32LE(0);
    const headerBuffer = Buffer.alloc(headerBytes);
    if (readSync(fd, headerBuffer, 0, headerBytes, PREFIX_BYTES) !== headerBytes) throw new Error("short");
    const header = JSON.parse(headerBuffer.toString("utf8")) as SnapshotHeader;
    const matches =
      header.format === 2 &&
      header.store === key.store &&
      header.model === key.model &&
      header.generation === key.generation &&
      header.dimensions === key.dimensions &&
      header.keys.length === header.wps.length &&
      header.rowStride >= key.dimensions &&
      header.rowStride % 8 === 0;
    const layout = layoutAfter(headerBytes, header.keys.length, header.rowStride);
    if (!matches || fstatSync(fd).size !== layout.end) throw new Error("not this store's snapshot");
    const rows = new SnapshotRows(fd, {
      ids: header.keys,
      dimensions: header.dimensions,
      stride: header.rowStride,
      ...layout,
    });
    return { seq: header.seq, keys: header.keys, wps: header.wps, rows };
  } catch {
    closeSync(fd);
    return undefined;
  }
}

/** Writes rows (as `VectorIndex.rows()` gives them) with their key and change sequence to `path`, atomically. */
export function writeVectorSnapshot(
  path: string,
  key: SnapshotKey,
  seq: number,
  rows: { ids: readonly string[]; rowStride: number; data: Float32Array },
  wpOfKey: (rowKey: string) => string,
): void {
  const { ids, rowStride, data } = rows;
  const header: SnapshotHeader = { format: 2, ...key, seq, rowStride, keys: ids, wps: ids.map(wpOfKey) };
  const headerBuffer = Buffer.from(JSON.stringify(header), "utf8");
  const layout = layoutAfter(headerBuffer.length, ids.length, rowStride);
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.writeUInt32LE(headerBuffer.length, 0);
  prefix.writeUInt32LE(layout.int8At - PREFIX_BYTES - headerBuffer.length, 4);
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
    write(prefix);
    write(headerBuffer);
    write(Buffer.alloc(layout.int8At - PREFIX_BYTES - headerBuffer.length));
    for (const array of [quantized, scales, data])
      write(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
