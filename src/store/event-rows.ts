import { LocusError } from "../domain/errors.js";
import type { StoredEvent } from "../domain/events/stored-event.js";
import { eventWpIds } from "./event-wp-ids.js";

// The events table, the same in both backends (sqlite-schema.ts, postgres-schema.ts). Its columns:
// - inside the hash (section 6: eventHash seals every field of StoredEvent but `hash`): seq, event_uuid,
//   event_id, event_name, timestamp, trace_id, job_id, protocol_id, actor_id, replica_id, sequence,
//   vector_clock, payload, prev_hash; `hash` is the seal itself, and the last one is also kept as the head.
// - derived, outside the hash: wp_id and related_wp_id, eventWpIds(payload), kept as columns so `--wp` lookups
//   use an index. `events verify` checks them against their derivation (derivedColumnFault), and a `--wp` read
//   keeps only events whose hashed payload is about the WP (isAboutWp).
// - PostgreSQL only: workspace_id, the tenancy key (9). A row moved to another workspace leaves a gap in this
//   workspace's seq, which verify reports.

type Row = Record<string, unknown>;

/** The derived columns of one stored event row. */
export interface DerivedEventColumns {
  seq: number;
  wp_id: string | null;
  related_wp_id: string | null;
}

function parseColumn(row: Row, column: "payload" | "vector_clock"): Record<string, unknown> {
  try {
    return JSON.parse(row[column] as string);
  } catch {
    // A row edited outside Locus: name it (issue 21) instead of failing as a storage error.
    const seq = Number(row.seq);
    throw new LocusError("HSK-400-INVALID-EVENT", `stored event seq ${seq}: its ${column} is not JSON`, {
      field: column,
      seq,
    });
  }
}

/** Decodes an events row of either backend (PostgreSQL's BIGINT columns arrive as strings). */
export function eventFromRow(row: Row): StoredEvent {
  return {
    seq: Number(row.seq),
    event_uuid: row.event_uuid as string,
    event_id: row.event_id as string,
    event_name: row.event_name as string,
    timestamp: row.timestamp as string,
    trace_id: row.trace_id as string,
    job_id: row.job_id as string,
    protocol_id: row.protocol_id as string,
    actor_id: row.actor_id as string,
    replica_id: row.replica_id as string,
    sequence: Number(row.sequence),
    vector_clock: parseColumn(row, "vector_clock") as StoredEvent["vector_clock"],
    payload: parseColumn(row, "payload"),
    prev_hash: row.prev_hash as string,
    hash: row.hash as string,
  };
}

/** Decodes the derived columns of an events row. */
export function derivedColumnsFromRow(row: Row): DerivedEventColumns {
  return {
    seq: Number(row.seq),
    wp_id: (row.wp_id ?? null) as string | null,
    related_wp_id: (row.related_wp_id ?? null) as string | null,
  };
}

/** True when the event's hashed payload is about `wpId` (the rule its derived columns were made by). */
export function isAboutWp(event: StoredEvent, wpId: string): boolean {
  const [wp, related] = eventWpIds(event.payload);
  return wp === wpId || related === wpId;
}

/**
 * The first stored row whose derived columns differ from what its payload derives, with the reason; undefined
 * when every row agrees. `events` and `columns` are the same rows in seq order.
 */
export function derivedColumnFault(
  events: readonly StoredEvent[],
  columns: readonly DerivedEventColumns[],
): { seq: number; reason: string } | undefined {
  const bySeq = new Map(columns.map((row) => [row.seq, row]));
  for (const event of events) {
    const row = bySeq.get(event.seq);
    if (row === undefined) continue; // not a derived-column question: the chain check reports missing rows
    const [wpId, relatedWpId] = eventWpIds(event.payload);
    for (const [column, stored, derived] of [
      ["wp_id", row.wp_id, wpId],
      ["related_wp_id", row.related_wp_id, relatedWpId],
    ] as const) {
      if (stored !== derived)
        return {
          seq: event.seq,
          reason: `its ${column} column says ${stored ?? "NULL"} but its payload says ${derived ?? "NULL"}: the row was edited outside Locus`,
        };
    }
  }
  return undefined;
}
