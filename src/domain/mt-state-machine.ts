import { LocusError } from "./errors.js";
import type { MicroTaskStatus } from "./records.js";

/** Section 5: pending -> in_progress -> completed | failed | skipped | blocked; blocked -> in_progress. */
export const MT_TRANSITIONS: Readonly<Record<MicroTaskStatus, readonly MicroTaskStatus[]>> = {
  pending: ["in_progress"],
  in_progress: ["completed", "failed", "skipped", "blocked"],
  blocked: ["in_progress"],
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
