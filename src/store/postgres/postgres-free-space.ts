import type pg from "pg";

// Issue 20, eighth part: `locus compact` on PostgreSQL gives back the free space a day of jobs leaves. Every job
// that changes a WP writes new versions of its rows (the WP, its search texts, Silver, titles, ready counts);
// VACUUM makes the old versions reusable but keeps their pages, and the keyword GIN index keeps the pages its
// pending list recycled. Measured at 2,000 WPs: 19.7 KB a WP after VACUUM, 14.5 KB once these tables are
// rewritten (docs/DECISIONS.md). VACUUM FULL rewrites one table and its indexes compactly, holding an ACCESS
// EXCLUSIVE lock on that table while it does (every job touching it waits), so each table is its own statement
// and waits at most LOCK_WAIT for its lock: a table a long transaction holds is left for the next compact rather
// than queueing every job of the team behind it. `events` and `bronze` are only appended to (under 3% free, and
// the largest tables, whose rewrite would hold every job longest): they are left alone unless this compact packed
// blocks of them (ninth part: a packed row is an UPDATE, its old version dead space until rewritten).

/** The tables jobs rewrite rows of, smallest first (a short lock each); all of them hold only Locus's rows. */
export const REWRITTEN_TABLES = [
  "meta",
  "search_meta",
  "wp_ready_counts",
  "board_state",
  "idempotency",
  "wp_labels",
  "micro_tasks",
  "dependencies",
  "search_titles",
  "work_packets",
  "search_docs",
  "search_silver",
] as const;

/**
 * Issue 20, ninth part: the tables packing rewrote rows of (packed rows UPDATEd to empty cold columns leave their
 * old versions dead), rewritten after those of REWRITTEN_TABLES only when this compact packed blocks (tenth part:
 * Bronze's too, postgres-bronze-blocks.ts).
 */
export const PACKED_TABLES = [
  "event_payload_blocks",
  "event_blocks",
  "bronze_blocks",
  "events",
  "bronze",
] as const;

/** How long each table's rewrite waits for its lock before it is left for the next compact. */
export const LOCK_WAIT = "2s";

/** What a reclaim did: the tables rewritten, and those left because another transaction held them. */
export interface ReclaimReport {
  rewritten: string[];
  skipped: string[];
}

/**
 * Rewrites each of REWRITTEN_TABLES with VACUUM FULL, one statement (one lock) each, on a connection of its own
 * (VACUUM runs outside any transaction), and PACKED_TABLES when `packed`. A table whose lock is not granted within LOCK_WAIT is skipped.
 */
export async function reclaimFreeSpace(pool: pg.Pool, packed = false): Promise<ReclaimReport> {
  const client = await pool.connect();
  const report: ReclaimReport = { rewritten: [], skipped: [] };
  let broken: Error | undefined;
  try {
    await client.query(`SET lock_timeout = '${LOCK_WAIT}'`);
    for (const table of packed ? [...REWRITTEN_TABLES, ...PACKED_TABLES] : REWRITTEN_TABLES) {
      try {
        await client.query(`VACUUM (FULL, ANALYZE) ${table}`);
        report.rewritten.push(table);
      } catch (error) {
        if ((error as { code?: string }).code !== "55P03") throw error; // lock_not_available
        report.skipped.push(table);
      }
    }
    await client.query("RESET lock_timeout");
  } catch (error) {
    broken = error as Error; // the connection, its lock_timeout set, is not given back to the pool
    throw error;
  } finally {
    client.release(broken);
  }
  return report;
}
