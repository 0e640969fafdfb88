import type Database from "better-sqlite3";
import { PAYLOAD_BLOCK } from "../event-payload-blocks.js";

// Issue 20, fifth part: a job's events follow one another (a job appends them in one transaction, a sync in the
// order of their log), so most events rows repeat the job_id of the row before. When maintenance packs a block
// (sqlite-payload-blocks.ts), a row whose job_id is the 16 bytes of the row before it in the block stores empty
// bytes (X'') instead; the first row of a block always keeps its own, so a job_id is found without leaving the
// block. Rows holding a job_id are the only ones events_by_job indexes (migration 12: a partial index on
// JOB_HELD), half the entries it had. Readers take an empty job_id from the nearest row before that holds one
// (EVENT_ROW_SQLITE); lookups by job find the rows holding it through the index, then the rows after each up to
// the next row holding one (jobEventSeqsSqlite). Retention, which removes rows, first gives the row after a
// removed one the job_id it read through it (keepHeldJob). The job_id is hashed: a row read with another job_id
// than the one sealed fails `events verify`, named by its seq. Rows written by a job keep their job_id.

type Prepare = (sql: string) => Database.Statement;
type Row = Record<string, unknown>;

/**
 * The condition of events_by_job (migration 12): the row holds its job_id. A query that looks rows up by job_id
 * must carry this very term, or SQLite will not use the partial index. TEXT sorts before BLOB in SQLite, so no
 * text job_id (a caller's, or a row written before) is ever equal to X''.
 */
export const JOB_HELD = "job_id <> X''";

/**
 * SQL: the seqs of the events of the jobs whose holding rows `jh` meet `holder` (a condition on `jh.job_id`):
 * each holding row and the rows after it up to the next one holding a job_id (never beyond its block).
 */
export const jobEventSeqsSqlite = (holder: string): string => `SELECT js.seq FROM events jh JOIN events js
  ON js.seq >= jh.seq AND js.seq < COALESCE((SELECT jn.seq FROM events jn WHERE jn.seq > jh.seq
    AND +jn.job_id <> X'' ORDER BY jn.seq LIMIT 1), jh.seq + ${PAYLOAD_BLOCK})
  WHERE jh.${JOB_HELD} AND ${holder}`;

/** SQL: the job_id row `e` is read with, as stored (16 bytes, or text): its own, or the nearest one before it. */
export const heldJobSqlite = (e: string): string => `CASE WHEN ${e}.job_id = X'' THEN (SELECT jb.job_id
  FROM events jb WHERE jb.seq < ${e}.seq AND +jb.job_id <> X'' ORDER BY jb.seq DESC LIMIT 1) ELSE ${e}.job_id END`;

/** Events rows of one block (as SELECT * reads them, by seq) with each job_id the row before holds made empty. */
export function packJobIds(rows: readonly Row[]): Row[] {
  const empty = Buffer.alloc(0);
  let before: unknown;
  return rows.map((row) => {
    const job = row.job_id;
    const same = Buffer.isBuffer(job) && job.length === 16 && Buffer.isBuffer(before) && job.equals(before);
    before = job;
    return same ? { ...row, job_id: empty } : row;
  });
}

/**
 * Before retention removes the row at `seq`: the next row, when it reads its job_id through this one, is given
 * that job_id (so it keeps reading the one it was sealed with). Call in seq order, removing as you go.
 */
export function keepHeldJob(prepared: Prepare, seq: number): void {
  prepared(
    `UPDATE events SET job_id = (SELECT jb.job_id FROM events jb WHERE jb.seq <= @seq AND +jb.job_id <> X''
       ORDER BY jb.seq DESC LIMIT 1)
     WHERE seq = (SELECT MIN(seq) FROM events WHERE seq > @seq) AND job_id = X''`,
  ).run({ seq });
}
