import type Database from "better-sqlite3";
import {
  hashFromColumn,
  storedClock,
  storedHash,
  storedPayload,
  storedPrevHash,
  storedUuid,
} from "../event-rows.js";
import { eventWpIds } from "../event-wp-ids.js";
import type { StoredEvent } from "../store-port.js";

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/**
 * A job's (or a sync's) sealed events appended to the log, in the forms of event-rows.ts, and the chain head moved
 * past them in `meta` (head_sequence only when this replica wrote one of them): the twin of PostgreSQL's
 * APPEND_EVENTS.
 */
export function appendEventRows(prepared: Prepare, events: readonly StoredEvent[], replicaId: string): void {
  if (events.length === 0) return;
  const insert = prepared(
    `INSERT INTO events (seq, event_uuid, event_id, event_name, wp_id, related_wp_id, timestamp, trace_id, job_id,
      protocol_id, actor_id, replica_id, sequence, vector_clock, payload, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let ownSequence: number | undefined;
  // The hash of the row stored before each event, whose prev_hash it usually is (stored once, event-rows.ts).
  const first = events[0] as StoredEvent;
  const before = prepared("SELECT hash FROM events WHERE seq = ?").get(first.seq - 1) as Row | undefined;
  let hashBefore = before === undefined ? undefined : hashFromColumn(before.hash);
  for (const e of events) {
    const [wpId, relatedWpId] = eventWpIds(e.payload);
    insert.run(
      e.seq,
      storedUuid(e.event_uuid),
      e.event_id,
      e.event_name,
      wpId,
      relatedWpId,
      e.timestamp,
      storedUuid(e.trace_id),
      storedUuid(e.job_id),
      e.protocol_id,
      e.actor_id,
      e.replica_id,
      e.sequence,
      storedClock(e),
      storedPayload(e),
      storedPrevHash(e, hashBefore),
      storedHash(e.hash),
    );
    hashBefore = e.hash;
    if (e.replica_id === replicaId) ownSequence = e.sequence;
  }
  const last = events[events.length - 1] as StoredEvent;
  const setMeta = prepared("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
  setMeta.run("head_seq", String(last.seq));
  setMeta.run("head_hash", last.hash);
  if (ownSequence !== undefined) setMeta.run("head_sequence", String(ownSequence));
}
