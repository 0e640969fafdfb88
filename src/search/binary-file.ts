import { closeSync, openSync, readSync } from "node:fs";

// The layout shared by Locus' binary cache files (the vector snapshot, the encoder's half weights): a uint32
// header length, four spare bytes, the header as JSON, then zero padding so the data starts 16-byte aligned (a
// typed array or a SIMD load can view it in place).

const PREFIX_BYTES = 8;
const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** The file at `path` open for reading; undefined when it cannot be opened (missing, unreadable). */
export function openForReading(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch {
    return undefined;
  }
}

/** Fills `target` from `fd` at `position`; throws when the file ends first. */
export function readFully(fd: number, target: Uint8Array, position: number): void {
  for (let done = 0; done < target.length; ) {
    const read = readSync(fd, target, done, target.length - done, position + done);
    if (read === 0) throw new Error("file is shorter than its header says");
    done += read;
  }
}

/** The JSON header of the file open as `fd` and the byte offset where its data starts; throws when damaged. */
export function readJsonHeader<T>(fd: number): { header: T; dataAt: number } {
  const prefix = Buffer.alloc(PREFIX_BYTES);
  readFully(fd, prefix, 0);
  const json = Buffer.alloc(prefix.readUInt32LE(0));
  readFully(fd, json, PREFIX_BYTES);
  return { header: JSON.parse(json.toString("utf8")) as T, dataAt: align16(PREFIX_BYTES + json.length) };
}

/** The JSON header of a whole file's bytes and the offset where its data starts; throws when damaged. */
export function parseJsonHeader<T>(file: Buffer): { header: T; dataAt: number } {
  const length = file.readUInt32LE(0);
  if (PREFIX_BYTES + length > file.length) throw new Error("file is shorter than its header says");
  const json = file.toString("utf8", PREFIX_BYTES, PREFIX_BYTES + length);
  return { header: JSON.parse(json) as T, dataAt: align16(PREFIX_BYTES + length) };
}

/** The bytes that start a file with this header (prefix, JSON, padding); the data follows at `dataAt`. */
export function jsonHeaderBytes(header: unknown): { bytes: Buffer; dataAt: number } {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const dataAt = align16(PREFIX_BYTES + json.length);
  const bytes = Buffer.alloc(dataAt);
  bytes.writeUInt32LE(json.length, 0);
  json.copy(bytes, PREFIX_BYTES);
  return { bytes, dataAt };
}

/**
 * `open(fd, header, dataAt)` over the file at `path` with a `T` header: its result, which then owns the open file;
 * undefined, with the file closed, when the file is missing or damaged or `open` throws (a cache is never trusted
 * past what it can prove).
 */
export function openWithHeader<T, R>(
  path: string,
  open: (fd: number, header: T, dataAt: number) => R,
): R | undefined {
  const fd = openForReading(path);
  if (fd === undefined) return undefined;
  try {
    const { header, dataAt } = readJsonHeader<T>(fd);
    return open(fd, header, dataAt);
  } catch {
    closeSync(fd);
    return undefined;
  }
}
