import { AGE_HORIZON_MS, UNBLOCK_CAP } from "../../domain/ready-rules.js";
import type { WpQuery } from "../store-port.js";

/**
 * The WHERE clause, its parameters and the ORDER BY of a WP query (section 7), for the PostgreSQL dialect.
 * `$1` is the workspace id; the parameters returned here are `$2...`; the hybrid sort's `now` is the next one.
 */
export function buildWpQuery(query: WpQuery): {
  where: string;
  params: unknown[];
  order: string;
  orderParams: unknown[];
} {
  const params: unknown[] = [];
  const next = (value: unknown): string => {
    params.push(value);
    return `$${params.length + 1}`;
  };
  // Workspace isolation (9): every query starts with the workspace filter.
  const clauses: string[] = ["w.workspace_id = $1"];
  if (!query.include_deleted) clauses.push("NOT w.deleted");
  clauses.push(`w.status = ANY(${next([...query.statuses])}::text[])`);
  // Section 17: deferral and lease expiry are decided against the query's time, so no job has to wake them up.
  if (query.readiness === "ready") {
    const now = next(query.now_ms);
    clauses.push(`w.open_blockers = 0 AND (w.defer_ms IS NULL OR w.defer_ms <= ${now}::bigint)`);
  }
  if (query.readiness === "blocked")
    clauses.push(`(w.open_blockers > 0 OR w.defer_ms > ${next(query.now_ms)}::bigint)`);
  if (query.free) clauses.push(`(w.assignee IS NULL OR w.lease_expires_ms <= ${next(query.now_ms)}::bigint)`);
  if (query.assignee !== undefined) clauses.push(`w.assignee = ${next(query.assignee)}`);
  if (query.priority_min !== undefined) clauses.push(`w.priority >= ${next(query.priority_min)}::int`);
  if (query.priority_max !== undefined) clauses.push(`w.priority <= ${next(query.priority_max)}::int`);
  if (query.phases !== undefined) clauses.push(`w.phase = ANY(${next([...query.phases])}::text[])`);
  if (query.types !== undefined) clauses.push(`w.type = ANY(${next([...query.types])}::text[])`);
  for (const label of query.labels ?? []) {
    clauses.push(
      `EXISTS (SELECT 1 FROM wp_labels l WHERE l.workspace_id = $1 AND l.label = ${next(label)} AND l.wp_id = w.wp_id)`,
    );
  }
  if (query.sort === "priority") {
    return {
      where: clauses.join(" AND "),
      params,
      order: "w.priority, w.created_at, w.wp_id",
      orderParams: [],
    };
  }
  if (query.sort === "age") {
    return { where: clauses.join(" AND "), params, order: "w.created_at, w.wp_id", orderParams: [] };
  }
  // Same arithmetic, in the same order, as hybridScore() in the domain, in float8 (IEEE double like JS):
  // priority - age - unblock, so ties and rounding agree with SQLite and with the reference.
  const now = `$${params.length + 2}::bigint`;
  const order =
    `(w.priority - GREATEST(0, LEAST(${now} - w.created_ms, ${AGE_HORIZON_MS}))::float8 / ${AGE_HORIZON_MS}::float8` +
    ` - LEAST(w.blocks_out, ${UNBLOCK_CAP})::float8 / ${UNBLOCK_CAP}::float8), w.created_at, w.wp_id`;
  return { where: clauses.join(" AND "), params, order, orderParams: [query.now_ms] };
}

/**
 * The count and the page of a WP query (section 7), `$1` the workspace. The page is chosen on the readiness index
 * (its ids, in order: the index carries what the filters and the sort read, migration 9), and only those WPs'
 * documents are read from the table. Reading `doc` in the sorted scan itself made the server read every
 * candidate's row (at 100K WPs, 7,500 rows for the default query_ready).
 */
export function wpPageStatements(
  query: WpQuery,
): Record<"count" | "page", { sql: string; values: unknown[] }> {
  const { where, params, order, orderParams } = buildWpQuery(query);
  const at = params.length + orderParams.length + 2;
  return {
    count: { sql: `SELECT COUNT(*) AS n FROM work_packets w WHERE ${where}`, values: params },
    page: {
      sql: `SELECT x.doc FROM unnest(ARRAY(SELECT w.wp_id FROM work_packets w WHERE ${where} ORDER BY ${order}
          LIMIT $${at} OFFSET $${at + 1})) WITH ORDINALITY AS p (wp_id, n)
        JOIN work_packets x ON x.workspace_id = $1 AND x.wp_id = p.wp_id ORDER BY p.n`,
      values: [...params, ...orderParams, query.limit, query.offset],
    },
  };
}
