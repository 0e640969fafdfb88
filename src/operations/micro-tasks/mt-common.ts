import { LocusError } from "../../domain/errors.js";
import { type TrackedWorkPacket, type WorkPacketStatus, WP_STATUSES } from "../../domain/records.js";

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

/** Statuses in which a WP's micro-tasks still move: all but cancelled and done (its work is over). */
const OPEN_WP_STATUSES = WP_STATUSES.filter((status) => status !== "cancelled" && status !== "done");

/** Refuses MT progress on a cancelled or done WP: a late agent report must not change closed work. */
export function requireOpenWp(wp: TrackedWorkPacket, action: string): void {
  requireWpStatus(wp, OPEN_WP_STATUSES, action);
}
