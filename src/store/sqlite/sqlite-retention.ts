import type Database from "better-sqlite3";
import { hashFromColumn, uuidFromColumn } from "../event-rows.js";
import type { PurgeCandidate } from "../store-port.js";
import {
  termInSqlite,
  termTextSqlite,
  timestampBeforeSqlite,
  timestampBound,
} from "./sqlite-event-columns.js";
import { heldJobSqlite, jobEventSeqsSqlite, keepHeldJob } from "./sqlite-event-jobs.js";
import { hashesAt, isShort } from "./sqlite-event-reads.js";
import { forgetPayloads } from "./sqlite-payload-blocks.js";

// Section 16, retention, on the SQLite backend: which events a purge may remove, and the move of their seq, uuid
// and hash into purged_events under the checkpoint that removed them.

type Prepare = (sql: string) => Database.Statement;

/** The events retention may remove (section 16). */
const PURGEABLE = ["work_query_executed", "capability_decision"];

/** Query events, and decisions of jobs that recorded nothing else, older than `before`; oldest first. */
export function purgeCandidates(prepared: Prepare, before: string): PurgeCandidate[] {
  return prepared(
    `SELECT e.seq, e.event_uuid, ${termTextSqlite("e.event_name")} AS event_name, e.hash FROM events e
     WHERE ${timestampBeforeSqlite("e")} AND ${termInSqlite("e.event_name", PURGEABLE)}
       AND (${termInSqlite("e.event_name", ["work_query_executed"])} OR NOT EXISTS (
         SELECT 1 FROM events s WHERE s.seq IN (${jobEventSeqsSqlite(`jh.job_id = ${heldJobSqlite("e")}`)})
           AND NOT ${termInSqlite("s.event_name", PURGEABLE)}))
     ORDER BY e.seq`,
  )
    .all(...timestampBound(before))
    .map((row) => withWholeHash(prepared, row as Record<string, unknown>));
}

/** A candidate with its hash whole: a packed row keeping 4 bytes of it has it computed (sqlite-event-reads.ts). */
function withWholeHash(prepared: Prepare, row: Record<string, unknown>): PurgeCandidate {
  const { seq, event_uuid, event_name, hash } = row;
  return {
    seq,
    event_uuid: uuidFromColumn(event_uuid),
    event_name,
    hash: isShort(hash) ? hashesAt(prepared, [Number(seq)]).get(Number(seq)) : hashFromColumn(hash),
  } as PurgeCandidate;
}

/** Removes the events' rows, keeping their seq, uuid and hash under `checkpointSeq`. */
export function purgeEvents(
  prepared: Prepare,
  events: readonly PurgeCandidate[],
  checkpointSeq: number,
): void {
  const keep = prepared(
    "INSERT INTO purged_events (seq, event_uuid, hash, checkpoint_seq) VALUES (?, ?, ?, ?)",
  );
  const remove = prepared("DELETE FROM events WHERE seq = ?");
  for (const event of [...events].sort((a, b) => a.seq - b.seq)) {
    keep.run(event.seq, event.event_uuid, event.hash, checkpointSeq);
    keepHeldJob(prepared, event.seq); // the row after may read its job_id through this one (fifth part)
    remove.run(event.seq);
  }
  forgetPayloads(
    prepared,
    events.map((event) => event.seq),
  );
}
