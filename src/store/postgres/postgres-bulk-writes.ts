import { readinessColumns } from "../../domain/leases.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import { INSERT_NEW_WPS } from "./postgres-statements.js";
import { wpBoardColumns, wpDocColumn } from "./postgres-wp-docs.js";

// Section 13: a sync writes thousands of WPs in one transaction. One statement per row would cost a round trip
// each; this writes a whole chunk in one (column arrays, unnest). Bronze snapshots: postgres-bronze.ts.

/** Sends a write without waiting for it (postgres-pipeline.ts). */
type Write = (sql: string, values?: unknown[]) => Promise<void>;

/** WPs none of which is stored yet, with their readiness counters and labels (INSERT_NEW_WPS). */
export async function insertNewWps(write: Write, wps: readonly TrackedWorkPacket[]): Promise<void> {
  if (wps.length === 0) return;
  const column = <T>(pick: (wp: TrackedWorkPacket) => T) => wps.map(pick);
  const labels = wps.flatMap((wp) => wp.labels.map((label) => [label, wp.wp_id] as const));
  await write(INSERT_NEW_WPS, [
    column((wp) => wp.wp_id),
    column((wp) => wp.status),
    column((wp) => wp.priority),
    column((wp) => wp.type),
    column((wp) => wp.governance.phase ?? null),
    column((wp) => wp.assignee ?? null),
    column((wp) => wp.created_at),
    column((wp) => Date.parse(wp.created_at)),
    column((wp) => wp.tombstone !== undefined),
    column(wpDocColumn),
    labels.map(([label]) => label),
    labels.map(([, wpId]) => wpId),
    column((wp) => readinessColumns(wp).defer_ms),
    column((wp) => readinessColumns(wp).lease_expires_ms),
    column((wp) => wpBoardColumns(wp)[0]),
    column((wp) => wpBoardColumns(wp)[1]),
  ]);
}
