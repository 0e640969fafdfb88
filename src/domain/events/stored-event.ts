import type { VectorClock } from "../records.js";

/** A Flight Recorder event as stored (section 6). */
export interface StoredEvent {
  seq: number;
  event_uuid: string;
  event_id: string;
  event_name: string;
  timestamp: string;
  trace_id: string;
  job_id: string;
  protocol_id: string;
  actor_id: string;
  replica_id: string;
  sequence: number;
  vector_clock: VectorClock;
  payload: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** Section 13: an event as one replica hands it to another; each store chains what it receives (seq, hashes). */
export type OriginEvent = Omit<StoredEvent, "seq" | "prev_hash" | "hash">;

/** The origin fields of a stored event. */
export function originOf(event: StoredEvent): OriginEvent {
  // Field by field, not a rest pattern: a sync copies every event it reads, and this shape is a plain copy.
  return {
    event_uuid: event.event_uuid,
    event_id: event.event_id,
    event_name: event.event_name,
    timestamp: event.timestamp,
    trace_id: event.trace_id,
    job_id: event.job_id,
    protocol_id: event.protocol_id,
    actor_id: event.actor_id,
    replica_id: event.replica_id,
    sequence: event.sequence,
    vector_clock: event.vector_clock,
    payload: event.payload,
  };
}
