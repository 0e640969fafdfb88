import { AGE_HORIZON_MS, UNBLOCK_CAP } from "../../domain/ready-rules.js";
import type { WpQuery } from "../store-port.js";

/**
 * How a label filter is written. `probe`: one primary-key lookup per candidate row, for a few candidates
 * (search hits). `set`: the label's WPs are read once into a set the scan checks, for a scan over every
 * ready WP (at 100K WPs, ~7,500 rows: about twice as fast as a lookup per row).
 */
export type LabelMatch = "probe" | "set";

/** The WHERE clause, its parameters and the ORDER BY of a WP query (section 7), for the SQLite dialect. */
export function buildWpQuery(
  query: WpQuery,
  labelMatch: LabelMatch = "probe",
): { where: string; params: unknown[]; order: string } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (!query.include_deleted) clauses.push("w.deleted = 0");
  clauses.push(`w.status IN (${query.statuses.map(() => "?").join(", ") || "NULL"})`);
  params.push(...query.statuses);
  // Section 17: deferral and lease expiry are decided against the query's time, so no job has to wake them up.
  if (query.readiness === "ready") {
    clauses.push("w.open_blockers = 0 AND (w.defer_ms IS NULL OR w.defer_ms <= ?)");
    params.push(query.now_ms);
  }
  if (query.readiness === "blocked") {
    clauses.push("(w.open_blockers > 0 OR w.defer_ms > ?)");
    params.push(query.now_ms);
  }
  if (query.free) {
    clauses.push("(w.assignee IS NULL OR w.lease_expires_ms <= ?)");
    params.push(query.now_ms);
  }
  if (query.assignee !== undefined) {
    clauses.push("w.assignee = ?");
    params.push(query.assignee);
  }
  if (query.priority_min !== undefined) {
    clauses.push("w.priority >= ?");
    params.push(query.priority_min);
  }
  if (query.priority_max !== undefined) {
    clauses.push("w.priority <= ?");
    params.push(query.priority_max);
  }
  if (query.phases !== undefined) {
    clauses.push(`w.phase IN (${query.phases.map(() => "?").join(", ") || "NULL"})`);
    params.push(...query.phases);
  }
  if (query.types !== undefined) {
    clauses.push(`w.type IN (${query.types.map(() => "?").join(", ") || "NULL"})`);
    params.push(...query.types);
  }
  for (const label of query.labels ?? []) {
    clauses.push(
      labelMatch === "set"
        ? "w.wp_id IN (SELECT l.wp_id FROM wp_labels l WHERE l.label = ?)"
        : "EXISTS (SELECT 1 FROM wp_labels l WHERE l.label = ? AND l.wp_id = w.wp_id)",
    );
    params.push(label);
  }
  const order =
    query.sort === "priority"
      ? "w.priority, w.created_at, w.wp_id"
      : query.sort === "age"
        ? "w.created_at, w.wp_id"
        : // Same arithmetic, in the same order, as hybridScore() in the domain.
          `(w.priority - MAX(0, MIN(? - w.created_ms, ${AGE_HORIZON_MS})) / ${AGE_HORIZON_MS}.0 - MIN(w.blocks_out, ${UNBLOCK_CAP}) / ${UNBLOCK_CAP}.0), w.created_at, w.wp_id`;
  return { where: clauses.join(" AND "), params, order };
}
