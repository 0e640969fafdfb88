import type Database from "better-sqlite3";
import {
  BRONZE_BLOCK,
  BRONZE_COLD,
  type BronzeSlot,
  bronzeBlockBody,
  bronzeBlocksOfRows,
  bronzeSlot,
  computedContentHashes,
  isPackedBronze,
  withBronzeSlots,
  withContentHashes,
} from "../bronze-blocks.js";
import { bronzeFromTableRows } from "../bronze-rows.js";
import { packColdSeries } from "./sqlite-cold-series.js";

// Issue 20, third part, on SQLite: cold Bronze rows packed in blocks, as cold events are (sqlite-payload-blocks.ts),
// by maintenance only (compact-store.ts). A Bronze row is ~450 bytes: its doc (deflated alone with the preset
// dictionary, ~285 bytes), content hash as hex, previous id and time as text. Rows of one block (128 by rowid, the
// order they were written: a WP's snapshots sit together) deflated together with the same dictionary keep ~25%
// of that (measured: 2,219 -> 539 bytes per WP of the standard day). The block holds each row's doc text (as
// stored, every form bronze-rows.ts reads), content_hash, previous_bronze_id and created_at; the packed row keeps
// what queries select on (bronze_id, wp_id, version, operation) and an empty doc. A reader puts the block's
// values back before bronze-rows.ts reads the row, so every snapshot reads back byte for byte, matching its
// content hash. A block is packed once the table holds BRONZE_COLD rows after its last one. The slots and the
// reading back are shared with PostgreSQL (../bronze-blocks.ts; it packs by bronze_order, tenth part). Fifth part: a packed row that is not its WP's latest
// snapshot also leaves its bronze_id to the block (the column NULL, which the primary key's index holds in a few
// bytes instead of ~35): no query looks a snapshot up by its id, and the latest one, whose id every WP write reads
// (lastBronzeId), keeps it in its row. Blocks packed before hold no id, and their rows keep theirs.
// Sixth part: the block holds the first 8 hex digits of a row's content hash when the whole snapshot computes to
// the hash stored (a row edited before packing keeps it whole): the reader computes the hash of the snapshot it
// rebuilt, and one whose content no longer computes to those digits reads with them and zeros, which is not its
// content's hash, so the edit shows (withContentHashes).

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/** Packs up to `maxBlocks` cold Bronze blocks not packed yet, oldest first, in the caller's write transaction. */
export function packColdBronze(prepared: Prepare, maxBlocks: number): { packed: number; more: boolean } {
  const series = {
    metaKey: "bronze_packed_before_rowid",
    last: Number((prepared("SELECT max(rowid) AS last FROM bronze").get() as Row).last ?? 0),
    size: BRONZE_BLOCK,
    cold: BRONZE_COLD,
    pack: (first: number) => packBlock(prepared, first),
  };
  return packColdSeries(prepared, series, maxBlocks);
}

function packBlock(prepared: Prepare, first: number): void {
  const rows = prepared(
    "SELECT rowid AS bronze_rowid, * FROM bronze WHERE rowid BETWEEN ? AND ? ORDER BY rowid",
  ).all(first, first + BRONZE_BLOCK - 1) as Row[];
  const slots: BronzeSlot[] = new Array(BRONZE_BLOCK).fill(null);
  const kept = rows.filter((row) => !isPackedBronze(row.doc));
  if (kept.length === 0) return;
  const latest = latestVersions(prepared, kept);
  const computed = computedHashesOfWps(prepared, kept);
  for (const row of kept) {
    const superseded = Number(row.version) < (latest.get(row.wp_id as string) ?? 0);
    const id = superseded && typeof row.bronze_id === "string" ? row.bronze_id : undefined;
    slots[Number(row.bronze_rowid) - first] = bronzeSlot(row, computed, id);
  }
  const block = prepared("INSERT OR IGNORE INTO bronze_blocks (first_rowid, body) VALUES (?, ?)");
  if (block.run(first, bronzeBlockBody(slots)).changes === 0) return; // packed already
  // Deleted and written again (pages fill whole; an UPDATE in place saved no page, as for events).
  const remove = prepared("DELETE FROM bronze WHERE rowid = ?");
  const insert = prepared(
    `INSERT INTO bronze (rowid, bronze_id, wp_id, version, operation, content_hash, previous_bronze_id, created_at, doc)
     VALUES (@bronze_rowid, @bronze_id, @wp_id, @version, @operation, '', NULL, '', X'')`,
  );
  for (const row of kept) remove.run(row.bronze_rowid);
  for (const row of kept) {
    const id = slots[Number(row.bronze_rowid) - first]?.[4];
    insert.run(typeof id === "string" ? { ...row, bronze_id: null } : row);
  }
}

/**
 * The hash each of these rows' whole snapshots computes to: every snapshot of their WPs rebuilt (a row stores
 * what its chain does not hold, bronze-delta.ts), read before the rows change.
 */
function computedHashesOfWps(prepared: Prepare, rows: readonly Row[]): Map<string, string> {
  const wps = JSON.stringify([...new Set(rows.map((row) => row.wp_id))]);
  const all = prepared(
    "SELECT rowid AS bronze_rowid, * FROM bronze WHERE wp_id IN (SELECT value FROM json_each(?)) ORDER BY wp_id, version",
  ).all(wps) as Row[];
  return computedContentHashes(withContentHashes(bronzeFromTableRows(withBronzeBlocks(prepared, all))));
}

/** The latest version of each WP these rows are snapshots of. */
function latestVersions(prepared: Prepare, rows: readonly Row[]): Map<string, number> {
  const wps = JSON.stringify([...new Set(rows.map((row) => row.wp_id))]);
  const found = prepared(
    "SELECT wp_id, MAX(version) AS latest FROM bronze WHERE wp_id IN (SELECT value FROM json_each(?)) GROUP BY wp_id",
  ).all(wps) as Row[];
  return new Map(found.map((row) => [row.wp_id as string, Number(row.latest)]));
}

/** Bronze rows (selected with `rowid AS bronze_rowid`) with packed rows' values put back from their blocks. */
export function withBronzeBlocks(prepared: Prepare, rows: Row[]): Row[] {
  const firsts = bronzeBlocksOfRows(rows, "bronze_rowid");
  if (firsts.length === 0) return rows;
  const found = prepared(
    "SELECT first_rowid, body FROM bronze_blocks WHERE first_rowid IN (SELECT value FROM json_each(?))",
  ).all(JSON.stringify(firsts)) as Row[];
  return withBronzeSlots(
    rows,
    "bronze_rowid",
    new Map(found.map((row) => [Number(row.first_rowid), row.body])),
  );
}
