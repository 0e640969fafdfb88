import { hashFromColumn, uuidFromColumn } from "../event-rows.js";
import { boundMs } from "../event-timestamps.js";
import type { PurgeCandidate } from "../store-port.js";
import { eventNameIn, eventNameOf, timestampBefore } from "./postgres-event-forms.js";
import { jobIs } from "./postgres-job-index.js";
import { forgetPayloads } from "./postgres-payload-blocks.js";

// Section 16, retention, on the PostgreSQL backend (twin of sqlite-retention.ts): which events a purge may
// remove, and the move of their seq, uuid and hash into purged_events under the checkpoint that removed them.
// `rows` runs a statement with `$1` bound to the workspace.

type Rows = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/** The events a purge may remove (the decisions only of jobs that recorded nothing else). */
const PURGEABLE = ["work_query_executed", "capability_decision"];

/** Query events, and decisions of jobs that recorded nothing else, older than `before`; oldest first. */
export async function purgeCandidates(rows: Rows, before: string): Promise<PurgeCandidate[]> {
  const found = await rows(
    `SELECT e.seq, e.event_uuid, ${eventNameOf("e")} AS event_name, e.hash FROM events e
     WHERE e.workspace_id = $1 AND ${timestampBefore("e", "$2", "$3")} AND ${eventNameIn("e", PURGEABLE)}
       AND (${eventNameIn("e", ["work_query_executed"])} OR NOT EXISTS (
         SELECT 1 FROM events s WHERE s.workspace_id = $1 AND ${jobIs("e.job_id", "s.job_id")}
           AND NOT ${eventNameIn("s", PURGEABLE)}))
     ORDER BY e.seq`,
    [before, boundMs(before)],
  );
  return found.map((row) => ({
    ...(row as unknown as PurgeCandidate),
    seq: Number(row.seq),
    event_uuid: uuidFromColumn(row.event_uuid),
    hash: hashFromColumn(row.hash),
  }));
}

/** Removes the events' rows, keeping their seq, uuid and hash under `checkpointSeq`, in one statement. */
export async function purgeEvents(
  rows: Rows,
  events: readonly PurgeCandidate[],
  checkpointSeq: number,
): Promise<void> {
  if (events.length === 0) return;
  await rows(
    // purged_events keeps text; the uuids and hashes come decoded from the candidates, for the rows deleted.
    `WITH gone AS (DELETE FROM events WHERE workspace_id = $1 AND seq = ANY($2::bigint[]) RETURNING seq)
     INSERT INTO purged_events (workspace_id, seq, event_uuid, hash, checkpoint_seq)
       SELECT $1, t.seq, t.event_uuid, t.hash, $3
         FROM unnest($2::bigint[], $4::text[], $5::text[]) AS t (seq, event_uuid, hash) JOIN gone USING (seq)`,
    [
      events.map((event) => event.seq),
      checkpointSeq,
      events.map((event) => event.event_uuid),
      events.map((event) => event.hash),
    ],
  );
  // Issue 20, ninth part: a packed event's texts leave its block with it (retention must not keep them).
  await forgetPayloads(
    rows,
    events.map((event) => event.seq),
  );
}
