import { decodeBlock } from "../event-block-body.js";
import { uuidBytes } from "../event-rows.js";
import type { IdempotentRecord } from "../store-port.js";
import { blockMayHoldJobs, jobTimeOf } from "./postgres-block-jobs.js";
import { eventNameIn } from "./postgres-event-forms.js";
import { jobIs } from "./postgres-job-index.js";

// Idempotency keys (section 3) and used job ids on the PostgreSQL backend, moved out of postgres-transaction.ts (file size).
// `rows` and `write` run a statement with `$1` bound to the workspace.

type Rows = (sql: string, values: unknown[]) => Promise<Record<string, unknown>[]>;
type Write = (sql: string, values: unknown[]) => Promise<void>;

/** The record kept under `key`, if any. */
export async function getIdempotent(rows: Rows, key: string): Promise<IdempotentRecord | undefined> {
  const sql = "SELECT request_hash, result FROM idempotency WHERE workspace_id = $1 AND key = $2";
  const row = (await rows(sql, [key]))[0];
  return row
    ? { request_hash: row.request_hash as string, result: JSON.parse(row.result as string) }
    : undefined;
}

/** Keeps `record` under `key`. */
export async function putIdempotent(write: Write, key: string, record: IdempotentRecord): Promise<void> {
  await write("INSERT INTO idempotency (workspace_id, key, request_hash, result) VALUES ($1, $2, $3, $4)", [
    key,
    record.request_hash,
    JSON.stringify(record.result),
  ]);
}

/**
 * True when an event of job `jobId` other than a capability decision is stored (a job id is used once): in rows,
 * or (issue 20, sixteenth part) in a block that may hold it (nineteenth part: by its time or its tail,
 * postgres-block-jobs.ts), in the same statement (no round trip added to a write); a block found is read to check
 * its events (another job of its time, or sharing its tail by chance, is not it).
 */
export async function jobIdUsed(rows: Rows, jobId: string): Promise<boolean> {
  const sql = `(SELECT NULL::bytea AS body FROM events e WHERE workspace_id = $1 AND ${jobIs("$2")}
      AND NOT ${eventNameIn("e", ["capability_decision"])} LIMIT 1)
    UNION ALL SELECT body FROM event_blocks WHERE workspace_id = $1 AND ${blockMayHoldJobs("ARRAY[$2::bytea]", "ARRAY[$3::bigint]")}`;
  const found = await rows(sql, [uuidBytes(jobId), jobTimeOf(jobId) ?? null]);
  return found.some(
    (row) =>
      row.body === null ||
      decodeBlock(row.body as Buffer).some(
        ({ event }) => event.job_id === jobId && event.event_name !== "capability_decision",
      ),
  );
}
