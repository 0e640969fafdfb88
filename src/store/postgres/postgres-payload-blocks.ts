import { blockOf, blocksOfRows, blockWithout, withBlockPayloads } from "../event-payload-blocks.js";

// Issue 20, ninth part: cold events' payloads (and the other columns no query selects on) packed in blocks on the
// PostgreSQL backend, the twin of sqlite-payload-blocks.ts over the shared event-payload-blocks.ts, in the table
// event_payload_blocks (migration 14), by maintenance, never by a job. A packed row is UPDATEd in place to empty
// cold columns (and, since the twelfth part, the smaller forms of postgres-event-forms.ts, in the same UPDATE: no
// second row version): its old version is dead space until VACUUM. `locus compact` without a bound then rewrites `events`
// with VACUUM FULL (postgres-free-space.ts), so the measure counts only the packed rows; bounded packing (git
// hooks, idle time) leaves the dead versions to autovacuum, which makes them reusable by the rows written next.
// Since the sixteenth part, compact moves cold events whole into blocks (postgres-event-packing.ts) and no longer
// packs this way; what stays here reads and purges the stores packed before. The packer that wrote these forms
// (packColdBlocks) is test/support/postgres-older-forms.ts, which makes such stores for the tests.
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
