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
