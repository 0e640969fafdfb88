// 7: ready work. These constants define the hybrid sort; every backend computes the same expression.

/** Sort policies of section 7. */
export type SortPolicy = "priority" | "age" | "hybrid";

/** Age at which the hybrid sort's age boost is full (30 days). */
export const AGE_HORIZON_MS = 30 * 24 * 60 * 60 * 1000;
/** Number of unblocked WPs at which the hybrid sort's unblock boost is full. */
export const UNBLOCK_CAP = 10;

/**
 * 7: hybrid sort key, lower first: the priority, lowered by up to 1 for age (full at 30 days) and by up to 1
 * for how many WPs it blocks (full at 10). Ties go to created_at, then wp_id, so the order is deterministic.
 */
export function hybridScore(priority: number, createdMs: number, blocksOut: number, nowMs: number): number {
  const age = Math.max(0, Math.min(nowMs - createdMs, AGE_HORIZON_MS)) / AGE_HORIZON_MS;
  return priority - age - Math.min(blocksOut, UNBLOCK_CAP) / UNBLOCK_CAP;
}

/** The three sort policies. */
export const SORT_POLICIES: readonly SortPolicy[] = ["priority", "age", "hybrid"];

/** Section 7 paging bounds. */
export const READY_LIMITS = { defaultLimit: 20, maxLimit: 1000 } as const;
