import type { StoredEvent } from "../../domain/events/stored-event.js";
import { blockRecords } from "../event-block-body.js";
import type { DerivedEventColumns } from "../event-derived-columns.js";
import { derivedColumnsFromRow } from "../event-derived-columns.js";
import { eventFromRow, hashFromColumn, uuidBytes } from "../event-rows.js";
import type { EventQuery } from "../store-port.js";
import { blockMayHoldJobs, jobTimesOf } from "./postgres-block-jobs.js";
import { blockDerivedColumns, blockEvents, eventsOf, mergeBySeq } from "./postgres-event-blocks.js";
import { EVENT_ROW_POSTGRES, EVENTS_POSTGRES } from "./postgres-event-forms.js";
import { jobIsAnyOf } from "./postgres-job-index.js";
import { withBlocks } from "./postgres-payload-blocks.js";

// The PostgreSQL store's reads of the log (readEvents, readDerivedEventColumns), moved out of postgres-store.ts:
// rows of the events table and, since issue 20's sixteenth part, events in blocks (postgres-event-blocks.ts),
// merged in seq order. `rows` runs a statement with `$1` bound to the workspace.

type Row = Record<string, unknown>;
type Rows = (sql: string, values: unknown[]) => Promise<Row[]>;

/** The events `query` selects, from rows and blocks, in seq order (before the `--wp` payload check). */
export async function readEventsPostgres(rows: Rows, query: EventQuery): Promise<StoredEvent[]> {
  const params: unknown[] = [query.afterSeq ?? 0];
  let sql = `SELECT ${EVENT_ROW_POSTGRES} FROM ${EVENTS_POSTGRES} WHERE workspace_id = $1 AND seq > $2`;
  if (query.beforeSeq !== undefined) {
    params.push(query.beforeSeq);
    sql += ` AND seq < $${params.length + 1}`;
  }
  const { wpId, jobIds } = query;
  if (wpId !== undefined) {
    params.push(wpId);
    sql += ` AND (wp_id = $${params.length + 1} OR related_wp_id = $${params.length + 1})`;
  }
  const jobs = jobIds?.map(uuidBytes);
  if (jobs !== undefined) {
    params.push(jobs);
    sql += ` AND ${jobIsAnyOf(`$${params.length + 1}`)}`;
  }
  sql += " ORDER BY seq";
  if (query.limit !== undefined) {
    params.push(query.limit);
    sql += ` LIMIT $${params.length + 1}`;
  }
  // Issue 20, ninth part: packed rows read their cold columns from their blocks.
  const fromRows = (await withBlocks(rows, await rows(sql, params))).map(eventFromRow);
  const wanted = new Set(jobIds);
  const fromBlocks = await blockEvents(rows, {
    ...(query.afterSeq === undefined ? {} : { afterSeq: query.afterSeq }),
    ...(query.beforeSeq === undefined ? {} : { beforeSeq: query.beforeSeq }),
    ...(query.limit === undefined ? {} : { limit: query.limit }),
    ...(wpId !== undefined
      ? { where: "wp_ids && ARRAY[$5::text]", values: [wpId] }
      : jobs !== undefined
        ? { where: blockMayHoldJobs("$5", "$6"), values: [jobs, jobTimesOf(jobIds as string[])] }
        : {}),
    keep: (record) =>
      (wpId === undefined || record.wp_id === wpId || record.related_wp_id === wpId) &&
      (jobIds === undefined || wanted.has(record.job_id)),
  });
  return mergeBySeq(fromRows, eventsOf(fromBlocks), query.limit);
}

/** The derived columns of a page of events, from rows and blocks, in seq order. */
export async function readDerivedColumnsPostgres(
  rows: Rows,
  page: { afterSeq?: number; limit?: number },
): Promise<DerivedEventColumns[]> {
  const sql = `SELECT seq, wp_id, related_wp_id FROM events WHERE workspace_id = $1 AND seq > $2
    ORDER BY seq LIMIT $3`;
  const fromRows = (await rows(sql, [page.afterSeq ?? 0, page.limit ?? null])).map(derivedColumnsFromRow);
  return mergeBySeq(fromRows, await blockDerivedColumns(rows, page), page.limit);
}

/** The hash of the event at `seq`: its row's, or (issue 20, sixteenth part) the event's in the block covering it. */
export async function eventHashAt(rows: Rows, seq: number): Promise<string | undefined> {
  const sql = `SELECT hash, NULL::bytea AS body FROM events WHERE workspace_id = $1 AND seq = $2
    UNION ALL SELECT NULL, body FROM event_blocks WHERE workspace_id = $1 AND first_seq <= $2 AND last_seq >= $2`;
  for (const row of await rows(sql, [seq])) {
    if (row.body === null) return hashFromColumn(row.hash);
    const held = blockRecords(row.body as Buffer).find((record) => record.seq === seq);
    if (held !== undefined) return held.event().hash;
  }
  return undefined;
}
