// Reads and parses the board once per version of the file (LOCUS_SPEC section 12: auto-sync runs after
// every state change, so a 10K-entry board must not be read from disk again when only Locus wrote it).
// A version is identified by inode, size and mtime in nanoseconds: any write by another process (an
// editor, git, another Locus) gives another stamp and the file is read again.

import { type BoardFileStamp, readBoardFile, sameStamp, statBoardFile } from "./board-file.js";
import type { BoardLimits } from "./board-input.js";
import type { ParsedBoard } from "./board-model.js";
import { parseBoard } from "./board-parser.js";

interface CachedBoard {
  stamp: BoardFileStamp;
  /** Text Locus wrote itself (parsed on first use), or the parsed board of what was read. */
  text: string | undefined;
  board: ParsedBoard | undefined;
}

// Bounded: a process rarely syncs more than one or two boards.
const MAX_CACHED = 8;
const cache = new Map<string, CachedBoard>();

/** A parsed board with the stamp of the file version it came from. */
export interface StampedBoard {
  readonly board: ParsedBoard;
  readonly stamp: BoardFileStamp;
}

/** Reads and parses the board at `absolute` (bounds of section 8), reusing the last parse when unchanged. */
export function readParsedBoard(absolute: string, limits: BoardLimits): StampedBoard {
  const current = statBoardFile(absolute);
  const cached = cache.get(absolute);
  if (cached !== undefined && current !== undefined && sameStamp(cached.stamp, current)) {
    if (cached.board === undefined) {
      cached.board = parseBoard(cached.text ?? "", limits);
      cached.text = undefined;
    }
    return { board: cached.board, stamp: cached.stamp };
  }
  const content = readBoardFile(absolute, limits.max_bytes);
  const board = parseBoard(content.bytes, limits);
  remember(absolute, { stamp: content.stamp, text: undefined, board });
  return { board, stamp: content.stamp };
}

/** Records the text Locus just wrote at `absolute` under the stamp of the new file. */
export function rememberWrittenBoard(absolute: string, stamp: BoardFileStamp, text: string): void {
  remember(absolute, { stamp, text, board: undefined });
}

/** The stamp of the last version Locus wrote (or read) at `absolute`, if this process knows one. */
export function lastWrittenStamp(absolute: string): BoardFileStamp | undefined {
  return cache.get(absolute)?.stamp;
}

function remember(absolute: string, entry: CachedBoard): void {
  cache.delete(absolute);
  if (cache.size >= MAX_CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(absolute, entry);
}
