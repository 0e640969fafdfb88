import type { BronzeInherited } from "../../domain/events/bronze-delta.js";
import { bronzeColumnValues, bronzeDocColumn, bronzeDocText } from "../bronze-rows.js";
import { hashBytes } from "../event-rows.js";
import type { BronzeSnapshot } from "../store-port.js";
import { plainText } from "../stored-json.js";
import { snapshotsWithBlocks } from "./postgres-bronze-rows.js";
import { bronzeIdBytes, bronzeIdFromColumn, operationBytes } from "./postgres-key-forms.js";

// Section 9 on PostgreSQL: Bronze snapshots, one per WP write (a row stores only what its previous snapshot does
// not hold, bronze-delta.ts), many at once for a sync, and read back whole.

type Rows = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;
/** Sends a write without waiting for it (postgres-pipeline.ts). */
type Write = (sql: string, values?: unknown[]) => Promise<void>;

// Issue 20, eighth part (migration 13): the content hash as bytes, in the forms of event-rows.ts's hash columns
// (32 bytes of a lowercase hex SHA-256, any other text as its UTF-8, behind a zero byte when it has that length),
// ~32 bytes less a snapshot. Read back as the text written, so every snapshot's hash is the one it was made with.

/** Migration 13: bronze.content_hash from text to bytes, as migration 10 did for the events' hashes (run again safely). */
export const BRONZE_HASH_MIGRATION = `
  DO $migration$ BEGIN
    IF (SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()
          AND table_name = 'bronze' AND column_name = 'content_hash') = 'text' THEN
      ALTER TABLE bronze ALTER COLUMN content_hash TYPE bytea USING CASE
        WHEN content_hash ~ '^[0-9a-f]{64}$' THEN decode(content_hash, 'hex')
        WHEN octet_length(content_hash) = 32 THEN decode('00', 'hex') || convert_to(content_hash, 'UTF8')
        ELSE convert_to(content_hash, 'UTF8') END;
    END IF;
  END $migration$;
`;

/** bronzeColumnValues with the content hash (eighth part), ids and operation (fifteenth part) as bytes. */
function columnValues(b: BronzeSnapshot): unknown[] {
  const values = bronzeColumnValues(b);
  values[0] = bronzeIdBytes(b.bronze_id);
  values[3] = operationBytes(b.operation);
  values[4] = hashBytes(b.content_hash);
  values[5] = b.previous_bronze_id === undefined ? null : bronzeIdBytes(b.previous_bronze_id);
  return values;
}

/**
 * One snapshot; `inherited` counts what it shares with the snapshot before it. A job's snapshot is written as its
 * text, like its events' payloads: maintenance packs the cold ones in blocks (tenth part), and a deflate made a
 * fresh zlib context in every write job (issue 16). Snapshots written many at once (`putBronzes`: a sync, an
 * import) are deflated, as they may wait long for the next compact.
 */
export async function putBronze(write: Write, b: BronzeSnapshot, inherited?: BronzeInherited): Promise<void> {
  await write(
    `INSERT INTO bronze (workspace_id, bronze_id, wp_id, version, operation, content_hash, previous_bronze_id,
       created_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [...columnValues(b), plainText(bronzeDocText(b, inherited))],
  );
}

/** Whole Bronze snapshots (nothing inherited from the one before). */
export async function putBronzes(write: Write, snapshots: readonly BronzeSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const docs = snapshots.map((b) => bronzeDocColumn(b));
  const rows = snapshots.map(columnValues);
  // One array a column, for unnest.
  const columns = (rows[0] as unknown[]).map((_, at) => rows.map((row) => row[at]));
  await write(
    `INSERT INTO bronze (workspace_id, bronze_id, wp_id, version, operation, content_hash, previous_bronze_id,
       created_at, doc)
     SELECT $1, * FROM unnest($2::bytea[], $3::text[], $4::int[], $5::bytea[], $6::bytea[], $7::bytea[], $8::text[],
       $9::bytea[])`,
    [...columns, docs],
  );
}

/** Every snapshot of a WP (all WPs when omitted), oldest first, whole. */
export async function bronzeSnapshots(rows: Rows, wpId?: string): Promise<BronzeSnapshot[]> {
  // Issue 20, tenth part: packed rows put back from their blocks; seventeenth: snapshots only blocks hold
  // (postgres-bronze-rows.ts).
  return snapshotsWithBlocks(rows, wpId === undefined ? undefined : [wpId]);
}

/** The id of a WP's latest snapshot (undefined: none), by the primary key (workspace_id, wp_id, version, ...). */
export async function lastBronzeIdOf(rows: Rows, wpId: string): Promise<string | undefined> {
  const found = await rows(
    "SELECT bronze_id FROM bronze WHERE workspace_id = $1 AND wp_id = $2 ORDER BY version DESC LIMIT 1",
    [wpId],
  );
  return bronzeIdFromColumn(found[0]?.bronze_id) ?? undefined;
}
