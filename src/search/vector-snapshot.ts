import { closeSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import type { VectorIndex } from "./vector-index.js";

// Issue 17: a one-shot `locus search` must not read every embedding out of the store. At 10K WPs, loading the
// vector index from Silver (20,000 blobs) took over a second in a fresh process; this file holds the Gold
// vectors as they sit in memory (rows of floats, ready to scan) with what they are valid for: the store, its
// embedding model, the index generation and the change sequence reached. A process reads it in one pass, then
// catches up from that sequence like any cache (vector-cache.ts). It is a cache: a missing, foreign or damaged
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
  readonly format: 1;
  readonly seq: number;
  readonly rowStride: number;
  readonly keys: readonly string[];
  readonly wps: readonly string[];
}

/** What a snapshot restored: the change sequence to catch up from, and each row's key and WP. */
export interface RestoredSnapshot {
  readonly seq: number;
  readonly keys: readonly string[];
  readonly wps: readonly string[];
}

const PREFIX_BYTES = 8; // uint32 header length, uint32 padding so the rows start 8-byte aligned

/** Fills `index` (empty) from the snapshot at `path` when it matches `key`; undefined when it cannot be used. */
export function readVectorSnapshot(
  path: string,
  key: SnapshotKey,
  index: VectorIndex,
): RestoredSnapshot | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const prefix = Buffer.alloc(PREFIX_BYTES);
    if (readSync(fd, prefix, 0, PREFIX_BYTES, 0) !== PREFIX_BYTES) return undefined;
    const headerBytes = prefix.readUInt32LE(0);
    const headerBuffer = Buffer.alloc(headerBytes);
    if (readSync(fd, headerBuffer, 0, headerBytes, PREFIX_BYTES) !== headerBytes) return undefined;
    const header = JSON.parse(headerBuffer.toString("utf8")) as SnapshotHeader;
    const matches =
      header.format === 1 &&
      header.store === key.store &&
      header.model === key.model &&
      header.generation === key.generation &&
      header.dimensions === key.dimensions &&
      header.keys.length === header.wps.length;
    if (!matches) return undefined;
    const rowsAt = PREFIX_BYTES + headerBytes + prefix.readUInt32LE(4);
    let complete = true;
    index.loadRows(header.keys, header.rowStride, (target) => {
      let done = 0;
      while (done < target.length) {
        const read = readSync(fd, target, done, target.length - done, rowsAt + done);
        if (read === 0) break;
        done += read;
      }
      complete = done === target.length;
    });
    if (!complete) {
      index.clear();
      return undefined;
    }
    return { seq: header.seq, keys: header.keys, wps: header.wps };
  } catch {
    index.clear();
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes the index's rows with their key and change sequence to `path` (atomically: a temporary file, renamed). */
export function writeVectorSnapshot(
  path: string,
  key: SnapshotKey,
  seq: number,
  index: VectorIndex,
  wpOfKey: (rowKey: string) => string,
): void {
  const { ids, rowStride, data } = index.rows();
  const header: SnapshotHeader = { format: 1, ...key, seq, rowStride, keys: ids, wps: ids.map(wpOfKey) };
  const headerBuffer = Buffer.from(JSON.stringify(header), "utf8");
  const padding = (8 - ((PREFIX_BYTES + headerBuffer.length) % 8)) % 8;
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.writeUInt32LE(headerBuffer.length, 0);
  prefix.writeUInt32LE(padding, 4);
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, prefix);
    writeSync(fd, headerBuffer);
    writeSync(fd, Buffer.alloc(padding));
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
