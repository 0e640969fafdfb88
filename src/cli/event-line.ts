import type { StoredEvent } from "../domain/events/stored-event.js";

/**
 * One event as `locus events` and `events tail` print it for people: seq, time, name, actor, WP; a board move
 * says whether it was applied or refused (issue 18: a refused move must not read like an applied one).
 */
export function humanEventLine(event: StoredEvent, withId = false): string {
  const p = event.payload as {
    wp_id?: unknown;
    applied?: unknown;
    from_board_status?: unknown;
    to_board_status?: unknown;
  };
  const move =
    event.event_name === "task_board_status_changed"
      ? `  ${String(p.from_board_status)} -> ${String(p.to_board_status)} ${p.applied === false ? "REFUSED" : "applied"}`
      : "";
  const id = withId ? `${event.event_id.padEnd(17)} ` : "";
  return `${String(event.seq).padStart(6)}  ${event.timestamp}  ${id}${event.event_name.padEnd(26)} ${event.actor_id}  ${String(p.wp_id ?? "")}${move}`;
}
