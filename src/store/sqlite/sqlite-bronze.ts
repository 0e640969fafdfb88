import type Database from "better-sqlite3";
import type { BronzeInherited } from "../../domain/events/bronze-delta.js";
import { withContentHashes } from "../bronze-blocks.js";
import { bronzeColumnValues, bronzeDocColumn, bronzeDocTexts, bronzeFromTableRows } from "../bronze-rows.js";
import type { BronzeSnapshot } from "../store-port.js";
import { withBronzeBlocks } from "./sqlite-bronze-blocks.js";

// Section 9 on SQLite: Bronze snapshots, one per WP write (a row stores only what its previous snapshot does not
// hold, bronze-delta.ts), many at once for a sync (their docs left unpacked for the cold blocks), and read back
// whole.
// The twin of postgres/postgres-bronze.ts.

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

const INSERT_BRONZE = `INSERT INTO bronze (bronze_id, wp_id, version, operation, content_hash, previous_bronze_id,
  created_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

function insertBronze(prepared: Prepare, b: BronzeSnapshot, doc: Buffer): void {
  prepared(INSERT_BRONZE).run(...bronzeColumnValues(b), doc);
}

/** One snapshot; `inherited` counts what it shares with the snapshot before it. */
export function putBronze(prepared: Prepare, b: BronzeSnapshot, inherited?: BronzeInherited): void {
  insertBronze(prepared, b, bronzeDocColumn(b, inherited));
}

/** Whole Bronze snapshots (nothing inherited). */
export function putBronzes(prepared: Prepare, snapshots: readonly BronzeSnapshot[]): void {
  const docs = bronzeDocTexts(snapshots);
  snapshots.forEach((b, i) => {
    insertBronze(prepared, b, docs[i] as Buffer);
  });
}

/** The id of a WP's last snapshot (kept in its row even when packed, sqlite-bronze-blocks.ts). */
export function lastBronzeId(prepared: Prepare, wpId: string): string | undefined {
  const row = prepared(
    "SELECT rowid AS bronze_rowid, bronze_id, doc FROM bronze WHERE wp_id = ? ORDER BY version DESC LIMIT 1",
  ).get(wpId) as Row | undefined;
  if (row === undefined) return undefined;
  if (row.bronze_id == null) withBronzeBlocks(prepared, [row]); // never expected: the block holds it then
  return row.bronze_id as string | undefined;
}

/** Every snapshot of a WP (all WPs when omitted), oldest first, whole. */
export function bronzeSnapshots(prepared: Prepare, wpId?: string): BronzeSnapshot[] {
  const rows = (
    wpId === undefined
      ? prepared("SELECT rowid AS bronze_rowid, * FROM bronze ORDER BY wp_id, version").all()
      : prepared("SELECT rowid AS bronze_rowid, * FROM bronze WHERE wp_id = ? ORDER BY version").all(wpId)
  ) as Row[];
  // Issue 20: packed rows put back whole, with the content hashes their blocks keep the first digits of.
  return withContentHashes(bronzeFromTableRows(withBronzeBlocks(prepared, rows)));
}
