import { LocusError } from "../../domain/errors.js";
import type { TrackedWorkPacket, WorkPacketStatus } from "../../domain/records.js";

/** Refuses an MT operation on a WP whose status does not allow it (section 4: register needs ready/in_progress). */
export function requireWpStatus(
  wp: TrackedWorkPacket,
  allowed: readonly WorkPacketStatus[],
  action: string,
): void {
  if (allowed.includes(wp.status)) return;
  throw new LocusError("HSK-409-TRANSITION", `cannot ${action} while WP ${wp.wp_id} is ${wp.status}`, {
    field: "wp_id",
    from: wp.status,
    allowed: [...allowed],
    status: wp.status,
  });
}

/** Statuses in which a WP's micro-tasks are frozen: its work is over (cancelled, or done and validated). */
const CLOSED_WP_STATUSES: readonly WorkPacketStatus[] = ["cancelled", "done"];

/** Refuses MT progress on a cancelled or done WP: a late agent report must not change closed work. */
export function requireOpenWp(wp: TrackedWorkPacket, action: string): void {
  if (!CLOSED_WP_STATUSES.includes(wp.status)) return;
  throw new LocusError("HSK-409-TRANSITION", `cannot ${action} while WP ${wp.wp_id} is ${wp.status}`, {
    field: "wp_id",
    from: wp.status,
    status: wp.status,
  });
}
