import { hashFromColumn, uuidBytes, uuidFromColumn } from "../event-rows.js";
import { boundMs } from "../event-timestamps.js";
import type { PurgeCandidate } from "../store-port.js";
import { blockMayHoldJobs, jobTimesOf } from "./postgres-block-jobs.js";
import {
  blockEvents,
  blockMayName,
  mergeBySeq,
  removeFromBlocks,
  timestampIsBefore,
} from "./postgres-event-blocks.js";
import { EventTerms, eventNameIn, eventNameOf, timestampBefore } from "./postgres-event-forms.js";
import { jobIsAnyOf } from "./postgres-job-index.js";
import { forgetPayloads } from "./postgres-payload-blocks.js";

// Section 16, retention, on the PostgreSQL backend (twin of sqlite-retention.ts): which events a purge may
// remove, and the move of their seq, uuid and hash into purged_events under the checkpoint that removed them.
// `rows` runs a statement with `$1` bound to the workspace.

type Rows = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>;

/** The events a purge may remove (the decisions only of jobs that recorded nothing else). */
const PURGEABLE: readonly string[] = ["work_query_executed", "capability_decision"];

/** Query events, and decisions of jobs that recorded nothing else, older than `before`; oldest first. */
export async function purgeCandidates(rows: Rows, before: string): Promise<PurgeCandidate[]> {
  const found = await rows(
    `SELECT e.seq, e.event_uuid, ${eventNameOf("e")} AS event_name, e.hash, e.job_id FROM events e
     WHERE e.workspace_id = $1 AND ${timestampBefore("e", "$2", "$3")} AND ${eventNameIn("e", PURGEABLE)}
     ORDER BY e.seq`,
    [before, boundMs(before)],
  );
  const fromRows = found.map((row) => ({
    seq: Number(row.seq),
    event_uuid: uuidFromColumn(row.event_uuid),
    event_name: row.event_name as PurgeCandidate["event_name"],
    hash: hashFromColumn(row.hash),
    job_id: uuidFromColumn(row.job_id),
  }));
  // Issue 20, sixteenth part: and the events in blocks, by the same rules.
  const inBlocks = await blockEvents(rows, {
    where: `(first_ms IS NULL OR first_ms < $5) AND ${blockMayName("$6")}`,
    values: [boundMs(before), PURGEABLE],
    keep: (record) => PURGEABLE.includes(record.event_name) && timestampIsBefore(record.timestamp, before),
  });
  const fromBlocks = inBlocks.map(({ event }) => ({
    seq: event.seq,
    event_uuid: event.event_uuid,
    event_name: event.event_name as PurgeCandidate["event_name"],
    hash: event.hash,
    job_id: event.job_id,
  }));
  const candidates = mergeBySeq(fromRows, fromBlocks);
  const decided = candidates.filter((event) => event.event_name === "capability_decision");
  const busy = await jobsWithOtherEvents([...new Set(decided.map((event) => event.job_id))], rows);
  return candidates
    .filter((event) => event.event_name === "work_query_executed" || !busy.has(event.job_id))
    .map(({ job_id: _, ...candidate }) => candidate);
}

/** Which of `jobIds` recorded an event a purge may not remove, in rows or blocks. */
async function jobsWithOtherEvents(jobIds: readonly string[], rows: Rows): Promise<Set<string>> {
  if (jobIds.length === 0) return new Set();
  const jobs = jobIds.map(uuidBytes);
  const found = await rows(
    `SELECT DISTINCT e.job_id FROM events e WHERE e.workspace_id = $1 AND ${jobIsAnyOf("$2")}
       AND NOT ${eventNameIn("e", PURGEABLE)}`,
    [jobs],
  );
  const busy = new Set(found.map((row) => uuidFromColumn(row.job_id)));
  const wanted = new Set(jobIds);
  const inBlocks = await blockEvents(rows, {
    where: blockMayHoldJobs("$5", "$6"),
    values: [jobs, jobTimesOf(jobIds)],
    keep: (record) => wanted.has(record.job_id) && !PURGEABLE.includes(record.event_name),
  });
  for (const { event } of inBlocks) busy.add(event.job_id);
  return busy;
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
  // Issue 20, sixteenth part: the events in blocks leave their blocks, and their seq, uuid and hash are kept.
  const inBlocks = await removeFromBlocks(
    rows,
    new EventTerms(rows),
    events.map((event) => event.seq),
  );
  const removed = events.filter((event) => inBlocks.has(event.seq));
  if (removed.length > 0)
    await rows(
      `INSERT INTO purged_events (workspace_id, seq, event_uuid, hash, checkpoint_seq)
       SELECT $1, t.seq, t.event_uuid, t.hash, $3 FROM unnest($2::bigint[], $4::text[], $5::text[]) AS t (seq, event_uuid, hash)`,
      [
        removed.map((event) => event.seq),
        checkpointSeq,
        removed.map((event) => event.event_uuid),
        removed.map((event) => event.hash),
      ],
    );
  // Issue 20, ninth part: a packed event's texts leave its block with it (retention must not keep them).
  await forgetPayloads(
    rows,
    events.map((event) => event.seq),
  );
}
