import { grantCovers } from "../../domain/capabilities.js";
import { LocusError } from "../../domain/errors.js";
import { holdSummary } from "../../domain/execution-policy.js";
import { liveLeaseOfAnother } from "../../domain/leases.js";
import {
  type EscalationLevel,
  type TrackedMicroTask,
  type TrackedWorkPacket,
  type WorkPacketStatus,
  WP_STATUSES,
} from "../../domain/records.js";
import type { JobContext } from "../job-context.js";
import type { ExecutionPolicy } from "../workspace-config.js";

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

/**
 * Section 16: refuses MT progress while the execution policy holds the WP. A hard gate is HSK-409-TRANSITION, a
 * used-up max_total_iterations HSK-413-LIMIT; either way a holder of locus.gate resumes the WP (to in_progress).
 */
export function requireNotHeld(wp: TrackedWorkPacket, action: string, limit: number): void {
  const hold = wp.governance.hold;
  if (hold === undefined) return;
  const message = `cannot ${action}: ${holdSummary(hold)}; WP ${wp.wp_id} waits for a holder of locus.gate to resume it`;
  if (hold.reason === "max_total_iterations")
    throw new LocusError("HSK-413-LIMIT", message, {
      field: "wp_id",
      limit,
      actual: hold.iterations - (wp.governance.iteration_base ?? 0),
      hold,
    });
  throw new LocusError("HSK-409-TRANSITION", message, {
    field: "wp_id",
    from: wp.status,
    allowed: [],
    status: wp.status,
    hold,
  });
}

/** The escalation chain in force for an MT: its own, or (registered before it had one) the workspace policy's. */
export function chainOf(mt: TrackedMicroTask, policy: ExecutionPolicy): readonly EscalationLevel[] {
  return mt.escalation.escalation_chain.length > 0 ? mt.escalation.escalation_chain : policy.escalation_chain;
}

/**
 * Section 17: while another actor's lease on the WP is live, its MTs are that actor's to write. A supervisor (an
 * actor holding `locus.gate`) may still write them; the override is recorded as its capability decision.
 */
export function requireLeaseHolder(ctx: JobContext, wp: TrackedWorkPacket): void {
  const actor = ctx.identity.actor_id;
  const lease = liveLeaseOfAnother(wp, actor, ctx.now.getTime());
  if (lease === undefined) return;
  if (grantCovers(ctx.identity.grants, "locus.gate")) {
    ctx.useCapability("locus.gate", `MT write on ${wp.wp_id}, leased to ${lease.holder}`);
    return;
  }
  const until = lease.expires_at === undefined ? "without expiry" : `until ${lease.expires_at}`;
  throw new LocusError(
    "HSK-409-CONFLICT",
    `${wp.wp_id} is leased to ${lease.holder} ${until}: its micro-tasks are theirs to write`,
    {
      field: "wp_id",
      holder: lease.holder,
      ...(lease.expires_at === undefined ? {} : { expires_at: lease.expires_at }),
    },
  );
}
