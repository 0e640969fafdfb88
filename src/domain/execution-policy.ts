import type { EscalationLevel, ExecutionHold, TrackedMicroTask } from "./records.js";

// Section 16 (spec 2.6.6.8): the rules of the execution policy that Locus enforces, as pure functions. The
// operations read the policy from the workspace config; these say what it means for one MT and one WP.

/**
 * The last level an MT may escalate to: the chain's last, or the level before the first cloud level when the
 * policy does not allow cloud escalation (a cloud level then counts as the end of the chain).
 */
export function lastUsableLevel(chain: readonly EscalationLevel[], cloudAllowed: boolean): number {
  const firstCloud = cloudAllowed ? -1 : chain.findIndex((level) => level.is_cloud);
  const end = firstCloud === -1 ? chain.length : firstCloud;
  return Math.max(end, 1) - 1;
}

/** The iterations recorded on a WP's micro-tasks, all levels together (what max_total_iterations counts). */
export function totalIterations(mts: Iterable<Pick<TrackedMicroTask, "iterations">>): number {
  let total = 0;
  for (const mt of mts) total += mt.iterations.length;
  return total;
}

/** What holding a WP tells people: why, and who may resume it. */
export function holdSummary(hold: ExecutionHold): string {
  return hold.reason === "hard_gate"
    ? `${hold.mt_id ?? "a micro-task"} reached escalation level ${hold.level ?? "?"}, a hard gate`
    : `the WP used its ${hold.iterations} iterations (max_total_iterations)`;
}
