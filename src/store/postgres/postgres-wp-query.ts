import { AGE_HORIZON_MS, UNBLOCK_CAP } from "../../domain/ready-rules.js";
import type { WpQuery } from "../store-port.js";
import { countFromReadyCounts } from "./postgres-ready-counts.js";

/**
 * The WHERE clause, its parameters and the ORDER BY of a WP query (section 7), for the PostgreSQL dialect.
 * `$1` is the workspace id; the parameters returned here are `$2...`; the hybrid sort's `now` is the next one.
 */
export function buildWpQuery(query: WpQuery): {
  where: string;
  params: unknown[];
  order: string;
  orderParams: unknown[];
  /** The statuses' parameter (`$n`, a text[]), and the WHERE clause without the status filter. */
  statuses: string;
  besidesStatus: string;
} {
  const params: unknown[] = [];
  const next = (value: unknown): string => {
    params.push(value);
    return `$${params.length + 1}`;
  };
  // Workspace isolation (9): every query starts with the workspace filter.
  const clauses: string[] = ["w.workspace_id = $1"];
  if (!query.include_deleted) clauses.push("NOT w.deleted");
  const statuses = next([...query.statuses]);
  const statusAt = clauses.push(`w.status = ANY(${statuses}::text[])`) - 1;
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
  const where = clauses.join(" AND ");
  const besidesStatus = clauses.filter((_, at) => at !== statusAt).join(" AND ");
  const filters = { where, params, statuses, besidesStatus };
  if (query.sort === "priority")
    return { ...filters, order: "w.priority, w.created_at, w.wp_id", orderParams: [] };
  if (query.sort === "age") return { ...filters, order: "w.created_at, w.wp_id", orderParams: [] };
  // Same arithmetic, in the same order, as hybridScore() in the domain, in float8 (IEEE double like JS):
  // priority - age - unblock, so ties and rounding agree with SQLite and with the reference.
  const now = `$${params.length + 2}::bigint`;
  const order =
    `(w.priority - GREATEST(0, LEAST(${now} - w.created_ms, ${AGE_HORIZON_MS}))::float8 / ${AGE_HORIZON_MS}::float8` +
    ` - LEAST(w.blocks_out, ${UNBLOCK_CAP})::float8 / ${UNBLOCK_CAP}::float8), w.created_at, w.wp_id`;
  return { ...filters, order, orderParams: [query.now_ms] };
}

/**
 * The count and the page of a WP query (section 7), `$1` the workspace. The count of a plain ready query comes
 * from the kept counts (postgres-ready-counts.ts); any other is counted on the readiness index. The page is chosen on the readiness index
 * (its ids, in order: the index carries what the filters and the sort read, migration 9), and only those WPs'
 * documents are read from the table. Reading `doc` in the sorted scan itself made the server read every
 * candidate's row (at 100K WPs, 7,500 rows for the default query_ready).
 */
export function wpPageStatements(
  query: WpQuery,
): Record<"count" | "page", { sql: string; values: unknown[] }> {
  const { where, params, order, orderParams, statuses, besidesStatus } = buildWpQuery(query);
  const at = params.length + orderParams.length + 2;
  const count = countFromReadyCounts(query, where, params, statuses) ?? {
    sql: `SELECT COUNT(*) AS n FROM work_packets w WHERE ${where}`,
    values: params,
  };
  const values = [...params, ...orderParams, query.limit, query.offset];
  const pageOf = (ids: string) => `SELECT x.doc FROM unnest(ARRAY(${ids})) WITH ORDINALITY AS p (wp_id, n)
        JOIN work_packets x ON x.workspace_id = $1 AND x.wp_id = p.wp_id ORDER BY p.n`;
  if (query.sort !== "hybrid" || query.readiness !== "ready" || query.limit <= 0) {
    const ids = `SELECT w.wp_id FROM work_packets w WHERE ${where} ORDER BY ${order} LIMIT $${at} OFFSET $${at + 1}`;
    return { count, page: { sql: pageOf(ids), values } };
  }
  const priorityAt = nthPriority(besidesStatus, statuses, `$${at + 2}`);
  const score = order.slice(0, order.lastIndexOf("), w.created_at") + 1);
  const ids = `WITH first AS MATERIALIZED (SELECT w.wp_id, ${score} AS score, w.created_at FROM work_packets w
          WHERE ${where} AND w.priority <= ${priorityAt} ORDER BY ${order} LIMIT $${at}::bigint + $${at + 1}::bigint),
        kth AS (SELECT max(score) AS score FROM first)
        SELECT c.wp_id FROM (SELECT * FROM first UNION ALL
          SELECT w.wp_id, ${score}, w.created_at FROM work_packets w WHERE ${where} AND w.priority > ${priorityAt}
            AND w.priority <= floor((SELECT score FROM kth) + 2)::int AND ${score} <= (SELECT score FROM kth)) AS c
        ORDER BY c.score, c.created_at, c.wp_id LIMIT $${at} OFFSET $${at + 1}`;
  return { count, page: { sql: pageOf(ids), values: [...values, query.offset + query.limit - 1] } };
}

/**
 * The page of a hybrid ready query in two steps (issue 16: at 100K WPs it reads ~1,500-3,000 of the ~7,500
 * ready index entries instead of every one). The hybrid score is the priority less two terms each within
 * [0, 1] (hybridScore), so it lies within [priority - 2, priority]. Take any status S of the query whose
 * `offset + limit` (K) first WPs by priority (the query's other filters applied) end at priority P
 * (`nthPriority`; the lowest over the statuses). First, the K best WPs of priority at most P, by the page's
 * order; the K-th of them scores `kth`. Every WP of priority at most P that is not among them ranks after K
 * others, so it is not on the page; a WP of priority above P is on it only if it scores at most `kth` (K WPs
 * rank at or before that score), which needs a priority of at most `kth + 2`. The page is the best of those
 * two sets, in the full order (score, created_at, wp_id), so it is the page of the whole query.
 */
function nthPriority(besidesStatus: string, statuses: string, nth: string): string {
  return `COALESCE((SELECT min(b.priority) FROM unnest(${statuses}::text[]) AS s (status),
      LATERAL (SELECT w.priority FROM work_packets w WHERE ${besidesStatus} AND w.status = s.status
        ORDER BY w.priority LIMIT 1 OFFSET ${nth}) AS b), 2147483647)`;
}
