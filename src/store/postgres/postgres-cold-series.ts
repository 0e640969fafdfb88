// Issue 20, the series of blocks maintenance packs in one PostgreSQL table (events by seq since the ninth part,
// Bronze by bronze_order since the tenth), the twin of sqlite-cold-series.ts. Blocks are packed oldest first, each
// once; meta keeps, per workspace, the first key of the next block to pack. `rows` runs a statement with `$1`
// bound to the workspace.

type Rows = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/** A table's blocks: `size` keys each, keys 1, size + 1, ...; cold once `cold` keys follow a block's last key. */
export interface ColdSeries {
  /** The meta key holding the first key of the next block to pack. */
  metaKey: string;
  /** The last key written (the head seq, the identity's last value). */
  last: number;
  size: number;
  cold: number;
  /** The first key to pack when meta holds none yet (default 1). */
  start?: () => Promise<number>;
  /** Packs the block whose first key is `first`. */
  pack(first: number): Promise<void>;
}

/** Packs up to `maxBlocks` cold blocks of `series` not packed yet; says how many and whether more are cold. */
export async function packColdSeries(
  rows: Rows,
  series: ColdSeries,
  maxBlocks: number,
): Promise<{ packed: number; more: boolean }> {
  const isCold = (first: number) => first + series.size - 1 + series.cold <= series.last;
  const next = await rows("SELECT value FROM meta WHERE workspace_id = $1 AND key = $2", [series.metaKey]);
  let first = next[0] === undefined ? ((await series.start?.()) ?? 1) : Number(next[0].value);
  let packed = 0;
  for (; packed < maxBlocks && isCold(first); first += series.size) {
    await series.pack(first);
    packed += 1;
  }
  if (packed > 0)
    await rows(
      `INSERT INTO meta (workspace_id, key, value) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, key) DO UPDATE SET value = EXCLUDED.value`,
      [series.metaKey, String(first)],
    );
  return { packed, more: isCold(first) };
}
