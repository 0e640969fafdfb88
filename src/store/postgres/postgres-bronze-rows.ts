import { createHash } from "node:crypto";
import {
  BRONZE_BLOCK,
  type BronzeSlot,
  bronzeBlockBody,
  bronzeBlocksOfRows,
  bronzeSlotsOf,
  isPackedBronze,
  withContentHashes,
  withSlotsOfBlocks,
} from "../bronze-blocks.js";
import { bronzeFromTableRows } from "../bronze-rows.js";
import { hashFromColumn } from "../event-rows.js";
import type { BronzeSnapshot } from "../store-port.js";
import { withBronzeKeysRead } from "./postgres-key-forms.js";

// Issue 20, seventeenth part (PostgreSQL migration 21): a packed snapshot that is not its WP's latest keeps no row
// in `bronze`, as SQLite's packed rows keep little since its fifth part. A block written since holds every slot
// whole (the bronze_id, wp_id, version and operation beside the doc, content hash, previous id and created_at of
// the tenth part) and `wp_keys`, a 32-bit key of each WP it holds: a WP's history finds its blocks by them, in a
// scan of the blocks' rows (their bodies are stored apart: ~1.5 ms at 100K WPs; a GIN index would cost ~60 bytes
// a WP for reads no job makes, DECISIONS "seventeenth part"). Each WP's latest snapshot keeps its row, packed or
// not: every WP write reads its id (GET_WP, lastBronzeId) and the search rebuild reads each WP's latest
// (latestSnapshots), by the primary key, as before. Blocks written before (`wp_keys` NULL) kept a row for every
// slot; maintenance makes them whole before it packs anything more (wholeBlocks), so a row is only ever left out
// once its block holds all of it. Readers read rows and blocks together and give back the same snapshots in the
// same order (wp_id, version, then the order written).

type Row = Record<string, unknown>;
type Rows = (sql: string, values?: unknown[]) => Promise<Row[]>;

/** Migration 21: the blocks' WP keys (blocks written before keep NULL); reruns safely. */
export const BRONZE_ROWS_MIGRATION = `
  ALTER TABLE bronze_blocks ADD COLUMN IF NOT EXISTS wp_keys INT[];
`;

/** The 32-bit key of a WP in `wp_keys` (two WPs may share one: readers check the slot's wp_id). */
export const wpKeyOf = (wpId: string): number => createHash("sha256").update(wpId).digest().readInt32BE(0);

/** The whole slot of unpacked row `row` (keys as text) given its tenth-part slot. */
export function wholeSlot(row: Row, slot: NonNullable<BronzeSlot>): BronzeSlot {
  const [doc, hash, previous, createdAt] = slot;
  return [
    doc,
    hash,
    previous,
    createdAt,
    row.bronze_id as string,
    row.wp_id as string,
    Number(row.version),
    row.operation as string,
  ];
}

/** The body and WP keys of a block of whole slots. */
export function wholeBlockColumns(slots: readonly BronzeSlot[]): [Buffer, number[]] {
  const wps = new Set(slots.flatMap((slot) => (slot?.[5] === undefined ? [] : [slot[5]])));
  return [bronzeBlockBody(slots), [...wps].map(wpKeyOf).sort((a, b) => a - b)];
}

/**
 * Deletes the rows of `wpIds` that are not their WP's latest and whose blocks hold them whole: those of orders
 * `from`..`to` (a block just written whole) and, with `olderPacked`, every packed one (every block is whole then).
 */
export async function leaveRowsToBlocks(
  rows: Rows,
  wpIds: readonly string[],
  from: number,
  to: number,
  olderPacked: boolean,
): Promise<void> {
  await rows(
    `DELETE FROM bronze b WHERE b.workspace_id = $1 AND b.wp_id = ANY($2::text[])
       AND (b.bronze_order BETWEEN $3 AND $4 OR ($5 AND length(b.doc) = 0))
       AND b.version < (SELECT max(n.version) FROM bronze n WHERE n.workspace_id = $1 AND n.wp_id = b.wp_id)`,
    [wpIds, from, to, olderPacked],
  );
}

/**
 * Makes up to `maxBlocks` blocks written before migration 21 whole (oldest first), leaving their WPs' older rows
 * to them; says how many and whether more remain.
 */
export async function wholeBlocks(rows: Rows, maxBlocks: number): Promise<{ packed: number; more: boolean }> {
  const found = await rows(
    `SELECT first_order, body FROM bronze_blocks WHERE workspace_id = $1 AND wp_keys IS NULL
     ORDER BY first_order LIMIT $2`,
    [maxBlocks + 1],
  );
  const now = found.slice(0, maxBlocks);
  for (const block of now) await wholeBlock(rows, Number(block.first_order), bronzeSlotsOf(block.body));
  return { packed: now.length, more: found.length > maxBlocks };
}

async function wholeBlock(rows: Rows, first: number, slots: BronzeSlot[]): Promise<void> {
  const last = first + BRONZE_BLOCK - 1;
  const packed = await rows(
    `SELECT bronze_order, bronze_id, wp_id, version, operation FROM bronze
     WHERE workspace_id = $1 AND bronze_order BETWEEN $2 AND $3 AND length(doc) = 0`,
    [first, last],
  );
  const whole: BronzeSlot[] = new Array(BRONZE_BLOCK).fill(null); // a slot without its row did not read before either
  for (const row of packed) {
    const at = Number(row.bronze_order) - first;
    const slot = slots[at];
    if (Array.isArray(slot)) whole[at] = wholeSlot(withBronzeKeysRead(row), slot);
  }
  const [body, keys] = wholeBlockColumns(whole);
  await rows(
    "UPDATE bronze_blocks SET body = $3, wp_keys = $4 WHERE workspace_id = $1 AND first_order = $2",
    [first, body, keys],
  );
  const wpIds = [...new Set(packed.map((row) => row.wp_id as string))];
  await leaveRowsToBlocks(rows, wpIds, first, last, false);
}

/** A row of `bronze` as selected, from whole slot `slot` at order `order`. */
const rowOfSlot = (slot: NonNullable<BronzeSlot>, order: number): Row => ({
  bronze_id: slot[4],
  wp_id: slot[5],
  version: slot[6],
  operation: slot[7],
  content_hash: slot[1],
  previous_bronze_id: slot[2],
  created_at: slot[3],
  doc: slot[0],
  bronze_order: order,
});

/** Orders rows as `ORDER BY wp_id, version, bronze_order` does (wp_id in the "C" collation: by its UTF-8 bytes). */
function sortedAsSelected(all: Row[]): Row[] {
  const keys = new Map(all.map((row) => [row, Buffer.from(row.wp_id as string)]));
  return all.sort(
    (a, b) =>
      Buffer.compare(keys.get(a) as Buffer, keys.get(b) as Buffer) ||
      Number(a.version) - Number(b.version) ||
      Number(a.bronze_order) - Number(b.bronze_order),
  );
}

/**
 * Every snapshot of the workspace (`wpIds` omitted) or of these WPs, whole, each WP's by version: their rows, the
 * packed ones put back from their blocks, and the snapshots their blocks alone hold.
 */
export async function snapshotsWithBlocks(rows: Rows, wpIds?: readonly string[]): Promise<BronzeSnapshot[]> {
  const found =
    wpIds === undefined
      ? await rows("SELECT * FROM bronze WHERE workspace_id = $1 ORDER BY wp_id, version, bronze_order")
      : await rows(
          `SELECT * FROM bronze WHERE workspace_id = $1 AND wp_id = ANY($2::text[])
           ORDER BY wp_id, version, bronze_order`,
          [wpIds],
        );
  // Keys as text (fifteenth part); unpacked rows' hashes from their bytes, packed rows' from their blocks.
  for (const row of found) withBronzeKeysRead(row);
  for (const row of found) if (!isPackedBronze(row.doc)) row.content_hash = hashFromColumn(row.content_hash);
  const blocks =
    wpIds === undefined
      ? await rows(
          "SELECT first_order, body, wp_keys IS NOT NULL AS whole FROM bronze_blocks WHERE workspace_id = $1",
        )
      : await rows(
          `SELECT first_order, body, wp_keys IS NOT NULL AS whole FROM bronze_blocks WHERE workspace_id = $1
             AND (first_order = ANY($2::bigint[]) OR wp_keys && $3::int[])`,
          [bronzeBlocksOfRows(found, "bronze_order"), wpIds.map(wpKeyOf)],
        );
  if (blocks.length === 0) return withContentHashes(bronzeFromTableRows(found));
  const slots = new Map(blocks.map((block) => [Number(block.first_order), bronzeSlotsOf(block.body)]));
  withSlotsOfBlocks(found, "bronze_order", slots);
  const written = new Set(found.map((row) => Number(row.bronze_order)));
  const wanted = wpIds === undefined ? undefined : new Set(wpIds);
  const onlyInBlocks: Row[] = [];
  for (const block of blocks) {
    if (block.whole !== true) continue;
    const first = Number(block.first_order);
    (slots.get(first) ?? []).forEach((slot, at) => {
      if (!Array.isArray(slot) || typeof slot[5] !== "string" || written.has(first + at)) return;
      if (wanted === undefined || wanted.has(slot[5])) onlyInBlocks.push(rowOfSlot(slot, first + at));
    });
  }
  const all = onlyInBlocks.length === 0 ? found : sortedAsSelected([...found, ...onlyInBlocks]);
  return withContentHashes(bronzeFromTableRows(all));
}
