import type { WorkPacketStatus } from "../records.js";
import type { EventPayload } from "./event-registry.js";

// Section 17, status hooks: the status changes a committed job made, read from its events (pure).

/** One committed status change of a WP. */
export interface StatusChange {
  wp_id: string;
  from: WorkPacketStatus;
  to: WorkPacketStatus;
}

/** The part of an event this reads. */
interface EventLike {
  event_name: string;
  payload: unknown;
}

/**
 * The status changes in `events`, in order: update_wp's (and claim's, board moves'), gate decisions' and deletes'.
 * close_wp's WP-004 carries no earlier status; a WP it finishes was moved to done by its post_work gate already.
 */
export function statusChangesOf(events: readonly EventLike[]): StatusChange[] {
  const changes: StatusChange[] = [];
  for (const event of events) {
    if (event.event_name === "work_packet_updated") {
      const p = event.payload as EventPayload<"work_packet_updated">;
      const status = p.changes.status;
      if (status?.from && status.to && status.from !== status.to)
        changes.push({ wp_id: p.wp_id, from: status.from, to: status.to });
    } else if (event.event_name === "work_packet_gated") {
      const p = event.payload as EventPayload<"work_packet_gated">;
      if (p.status_change && p.status_change.from !== p.status_change.to)
        changes.push({ wp_id: p.wp_id, ...p.status_change });
    } else if (event.event_name === "work_packet_deleted") {
      const p = event.payload as EventPayload<"work_packet_deleted">;
      if (p.previous_status !== "cancelled")
        changes.push({ wp_id: p.wp_id, from: p.previous_status, to: "cancelled" });
    }
  }
  return changes;
}
