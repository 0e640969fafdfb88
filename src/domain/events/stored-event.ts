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
