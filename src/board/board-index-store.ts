// Keeps the Task Board line index (board-line-index.ts) between jobs and between processes: in memory, and
// as a small JSON file in the workspace's cache folder (`.locus/`), so a one-shot `locus create` finds it
// too. The index is a cache keyed by the SHA-256 of the exact board bytes it describes: a file that does not
// match is ignored, a failed write is ignored, and the board is then parsed as before. Nothing here decides
// what the board contains.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BoardLineIndex } from "./board-line-index.js";

// Bounded like board-cache.ts: a process rarely syncs more than one or two boards.
const MAX_CACHED = 8;
const memory = new Map<string, BoardLineIndex>();

/** The index stored for the board at `absolute` if it describes the bytes hashing to `sha256`. */
export function loadLineIndex(
  absolute: string,
  cacheFolder: string | undefined,
  sha256: string,
): BoardLineIndex | undefined {
  const cached = memory.get(absolute);
  if (cached?.sha256 === sha256) return cached;
  if (cacheFolder === undefined) return undefined;
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(indexFile(cacheFolder, absolute), "utf8"));
  } catch {
    return undefined;
  }
  if (!isLineIndex(stored) || stored.sha256 !== sha256) return undefined;
  remember(absolute, stored);
  return stored;
}

/** Remembers `index` for the board at `absolute`, and writes it to the cache folder (best effort). */
export function saveLineIndex(
  absolute: string,
  cacheFolder: string | undefined,
  index: BoardLineIndex,
): void {
  remember(absolute, index);
  if (cacheFolder === undefined) return;
  const file = indexFile(cacheFolder, absolute);
  // Temp file and rename: a reader never sees half an index. No fsync: losing it only costs one parse.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(index), { flag: "wx", mode: 0o644 });
    renameSync(temp, file);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
  }
}

/** Forgets the indexes held in memory, as a new process starts (tests of the file path use it). */
export function forgetLineIndexes(): void {
  memory.clear();
}

/** The SHA-256 (hex) of board bytes, the key of an index. */
export function boardBytesHash(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function indexFile(cacheFolder: string, absolute: string): string {
  const key = createHash("sha256").update(absolute).digest("hex").slice(0, 16);
  return path.join(cacheFolder, `board-index-${key}.json`);
}

function remember(absolute: string, index: BoardLineIndex): void {
  memory.delete(absolute);
  if (memory.size >= MAX_CACHED) {
    const oldest = memory.keys().next().value;
    if (oldest !== undefined) memory.delete(oldest);
  }
  memory.set(absolute, index);
}

const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** Shape check of a parsed index file; indexFitsText then checks it against the board text itself. */
function isLineIndex(value: unknown): value is BoardLineIndex {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  if (v.version !== 2 || typeof v.sha256 !== "string" || typeof v.bom !== "boolean") return false;
  if (!isOffset(v.length) || !isOffset(v.max_line_bytes)) return false;
  if (v.eol !== "\n" && v.eol !== "\r\n" && v.eol !== "\r") return false;
  if (!Array.isArray(v.sections) || !Array.isArray(v.code)) return false;
  const sectionOk = (s: unknown) => {
    if (typeof s !== "object" || s === null) return false;
    const section = s as Record<string, unknown>;
    return (
      isOffset(section.start) &&
      isOffset(section.end) &&
      isOffset(section.insert_at) &&
      (section.owned === null || typeof section.owned === "string")
    );
  };
  const rangeOk = (r: unknown) => Array.isArray(r) && r.length === 2 && isOffset(r[0]) && isOffset(r[1]);
  return v.sections.every(sectionOk) && v.code.every(rangeOk);
}
