import {
  blockBody,
  blockOf,
  blocksOfRows,
  blockWithout,
  PAYLOAD_BLOCK,
  PAYLOAD_COLD,
  withBlockPayloads,
} from "../event-payload-blocks.js";
import { packColdSeries } from "./postgres-cold-series.js";
import { EventTerms, PACK_ROWS, packedForms } from "./postgres-event-forms.js";

// Issue 20, ninth part: cold events' payloads (and the other columns no query selects on) packed in blocks on the
// PostgreSQL backend, the twin of sqlite-payload-blocks.ts over the shared event-payload-blocks.ts, in the table
// event_payload_blocks (migration 14), by maintenance, never by a job. A packed row is UPDATEd in place to empty
// cold columns (and, since the twelfth part, the smaller forms of postgres-event-forms.ts, in the same UPDATE: no
// second row version): its old version is dead space until VACUUM. `locus compact` without a bound then rewrites `events`
// with VACUUM FULL (postgres-free-space.ts), so the measure counts only the packed rows; bounded packing (git
// hooks, idle time) leaves the dead versions to autovacuum, which makes them reusable by the rows written next.
// `rows` runs a statement with `$1` bound to the workspace (as postgres-retention.ts's).

type Row = Record<string, unknown>;
type Rows = (sql: string, values: unknown[]) => Promise<Row[]>;

/** Migration 14: the blocks of one workspace's cold events; reruns safely (a store whose version was set back). */
export const PAYLOAD_BLOCKS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS event_payload_blocks (
    workspace_id TEXT COLLATE "C" NOT NULL,
    first_seq BIGINT NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (workspace_id, first_seq)
  );
`;

/**
 * Packs up to `maxBlocks` cold blocks not packed yet, oldest first, in the caller's write transaction (the
 * workspace lock held). A block is cold once the head is PAYLOAD_COLD events past its last seq; meta's
 * `packed_before_seq` holds the first seq of the next block to pack.
 */
export async function packColdBlocks(
  rows: Rows,
  head: number,
  maxBlocks: number,
): Promise<{ packed: number; more: boolean }> {
  const terms = new EventTerms(rows);
  const series = {
    metaKey: "packed_before_seq",
    last: head,
    size: PAYLOAD_BLOCK,
    cold: PAYLOAD_COLD,
    pack: (first: number) => packBlock(rows, first, terms),
  };
  return packColdSeries(rows, series, maxBlocks);
}

/**
 * Packs block `first` (its rows still unpacked; rows packed already stay as they are), its rows taking the
 * smaller forms of postgres-event-forms.ts (twelfth part) in the same UPDATE.
 */
async function packBlock(rows: Rows, first: number, terms: EventTerms): Promise<void> {
  const last = first + PAYLOAD_BLOCK - 1;
  const found = await rows(
    `SELECT seq, payload, event_id, trace_id, protocol_id, actor_id, event_uuid, event_name, replica_id, timestamp
       FROM events WHERE workspace_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`,
    [first, last],
  );
  const packed = blockBody(first, found);
  if (packed === undefined) return;
  const kept = await rows(
    `INSERT INTO event_payload_blocks (workspace_id, first_seq, body) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING first_seq`,
    [first, packed.body],
  );
  if (kept.length === 0) return; // packed already (a block is written once)
  const seqs = new Set(packed.seqs);
  const packing = found.filter((row) => seqs.has(Number(row.seq)));
  await rows(PACK_ROWS, await packedForms(terms, packing));
}

/** Puts the cold columns of packed rows back from their blocks (every reader of events rows calls this). */
export async function withBlocks(rows: Rows, found: Row[]): Promise<Row[]> {
  const blocks = blocksOfRows(found);
  if (blocks.length === 0) return found;
  const bodies = await rows(
    "SELECT first_seq, body FROM event_payload_blocks WHERE workspace_id = $1 AND first_seq = ANY($2::bigint[])",
    [blocks],
  );
  return withBlockPayloads(found, new Map(bodies.map((row) => [Number(row.first_seq), row.body])));
}

/** Removes the texts of purged events from their blocks (retention must not keep what it removed). */
export async function forgetPayloads(rows: Rows, seqs: readonly number[]): Promise<void> {
  const byBlock = new Map<number, number[]>();
  for (const seq of seqs) byBlock.set(blockOf(seq), [...(byBlock.get(blockOf(seq)) ?? []), seq]);
  for (const [first, purged] of byBlock) {
    const found = await rows(
      "SELECT body FROM event_payload_blocks WHERE workspace_id = $1 AND first_seq = $2",
      [first],
    );
    if (found[0] === undefined) continue;
    const body = blockWithout(found[0].body, first, purged);
    if (body === undefined)
      await rows("DELETE FROM event_payload_blocks WHERE workspace_id = $1 AND first_seq = $2", [first]);
    else
      await rows("UPDATE event_payload_blocks SET body = $3 WHERE workspace_id = $1 AND first_seq = $2", [
        first,
        body,
      ]);
  }
}
