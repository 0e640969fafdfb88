import type { TrackedDependency, WorkPacketStatus } from "../domain/records.js";

/** 7: an open blocker of a WP, as `openBlockers` gives it. */
export type OpenBlocker = { dependency: TrackedDependency; status: WorkPacketStatus };

/** Groups rows of (edge document, blocker status) by the WP each edge blocks, keeping their order (both backends). */
export function blockersByWp(rows: readonly Record<string, unknown>[]): Map<string, OpenBlocker[]> {
  const result = new Map<string, OpenBlocker[]>();
  for (const row of rows) {
    const dependency = JSON.parse(row.doc as string) as TrackedDependency;
    const list = result.get(dependency.to_wp_id) ?? [];
    list.push({ dependency, status: row.status as WorkPacketStatus });
    result.set(dependency.to_wp_id, list);
  }
  return result;
}
