import type { WpQuery } from "../store-port.js";

// Issue 16: query_ready's count at 100K WPs read ~7,500 entries of the readiness index on every query (~1 ms of
// the server's time, a third of the query's statements). The live, unblocked, undeferred WPs of each status are
// counted as they change instead, by a trigger on `work_packets`: every path that writes a WP row (a job, a sync,
// an import, a dependency changing `open_blockers`) keeps the count without code of its own. Deferral is decided
// at the query's time, so deferred WPs are not in the count; the few there are are counted at query time through
// their own partial index.

/**
 * PostgreSQL migration 12: the count table, its trigger and the deferred WPs' index. The trigger comes before the
 * fill: creating it locks `work_packets` against writers until this migration commits, so no write falls between
 * the fill's snapshot and the trigger. A row-level trigger whose WHEN skips every update that moves no WP in or
 * out of a count (a title, a note, a lease): those cost no function call.
 */
export const READY_COUNTS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS wp_ready_counts (
    workspace_id TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, status)
  );
  CREATE OR REPLACE FUNCTION locus_count_ready() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF TG_OP <> 'INSERT' AND NOT OLD.deleted AND OLD.open_blockers = 0 AND OLD.defer_ms IS NULL THEN
      UPDATE wp_ready_counts SET n = n - 1 WHERE workspace_id = OLD.workspace_id AND status = OLD.status;
    END IF;
    IF TG_OP <> 'DELETE' AND NOT NEW.deleted AND NEW.open_blockers = 0 AND NEW.defer_ms IS NULL THEN
      INSERT INTO wp_ready_counts AS c (workspace_id, status, n) VALUES (NEW.workspace_id, NEW.status, 1)
      ON CONFLICT (workspace_id, status) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
  END $fn$;
  DROP TRIGGER IF EXISTS wp_ready_count ON work_packets;
  CREATE TRIGGER wp_ready_count AFTER INSERT OR DELETE ON work_packets
    FOR EACH ROW EXECUTE FUNCTION locus_count_ready();
  DROP TRIGGER IF EXISTS wp_ready_count_change ON work_packets;
  CREATE TRIGGER wp_ready_count_change AFTER UPDATE OF status, deleted, open_blockers, defer_ms ON work_packets
    FOR EACH ROW WHEN (
      (OLD.status, OLD.deleted, OLD.open_blockers = 0, OLD.defer_ms IS NULL)
        IS DISTINCT FROM (NEW.status, NEW.deleted, NEW.open_blockers = 0, NEW.defer_ms IS NULL))
    EXECUTE FUNCTION locus_count_ready();
  DELETE FROM wp_ready_counts;
  INSERT INTO wp_ready_counts (workspace_id, status, n)
    SELECT workspace_id, status, COUNT(*) FROM work_packets
    WHERE NOT deleted AND open_blockers = 0 AND defer_ms IS NULL GROUP BY workspace_id, status;
  CREATE INDEX IF NOT EXISTS wp_deferred ON work_packets (workspace_id, defer_ms) WHERE defer_ms IS NOT NULL;
`;

/**
 * The count of a WP query from the kept counts, when the query is one they answer: ready WPs of some statuses with
 * no other filter (query_ready as an agent asks it). `where` and `params` are the query's own (buildWpQuery);
 * undefined for any other query, which counts by scanning.
 */
export function countFromReadyCounts(
  query: WpQuery,
  where: string,
  params: readonly unknown[],
  statuses: string,
): { sql: string; values: unknown[] } | undefined {
  const plain =
    query.readiness === "ready" &&
    !query.include_deleted &&
    query.free !== true &&
    query.assignee === undefined &&
    query.priority_min === undefined &&
    query.priority_max === undefined &&
    query.phases === undefined &&
    query.types === undefined &&
    (query.labels ?? []).length === 0;
  if (!plain) return undefined;
  return {
    sql: `SELECT COALESCE((SELECT SUM(c.n) FROM wp_ready_counts c
          WHERE c.workspace_id = $1 AND c.status = ANY(${statuses}::text[])), 0)
        + (SELECT COUNT(*) FROM work_packets w WHERE ${where} AND w.defer_ms IS NOT NULL) AS n`,
    values: [...params],
  };
}
