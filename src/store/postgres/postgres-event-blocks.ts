import { LocusError } from "../../domain/errors.js";
import type { StoredEvent } from "../../domain/events/stored-event.js";
import {
  type BlockEvent,
  type BlockRecord,
  blockRecords,
  decodeBlock,
  encodeBlock,
} from "../event-block-body.js";
import type { DerivedEventColumns } from "../event-derived-columns.js";
import { uuidBytes } from "../event-rows.js";
import { boundMs, timestampMs } from "../event-timestamps.js";
import { blockJobColumns } from "./postgres-block-jobs.js";
import type { EventTerms } from "./postgres-event-forms.js";

// Issue 20, sixteenth part: cold events leave the events table whole, into event_blocks (one row a block of up to
// 128 consecutive events by seq, every column compressed together: event-block-body.ts). An events row costs
// PostgreSQL ~28 bytes of header and line pointer and ~16-20 an index entry in each of four indexes before any
// value; a block costs them once for 128 events. Beside its body, a block row keeps what the readers find it by:
// - first_seq (the key) and last_seq: pages by seq (verify, replay, export, the replica log's pages);
// - wp_ids, every wp_id and related_wp_id of its events, GIN-indexed: a WP's events (`--wp`, the audit, a sync's
//   WPs);
// - job_times and job_tails (nineteenth part, postgres-block-jobs.ts): a job's events (the reused job id refused
//   on every write, the audit, retention's "did this job record anything else");
// - low_uuid and high_uuid, the smallest and largest event_uuid as stored (UUIDv7s: in time order), B-tree on the
//   high one: an event offered again in a sync (knownEvents). No unique index spans rows and blocks: a sync asks
//   knownEvents under the workspace lock before it appends (event-receiver.ts), an import needs an empty store,
//   and a job's own events have new uuids;
// - name_keys and replica_keys, the event_terms keys of its names and replicas (NULL when one has no key): the
//   dependency events, retention's names, the replica log of one replica;
// - first_ms, the earliest timestamp's milliseconds (NULL when one is not canonical): retention's bound.
// Every condition on a block only narrows the blocks read; the events read are then tested one by one, by the same
// rule the statement on rows applies. `$1` is the workspace in every statement here.

type Row = Record<string, unknown>;
type Rows = (sql: string, values: unknown[]) => Promise<Row[]>;

/** Migration 20 (issue 20, sixteenth part): the blocks of cold events and their indexes; reruns safely. */
export const EVENT_BLOCKS_MIGRATION = `
  CREATE TABLE IF NOT EXISTS event_blocks (
    workspace_id TEXT COLLATE "C" NOT NULL,
    first_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    first_ms BIGINT,
    low_uuid BYTEA NOT NULL,
    high_uuid BYTEA NOT NULL,
    name_keys SMALLINT[],
    replica_keys SMALLINT[],
    wp_ids TEXT[] COLLATE "C" NOT NULL,
    job_tails BYTEA[] NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (workspace_id, first_seq)
  );
  CREATE INDEX IF NOT EXISTS event_blocks_by_wp ON event_blocks USING gin (wp_ids);
  CREATE INDEX IF NOT EXISTS event_blocks_by_job ON event_blocks USING gin (job_tails);
  CREATE INDEX IF NOT EXISTS event_blocks_by_uuid ON event_blocks (workspace_id, high_uuid);
`;

/** SQL condition: the block may hold an event named one of `param` (a text[] parameter). */
export const blockMayName = (param: string): string =>
  `(name_keys IS NULL OR name_keys && ARRAY(SELECT t.term_key FROM event_terms t
     WHERE t.workspace_id = $1 AND t.term = ANY(${param}::text[])))`;

/** SQL condition: the block may hold an event of the replica `param` (a text parameter). */
export const blockMayReplica = (param: string): string =>
  `(replica_keys IS NULL OR replica_keys && ARRAY(SELECT t.term_key FROM event_terms t
     WHERE t.workspace_id = $1 AND t.term = ${param}))`;

/** What a read of blocks selects: a seq range, a condition on block rows, and the events it keeps. */
export interface BlockQuery {
  afterSeq?: number;
  /** Events before this seq only. */
  beforeSeq?: number;
  /** SQL condition on event_blocks columns; its parameters are `values`, from `$5` on. */
  where?: string;
  values?: unknown[];
  /** The events kept, by the columns a block record gives without decoding the event. */
  keep?: (record: BlockRecord) => boolean;
  /** At most this many events (the first by seq). */
  limit?: number;
}

/** The events in blocks that `query` selects, in seq order. */
export async function blockEvents(rows: Rows, query: BlockQuery): Promise<BlockEvent[]> {
  const found: BlockEvent[] = [];
  await eachBlockRecord(
    rows,
    query,
    () => found.length,
    (record) => {
      if (query.keep === undefined || query.keep(record))
        found.push({ event: record.event(), wp_id: record.wp_id, related_wp_id: record.related_wp_id });
    },
  );
  return found;
}

/** The derived columns of the events in blocks after `afterSeq`, in seq order, at most `limit` (none decoded). */
export async function blockDerivedColumns(
  rows: Rows,
  query: { afterSeq?: number; limit?: number },
): Promise<DerivedEventColumns[]> {
  const found: DerivedEventColumns[] = [];
  await eachBlockRecord(
    rows,
    query,
    () => found.length,
    ({ seq, wp_id, related_wp_id }) => {
      found.push({ seq, wp_id, related_wp_id });
    },
  );
  return found;
}

/**
 * Calls `take` for each event in the blocks `query` selects, in seq order, until `count()` reaches its limit.
 * A body that does not read (a block edited outside Locus) fails the read as HSK-400-INVALID-EVENT, named by the
 * first seq of it that was asked for, so `events verify` names it and verifies what comes before it.
 */
async function eachBlockRecord(
  rows: Rows,
  query: BlockQuery,
  count: () => number,
  take: (record: BlockRecord) => void,
): Promise<void> {
  const before = query.beforeSeq ?? null;
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  // A page of blocks holds up to 128 events each: enough blocks for the limit, and one more.
  const pageBlocks = query.limit === undefined ? null : Math.ceil(query.limit / 128) + 1;
  let after = query.afterSeq ?? 0;
  for (;;) {
    const blocks = await rows(
      `SELECT first_seq, last_seq, body FROM event_blocks
       WHERE workspace_id = $1 AND last_seq > $2 AND ($3::bigint IS NULL OR first_seq < $3)
         ${query.where === undefined ? "" : `AND ${query.where}`}
       ORDER BY first_seq LIMIT $4`,
      [after, before, pageBlocks, ...(query.values ?? [])],
    );
    for (const block of blocks) {
      if (count() >= limit) return; // a block past the limit is not read (verify reads up to a damaged one)
      for (const record of recordsOf(block, after)) {
        if (record.seq <= after || (before !== null && record.seq >= before)) continue;
        if (count() >= limit) return;
        take(record);
      }
    }
    const last = blocks[blocks.length - 1];
    if (pageBlocks === null || blocks.length < pageBlocks || count() >= limit || last === undefined) return;
    after = Number(last.last_seq);
  }
}

/** The records of a block row; a body that does not read fails as HSK-400, named by a seq after `after`. */
function recordsOf(block: Row, after: number): BlockRecord[] {
  try {
    return blockRecords(block.body as Buffer);
  } catch {
    const seq = Math.max(Number(block.first_seq), after + 1);
    throw new LocusError(
      "HSK-400-INVALID-EVENT",
      `stored events block of seq ${seq}: its body does not read`,
      {
        field: "payload",
        seq,
      },
    );
  }
}

/** The events of `rows` and `blocks` (each in seq order) in seq order, a seq once, at most `limit`. */
export function mergeBySeq<T extends { seq: number }>(
  rows: readonly T[],
  blocks: readonly T[],
  limit?: number,
): T[] {
  if (blocks.length === 0) return limit === undefined ? [...rows] : rows.slice(0, limit);
  const merged: T[] = [];
  let i = 0;
  let j = 0;
  while ((i < rows.length || j < blocks.length) && (limit === undefined || merged.length < limit)) {
    const a = rows[i];
    const b = blocks[j];
    if (b === undefined || (a !== undefined && a.seq <= b.seq)) {
      merged.push(a as T);
      i += 1;
      if (b !== undefined && a?.seq === b.seq) j += 1; // a row and a block never hold one seq; the row wins
    } else {
      merged.push(b);
      j += 1;
    }
  }
  return merged;
}

/** The events of blocks, as readers return them. */
export const eventsOf = (entries: readonly BlockEvent[]): StoredEvent[] =>
  entries.map((entry) => entry.event);

/** The timestamp of `event` is before the bound `before`, by the rule of postgres-event-forms.ts's timestampBefore. */
export function timestampIsBefore(timestamp: string, before: string): boolean {
  const ms = timestampMs(timestamp);
  return ms === undefined ? timestamp < before : ms < boundMs(before);
}

/** Writes the block `first` of `entries` (in seq order, not empty), replacing the block there. */
export async function putBlock(
  rows: Rows,
  terms: EventTerms,
  first: number,
  entries: BlockEvent[],
  body = encodeBlock(entries),
): Promise<void> {
  const uuids = entries.map((entry) => uuidBytes(entry.event.event_uuid)).sort(Buffer.compare);
  const jobs = blockJobColumns(entries);
  const wpIds = new Set<string>();
  const names = new Set<string>();
  const replicas = new Set<string>();
  let firstMs: number | null = Number.POSITIVE_INFINITY;
  for (const { event, wp_id, related_wp_id } of entries) {
    if (wp_id !== null) wpIds.add(wp_id);
    if (related_wp_id !== null) wpIds.add(related_wp_id);
    names.add(event.event_name);
    replicas.add(event.replica_id);
    const ms = timestampMs(event.timestamp);
    firstMs = ms === undefined || firstMs === null ? null : Math.min(firstMs, ms);
  }
  const keysOf = async (terms_: Set<string>): Promise<number[] | null> => {
    const keys: number[] = [];
    for (const term of terms_) {
      const key = await terms.keyOf(term);
      if (key === null) return null;
      keys.push(key);
    }
    return keys;
  };
  await rows(
    `INSERT INTO event_blocks (workspace_id, first_seq, last_seq, first_ms, low_uuid, high_uuid, name_keys,
       replica_keys, wp_ids, job_times, job_tails, body) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (workspace_id, first_seq) DO UPDATE SET last_seq = excluded.last_seq,
       first_ms = excluded.first_ms, low_uuid = excluded.low_uuid, high_uuid = excluded.high_uuid,
       name_keys = excluded.name_keys, replica_keys = excluded.replica_keys, wp_ids = excluded.wp_ids,
       job_times = excluded.job_times, job_tails = excluded.job_tails, body = excluded.body`,
    [
      first,
      (entries[entries.length - 1] as BlockEvent).event.seq,
      firstMs,
      uuids[0],
      uuids[uuids.length - 1],
      await keysOf(names),
      await keysOf(replicas),
      [...wpIds].sort(),
      jobs.job_times,
      jobs.job_tails,
      body,
    ],
  );
}

/** Removes the events of `seqs` from their blocks (retention); returns the seqs removed. */
export async function removeFromBlocks(
  rows: Rows,
  terms: EventTerms,
  seqs: readonly number[],
): Promise<Set<number>> {
  const removed = new Set<number>();
  if (seqs.length === 0) return removed;
  const wanted = new Set(seqs);
  const blocks = await rows(
    `SELECT first_seq, body FROM event_blocks b WHERE workspace_id = $1
       AND EXISTS (SELECT 1 FROM unnest($2::bigint[]) s WHERE s BETWEEN b.first_seq AND b.last_seq)`,
    [[...seqs]],
  );
  for (const block of blocks) {
    const entries = decodeBlock(block.body as Buffer);
    const kept = entries.filter((entry) => !wanted.has(entry.event.seq));
    for (const entry of entries) if (wanted.has(entry.event.seq)) removed.add(entry.event.seq);
    if (kept.length === entries.length) continue;
    if (kept.length === 0)
      await rows("DELETE FROM event_blocks WHERE workspace_id = $1 AND first_seq = $2", [block.first_seq]);
    else await putBlock(rows, terms, Number(block.first_seq), kept);
  }
  return removed;
}
