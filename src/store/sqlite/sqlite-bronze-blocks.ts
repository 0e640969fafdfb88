import type Database from "better-sqlite3";
import { canonicalSha256 } from "../../domain/canonical-json.js";
import { bronzeFromTableRows } from "../bronze-rows.js";
import type { BronzeSnapshot } from "../store-port.js";
import { packBlockText, unpackText } from "../stored-json.js";
import { packColdSeries } from "./sqlite-cold-series.js";

// Issue 20, third part, on SQLite: cold Bronze rows packed in blocks, as cold events are (sqlite-payload-blocks.ts),
// by maintenance only (compact-store.ts). A Bronze row is ~450 bytes: its doc (deflated alone with the preset
// dictionary, ~285 bytes), content hash as hex, previous id and time as text. Rows of one block (128 by rowid, the
// order they were written: a WP's snapshots sit together) deflated together with the same dictionary keep ~25%
// of that (measured: 2,219 -> 539 bytes per WP of the standard day). The block holds each row's doc text (as
// stored, every form bronze-rows.ts reads), content_hash, previous_bronze_id and created_at; the packed row keeps
// what queries select on (bronze_id, wp_id, version, operation) and an empty doc. A reader puts the block's
// values back before bronze-rows.ts reads the row, so every snapshot reads back byte for byte, matching its
// content hash. A block is packed once the table holds BRONZE_COLD rows after its last one. PostgreSQL does not
// pack (an UPDATE there leaves dead row versions, DECISIONS). Fifth part: a packed row that is not its WP's latest
// snapshot also leaves its bronze_id to the block (the column NULL, which the primary key's index holds in a few
// bytes instead of ~35): no query looks a snapshot up by its id, and the latest one, whose id every WP write reads
// (lastBronzeId), keeps it in its row. Blocks packed before hold no id, and their rows keep theirs.
// Sixth part: the block holds the first 8 hex digits of a row's content hash when the whole snapshot computes to
// the hash stored (a row edited before packing keeps it whole): the reader computes the hash of the snapshot it
// rebuilt, and one whose content no longer computes to those digits reads with them and zeros, which is not its
// content's hash, so the edit shows (withContentHashes).

/** The hex digits of a content hash a block keeps when the snapshot computes to it. */
export const SHORT_CONTENT_HASH = 8;

/** The rows a Bronze block covers: rowids first .. first + BRONZE_BLOCK - 1, first = k * BRONZE_BLOCK + 1. */
export const BRONZE_BLOCK = 128;
/** How many rows after a block's last one must exist before it is packed (recent rows stay as written). */
export const BRONZE_COLD = 128;

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;
/**
 * What a block holds for one row: doc text, content_hash, previous_bronze_id, created_at, and (fifth part) the
 * bronze_id when the row left it to the block; null: not held.
 */
type Slot = [string, string, string | null, string, (string | null)?] | null;

const isPacked = (doc: unknown): boolean =>
  (typeof doc === "string" || Buffer.isBuffer(doc)) && doc.length === 0;
const blockOf = (rowid: number): number => Math.floor((rowid - 1) / BRONZE_BLOCK) * BRONZE_BLOCK + 1;

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
  const slots: Slot[] = new Array(BRONZE_BLOCK).fill(null);
  const kept = rows.filter((row) => !isPacked(row.doc));
  if (kept.length === 0) return;
  const latest = latestVersions(prepared, kept);
  const computed = computedContentHashes(prepared, kept);
  for (const row of kept) {
    const superseded = Number(row.version) < (latest.get(row.wp_id as string) ?? 0);
    const hash = row.content_hash as string;
    slots[Number(row.bronze_rowid) - first] = [
      unpackText(row.doc),
      computed.get(`${row.wp_id}\n${row.version}`) === hash ? hash.slice(0, SHORT_CONTENT_HASH) : hash,
      (row.previous_bronze_id as string | null) ?? null,
      row.created_at as string,
      superseded && typeof row.bronze_id === "string" ? row.bronze_id : null,
    ];
  }
  const block = prepared("INSERT OR IGNORE INTO bronze_blocks (first_rowid, body) VALUES (?, ?)");
  if (block.run(first, packBlockText(JSON.stringify(slots))).changes === 0) return; // packed already
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
 * The hash each of these rows' whole snapshots computes to, by wp_id and version: every snapshot of their WPs
 * rebuilt (a row stores what its chain does not hold, bronze-delta.ts), read before the rows change.
 */
function computedContentHashes(prepared: Prepare, rows: readonly Row[]): Map<string, string> {
  const wps = JSON.stringify([...new Set(rows.map((row) => row.wp_id))]);
  const all = prepared(
    "SELECT rowid AS bronze_rowid, * FROM bronze WHERE wp_id IN (SELECT value FROM json_each(?)) ORDER BY wp_id, version",
  ).all(wps) as Row[];
  const computed = new Map<string, string>();
  for (const b of withContentHashes(bronzeFromTableRows(withBronzeBlocks(prepared, all))))
    computed.set(`${b.wp_id}\n${b.version}`, canonicalSha256(b.snapshot));
  return computed;
}

/**
 * Snapshots with the whole content hash of those whose block kept its first digits: the hash of the snapshot
 * rebuilt when it begins with them, else those digits and zeros (not a hash its content has: the edit shows).
 */
export function withContentHashes(snapshots: BronzeSnapshot[]): BronzeSnapshot[] {
  for (const b of snapshots) {
    if (b.content_hash.length !== SHORT_CONTENT_HASH) continue;
    const hash = canonicalSha256(b.snapshot);
    b.content_hash = hash.startsWith(b.content_hash) ? hash : b.content_hash.padEnd(64, "0");
  }
  return snapshots;
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
  const firsts = [
    ...new Set(rows.filter((r) => isPacked(r.doc)).map((r) => blockOf(Number(r.bronze_rowid)))),
  ];
  if (firsts.length === 0) return rows;
  const found = prepared(
    "SELECT first_rowid, body FROM bronze_blocks WHERE first_rowid IN (SELECT value FROM json_each(?))",
  ).all(JSON.stringify(firsts)) as Row[];
  const blocks = new Map(found.map((row) => [Number(row.first_rowid), slotsOf(row.body)]));
  for (const row of rows) {
    if (!isPacked(row.doc)) continue;
    const rowid = Number(row.bronze_rowid);
    const slot = blocks.get(blockOf(rowid))?.[rowid - blockOf(rowid)];
    if (!Array.isArray(slot)) continue; // a block dropped outside Locus: the empty doc fails to read
    [row.doc, row.content_hash, row.previous_bronze_id, row.created_at] = slot;
    if (row.bronze_id == null && typeof slot[4] === "string") row.bronze_id = slot[4];
  }
  return rows;
}

function slotsOf(body: unknown): Slot[] {
  try {
    const slots = JSON.parse(unpackText(body));
    return Array.isArray(slots) ? slots : [];
  } catch {
    return []; // a block edited outside Locus: its rows fail to read
  }
}
