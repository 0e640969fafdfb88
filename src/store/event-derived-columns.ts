import type { StoredEvent } from "../domain/events/stored-event.js";
import { eventWpIds } from "./event-wp-ids.js";

// The derived columns of the events table (event-rows.ts): wp_id and related_wp_id, eventWpIds(payload), outside
// the hash. `events verify` checks them against their derivation, and a `--wp` read keeps only events whose hashed
// payload is about the WP.

type Row = Record<string, unknown>;

/** The derived columns of one stored event row. */
export interface DerivedEventColumns {
  seq: number;
  wp_id: string | null;
  related_wp_id: string | null;
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
