import { LocusError } from "./errors.js";
import type { MicroTaskStatus } from "./records.js";

/**
 * Section 5: pending -> in_progress -> completed | failed | skipped | blocked; blocked -> in_progress.
 * pending and blocked may also go to skipped (issue 21 hole 14): an MT that cannot start, such as the
 * dependent of a failed MT, must still be able to become final, or its WP could never pass post_work.
 */
export const MT_TRANSITIONS: Readonly<Record<MicroTaskStatus, readonly MicroTaskStatus[]>> = {
  pending: ["in_progress", "skipped"],
  in_progress: ["completed", "failed", "skipped", "blocked"],
  blocked: ["in_progress", "skipped"],
  completed: [],
  failed: [],
  skipped: [],
};

/** True for the final MT states. */
export const isFinalMtStatus = (status: MicroTaskStatus): boolean => MT_TRANSITIONS[status].length === 0;

/** Refuses an illegal MT transition with HSK-409-TRANSITION and `{from, to, allowed}`. */
export function assertMtTransition(mtId: string, from: MicroTaskStatus, to: MicroTaskStatus): void {
  const allowed = MT_TRANSITIONS[from];
  if (allowed.includes(to)) return;
  throw new LocusError("HSK-409-TRANSITION", `micro-task ${mtId} cannot move from ${from} to ${to}`, {
    field: "mt_id",
    mt_id: mtId,
    from,
    to,
    allowed: [...allowed],
  });
}
