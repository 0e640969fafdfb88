import { canonicalJson } from "../domain/canonical-json.js";
import { LocusError } from "../domain/errors.js";
import type { StoredEvent } from "../domain/events/stored-event.js";
import { eventWpIds } from "./event-wp-ids.js";
import { unpackText } from "./stored-json.js";

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

// Issue 20: every payload repeats its event's replica_id, sequence and vector_clock, and a capability decision
// its actor_id and job_id; those are stored once, in their columns. A stored payload that left them out is
// `~`, one base-36 digit naming them (bit i: REPEATED[i]), then the payload's JSON with null in their place (so
// the keys keep their order). A vector_clock column that is "" is the clock of a local event, {replica_id:
// sequence}. The event read back, and so its hash, is the one that was written. Rows written before hold the
// whole JSON and are read as they are.
const REPEATED = ["replica_id", "sequence", "vector_clock", "actor_id", "job_id"] as const;
const ELIDED = "~";

/** Equal as JSON; ids and sequences are compared as they are, only a clock is serialized (every event has one). */
const sameValue = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === "object" && typeof b === "object" && canonicalJson(a) === canonicalJson(b));

/** The payload column of `event` (JSON without the fields its columns hold; SQLite packs it further). */
export function storedPayload(event: StoredEvent): string {
  const payload = event.payload;
  let mask = 0;
  REPEATED.forEach((key, bit) => {
    const value = payload[key];
    if (value !== undefined && sameValue(value, event[key])) mask |= 1 << bit;
  });
  if (mask === 0) return JSON.stringify(payload);
  const copy: Record<string, unknown> = Object.assign({}, payload);
  REPEATED.forEach((key, bit) => {
    if (mask & (1 << bit)) copy[key] = null;
  });
  return `${ELIDED}${mask.toString(36)}${JSON.stringify(copy)}`;
}

/** The vector_clock column of `event`: "" for a local event's clock, else its JSON. */
export function storedClock(event: StoredEvent): string {
  const clock = event.vector_clock;
  const replicas = Object.keys(clock);
  const local =
    replicas.length === 1 && replicas[0] === event.replica_id && clock[event.replica_id] === event.sequence;
  return local ? "" : JSON.stringify(clock);
}

/** A payload column's text read back whole, its elided fields taken from the event's columns. */
function payloadFromText(
  text: string,
  columns: Pick<StoredEvent, (typeof REPEATED)[number]>,
): Record<string, unknown> {
  if (!text.startsWith(ELIDED)) return JSON.parse(text);
  const mask = Number.parseInt(text.charAt(1), 36);
  const payload = JSON.parse(text.slice(2)) as Record<string, unknown>;
  if (!(mask > 0) || payload === null || typeof payload !== "object" || Array.isArray(payload))
    throw new Error("not a stored payload");
  REPEATED.forEach((key, bit) => {
    if (mask & (1 << bit))
      payload[key] = key === "vector_clock" ? Object.assign({}, columns.vector_clock) : columns[key];
  });
  return payload;
}

/** Decodes one JSON column of a row; a row edited outside Locus is named (issue 21), not a storage error. */
function decodeColumn<T>(row: Row, column: "payload" | "vector_clock", decode: (text: string) => T): T {
  try {
    return decode(unpackText(row[column]));
  } catch {
    const seq = Number(row.seq);
    throw new LocusError("HSK-400-INVALID-EVENT", `stored event seq ${seq}: its ${column} is not JSON`, {
      field: column,
      seq,
    });
  }
}

/** Decodes an events row of either backend (PostgreSQL's BIGINT columns arrive as strings). */
export function eventFromRow(row: Row): StoredEvent {
  const replicaId = row.replica_id as string;
  const sequence = Number(row.sequence);
  const clock = decodeColumn(row, "vector_clock", (text) =>
    text === "" ? { [replicaId]: sequence } : (JSON.parse(text) as StoredEvent["vector_clock"]),
  );
  const columns = {
    replica_id: replicaId,
    sequence,
    vector_clock: clock,
    actor_id: row.actor_id as string,
    job_id: row.job_id as string,
  };
  return {
    seq: Number(row.seq),
    event_uuid: row.event_uuid as string,
    event_id: row.event_id as string,
    event_name: row.event_name as string,
    timestamp: row.timestamp as string,
    trace_id: row.trace_id as string,
    job_id: columns.job_id,
    protocol_id: row.protocol_id as string,
    actor_id: columns.actor_id,
    replica_id: replicaId,
    sequence,
    vector_clock: clock,
    payload: decodeColumn(row, "payload", (text) => payloadFromText(text, columns)),
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
