import { canonicalJson } from "../domain/canonical-json.js";
import {
  type BronzeInherited,
  bronzeFromDocs,
  type StoredBronze,
  storedBronzeRow,
} from "../domain/events/bronze-delta.js";
import type { BronzeSnapshot } from "../domain/events/bronze-history.js";
import type { TrackedWorkPacket } from "../domain/records.js";
import { packText, plainText, unpackText } from "./stored-json.js";

// The doc column of the bronze table, the same in both backends (SQLite BLOB, PostgreSQL bytea), issue 20: the
// row (what its chain does not hold yet, bronze-delta.ts) without the fields the table's own columns hold
// (bronze_id, content_hash, created_at, wp_id, version, operation, previous_bronze_id) and without its
// vector_clock when that is its snapshot's, packed by the stored JSON codec. A reader puts them back in the order
// makeBronze writes them, so a snapshot reads back byte for byte; a snapshot whose keys are in another order is
// stored whole. A doc that holds bronze_id (every row written before issue 20) is read as it is.

/** The keys of a snapshot as makeBronze writes them; `previous_bronze_id` ends the first of each chain's rows. */
const SNAPSHOT_KEYS = [
  "bronze_id",
  "content_type",
  "content_hash",
  "created_at",
  "wp_id",
  "version",
  "operation",
  "snapshot",
  "vector_clock",
  "previous_bronze_id",
];

/** A bronze table row as read: its columns and the doc column. */
export type BronzeTableRow = Record<string, unknown>;

const inMakeBronzeOrder = (b: BronzeSnapshot): boolean => {
  const keys = Object.keys(b);
  return keys.every((key, i) => key === SNAPSHOT_KEYS[i]) && keys.length >= SNAPSHOT_KEYS.length - 1;
};

/** The text the doc column of snapshot `b` packs; `inherited` counts what it shares with the one before it. */
export function bronzeDocText(b: BronzeSnapshot, inherited?: BronzeInherited): string {
  const row = storedBronzeRow(b, inherited);
  if (!inMakeBronzeOrder(b)) return JSON.stringify(row);
  const ownClock = canonicalJson(b.vector_clock) !== canonicalJson(b.snapshot.vector_clock);
  const body: Record<string, unknown> = { content_type: row.content_type, snapshot: row.snapshot };
  if (ownClock) body.vector_clock = row.vector_clock;
  if (row.inherited !== undefined) body.inherited = row.inherited;
  return JSON.stringify(body);
}

/**
 * The values of the bronze table's columns other than the doc (and PostgreSQL's workspace), in the order both
 * backends insert them: bronze_id, wp_id, version, operation, content_hash, previous_bronze_id, created_at.
 */
export const bronzeColumnValues = (b: BronzeSnapshot): unknown[] => [
  b.bronze_id,
  b.wp_id,
  b.version,
  b.operation,
  b.content_hash,
  b.previous_bronze_id ?? null,
  b.created_at,
];

/** The doc column of snapshot `b`; `inherited` counts what it shares with the snapshot before it. */
export const bronzeDocColumn = (b: BronzeSnapshot, inherited?: BronzeInherited): Buffer =>
  packText(bronzeDocText(b, inherited));

/**
 * The doc columns of whole snapshots (a sync's) as their text, not packed: on SQLite, where maintenance packs
 * cold rows in blocks (`locus compact`, the git hooks, the idle time of `locus serve` and `locus mcp`), deflating
 * each row first would be paid twice, and a bulk pull paid most of it (issue 12).
 */
export const bronzeDocTexts = (snapshots: readonly BronzeSnapshot[]): Buffer[] =>
  snapshots.map((b) => plainText(bronzeDocText(b)));

/** A stored row with the fields its columns hold put back, in makeBronze's order. */
function rowFromColumns(row: BronzeTableRow): StoredBronze {
  const body = JSON.parse(unpackText(row.doc)) as Partial<StoredBronze>;
  if (body.bronze_id !== undefined) return body as StoredBronze;
  const snapshot = body.snapshot as TrackedWorkPacket;
  const whole: Record<string, unknown> = {
    bronze_id: row.bronze_id,
    content_type: body.content_type,
    content_hash: row.content_hash,
    created_at: row.created_at,
    wp_id: row.wp_id,
    version: Number(row.version),
    operation: row.operation,
    snapshot,
    vector_clock: body.vector_clock ?? Object.assign({}, snapshot.vector_clock),
  };
  if (row.previous_bronze_id != null) whole.previous_bronze_id = row.previous_bronze_id;
  if (body.inherited !== undefined) whole.inherited = body.inherited;
  return whole as unknown as StoredBronze;
}

/** Whole snapshots from bronze table rows (all columns) given in chain order (each WP's rows by version). */
export const bronzeFromTableRows = (rows: readonly BronzeTableRow[]): BronzeSnapshot[] =>
  bronzeFromDocs(rows.map(rowFromColumns));

/** The WP a doc column holds (its own notes only when the row inherits: what search reads of it). */
export const snapshotOfDocColumn = (doc: unknown): TrackedWorkPacket =>
  (JSON.parse(unpackText(doc)) as { snapshot: TrackedWorkPacket }).snapshot;
