import { canonicalSha256 } from "../canonical-json.js";
import { cloneJson } from "../json-clone.js";
import type { TrackedWorkPacket, VectorClock } from "../records.js";
import { applyEvent, type EvolvableEvent, emptyState, emptyTouched } from "./evolve.js";

// 2.3.15.5 / 9: Bronze, an immutable snapshot of the WP after each write, chained per WP. Every write's
// event names its Bronze id, and the snapshot is the state that event left, so the whole Bronze history is
// a function of the log: an imported or replicated workspace rebuilds it exactly.

/** An immutable Bronze snapshot of a WP (2.3.15.5 WPBronze). */
export interface BronzeSnapshot {
  bronze_id: string;
  content_type: "work_packet/handshake_v1";
  content_hash: string;
  created_at: string;
  wp_id: string;
  version: number;
  operation: string;
  snapshot: TrackedWorkPacket;
  vector_clock: VectorClock;
  previous_bronze_id?: string;
}

/** The Bronze `operation` of the write an event made (2.3.15.5: create, update, gate, close, delete, ...). */
export function bronzeOperation(eventName: string, payload: Record<string, unknown>): string {
  switch (eventName) {
    case "work_packet_created":
      return payload.source === "task_board_import" ? "import" : "create";
    case "work_packet_updated":
      return payload.source === "task_board_sync" ? "board_sync" : "update";
    case "work_packet_gated":
      return "gate";
    case "work_packet_completed":
      return "close";
    case "work_packet_deleted":
      return "delete";
    default:
      return "micro_task";
  }
}

/** Builds the snapshot record of `wp` as a write left it. */
export function makeBronze(
  wp: TrackedWorkPacket,
  bronzeId: string,
  operation: string,
  createdAt: string,
  previousBronzeId: string | undefined,
): BronzeSnapshot {
  return {
    bronze_id: bronzeId,
    content_type: "work_packet/handshake_v1",
    content_hash: canonicalSha256(wp),
    created_at: createdAt,
    wp_id: wp.wp_id,
    version: wp.version,
    operation,
    snapshot: wp,
    vector_clock: wp.vector_clock,
    ...(previousBronzeId ? { previous_bronze_id: previousBronzeId } : {}),
  };
}

/**
 * Rebuilds every Bronze snapshot from the log, oldest first. A job's events that share one Bronze id
 * (one write) yield one snapshot: the WP after the last of them, as the live path writes it.
 */
export function bronzeHistory(events: Iterable<EvolvableEvent>): BronzeSnapshot[] {
  const state = emptyState();
  const byId = new Map<string, BronzeSnapshot>();
  const last = new Map<string, string>();
  for (const event of events) {
    applyEvent(state, event, emptyTouched());
    const payload = event.payload as Record<string, unknown>;
    const bronzeId = payload.bronze_id;
    const wpId = payload.wp_id;
    if (typeof bronzeId !== "string" || typeof wpId !== "string") continue;
    const wp = state.wps.get(wpId);
    if (!wp) continue;
    const existing = byId.get(bronzeId);
    const previous = existing ? existing.previous_bronze_id : last.get(wpId);
    byId.set(
      bronzeId,
      makeBronze(
        cloneJson(wp),
        bronzeId,
        bronzeOperation(event.event_name, payload),
        event.timestamp,
        previous,
      ),
    );
    last.set(wpId, bronzeId);
  }
  return [...byId.values()];
}
