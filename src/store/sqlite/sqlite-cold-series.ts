import type Database from "better-sqlite3";

// Issue 20, third part: the series of blocks maintenance packs in one table (events by seq, Bronze by rowid), on
// SQLite. Blocks are packed oldest first, each once; meta keeps the first key of the next block to pack.

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/** A table's blocks: `size` rows each, keys 1, size + 1, ...; cold once `cold` rows follow a block's last key. */
export interface ColdSeries {
  /** The meta key holding the first key of the next block to pack. */
  metaKey: string;
  /** The last key written (the head seq, the last rowid). */
  last: number;
  size: number;
  cold: number;
  /** Packs the block whose first key is `first`. */
  pack(first: number): void;
}

/** Packs up to `maxBlocks` cold blocks of `series` not packed yet; says how many and whether more are cold. */
export function packColdSeries(
  prepared: Prepare,
  series: ColdSeries,
  maxBlocks: number,
): { packed: number; more: boolean } {
  const isCold = (first: number) => first + series.size - 1 + series.cold <= series.last;
  const next = prepared("SELECT value FROM meta WHERE key = ?").get(series.metaKey) as Row | undefined;
  let first = Number(next?.value ?? 1);
  let packed = 0;
  for (; packed < maxBlocks && isCold(first); first += series.size) {
    series.pack(first);
    packed += 1;
  }
  if (packed > 0)
    prepared("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(series.metaKey, String(first));
  return { packed, more: isCold(first) };
}
