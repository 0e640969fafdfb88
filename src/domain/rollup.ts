import { type WorkPacketStatus, WP_STATUSES } from "./records.js";

// Section 17: the rollup of a WP's descendants along parent-child edges (pure). `done_ratio` counts work that can
// still be done: cancelled descendants leave the denominator, so a parent whose remaining children are all done
// reads 1; with nothing countable (every descendant cancelled) it is 0.

/** `children` of get_wp_status. */
export interface ChildrenRollup {
  total: number;
  by_status: Partial<Record<WorkPacketStatus, number>>;
  done_ratio: number;
}

/** The rollup of the descendants' statuses (each descendant once; deleted ones are left out by the caller). */
export function rollupOf(statuses: readonly WorkPacketStatus[]): ChildrenRollup {
  const counts = new Map<WorkPacketStatus, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  // In section 5's order of statuses, whatever order the store returned the descendants in.
  const byStatus: Partial<Record<WorkPacketStatus, number>> = {};
  for (const status of WP_STATUSES) {
    const count = counts.get(status);
    if (count !== undefined) byStatus[status] = count;
  }
  const countable = statuses.length - (byStatus.cancelled ?? 0);
  const done = byStatus.done ?? 0;
  return {
    total: statuses.length,
    by_status: byStatus,
    done_ratio: countable === 0 ? 0 : Math.round((done / countable) * 10_000) / 10_000,
  };
}
