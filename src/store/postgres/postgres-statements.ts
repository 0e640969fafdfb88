// The multi-part write statements of the PostgreSQL transaction (kept apart for file size). Each is one round trip:
// data-modifying CTEs run exactly once and all see the same snapshot. `$1` is always the workspace id (9).
import pg from "pg";
import {
  columnBytes,
  hashBytes,
  storedClock,
  storedPayload,
  storedPrevHash,
  uuidBytes,
} from "../event-rows.js";
import { eventWpIds } from "../event-wp-ids.js";
import { HEAD_META_KEYS } from "../meta-rows.js";
import type { ChainHead, StoredEvent } from "../store-port.js";
import { plainText } from "../stored-json.js";
import { dependencyDocPostgres } from "./postgres-key-forms.js";
import { EVENTS_CHANNEL } from "./postgres-schema.js";

/** 7: a blocker `b` that still blocks: neither done nor cancelled. */
export const OPEN_BLOCKER = "b.status NOT IN ('done', 'cancelled')";

/**
 * A transaction's start as one script (statements without parameters, so one message and one round trip):
 * BEGIN, the workspace lock (the row lock of its `workspaces` row, which every job that writes takes, 9), then the
 * chain head's meta rows, in a statement of its own after the lock so it sees the latest commit. `lock` false: a
 * read-only snapshot without the lock. `before`: a statement sent first in the same message (the COMMIT of a
 * read-only transaction that now appends). `headAt`: the index of the head's rows among the script's results.
 */
/** How a read-only transaction begins: one snapshot for all its statements, without the workspace lock. */
export const BEGIN_READ_ONLY = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

export function beginScript(
  workspace: string,
  lock: boolean,
  before?: "COMMIT",
): { sql: string; headAt: number } {
  const ws = pg.escapeLiteral(workspace);
  const statements = [
    ...(before ? [before] : []),
    lock ? "BEGIN" : BEGIN_READ_ONLY,
    ...(lock ? [`SELECT 1 FROM workspaces WHERE workspace_id = ${ws} FOR NO KEY UPDATE`] : []),
    `SELECT key, value FROM meta WHERE workspace_id = ${ws} AND key IN (${HEAD_META_KEYS})`,
  ];
  return { sql: `${statements.join(";\n")};`, headAt: statements.length - 1 };
}

/** A WP's MTs ($2), in id order. */
export const GET_MTS = "SELECT doc FROM micro_tasks WHERE workspace_id = $1 AND wp_id = $2 ORDER BY mt_id";

/**
 * A WP's document ($2; NULL when there is none) and the id of its newest Bronze snapshot, which the WP's next
 * write names as `previous_bronze_id`: one round trip for both (issue 16). Always one row.
 */
export const GET_WP = `SELECT w.doc, (SELECT b.bronze_id FROM bronze b WHERE b.workspace_id = $1 AND b.wp_id = $2
         ORDER BY b.version DESC LIMIT 1) AS last_bronze_id
       FROM (VALUES (1)) AS one (n) LEFT JOIN work_packets w ON w.workspace_id = $1 AND w.wp_id = $2`;

/**
 * The events (unnest of 17 column arrays, $2..$18), the chain head in meta ($19 keys, $20 values) and the NOTIFY
 * ($21 payload) that PostgreSQL delivers only on commit (live changes, `events tail --follow`).
 */
export const APPEND_EVENTS = `WITH inserted AS (
         INSERT INTO events (workspace_id, seq, event_uuid, event_id, event_name, wp_id, related_wp_id, timestamp,
           trace_id, job_id, protocol_id, actor_id, replica_id, sequence, vector_clock, payload, prev_hash, hash)
         SELECT $1, * FROM unnest($2::bigint[], $3::bytea[], $4::text[], $5::text[], $6::text[], $7::text[],
           $8::text[], $9::bytea[], $10::bytea[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::text[],
           $16::bytea[], $17::bytea[], $18::bytea[])
         RETURNING 1),
       head AS (
         INSERT INTO meta (workspace_id, key, value) SELECT $1, k, v FROM unnest($19::text[], $20::text[]) AS t(k, v)
         ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value
         RETURNING 1)
       SELECT pg_notify('${EVENTS_CHANNEL}', $21)`;

/**
 * 7: upsert of a WP ($2..$11, section 17's $14 defer_ms, $15 lease_expires_ms, the board's $16 status and $17
 * token, issue 20's migration 11) with its readiness counters
 * computed for a new row, the open_blockers of its dependents when it opens or closes ($12: is open now), and the
 * label index ($13): removing stale labels and adding new ones touch disjoint rows, so one statement does both.
 */
export const PUT_WP = `WITH before AS (
         SELECT status FROM work_packets WHERE workspace_id = $1 AND wp_id = $2),
       upsert AS (
         INSERT INTO work_packets (workspace_id, wp_id, status, priority, type, phase, assignee, created_at,
           created_ms, deleted, doc, defer_ms, lease_expires_ms, board_status, board_token, open_blockers, blocks_out)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14, $15, $16, $17,
           (SELECT COUNT(*) FROM dependencies d JOIN work_packets b ON b.workspace_id = $1 AND b.wp_id = d.from_wp_id
             WHERE d.workspace_id = $1 AND d.to_wp_id = $2 AND d.type = 'blocks' AND ${OPEN_BLOCKER}),
           (SELECT COUNT(*) FROM dependencies d WHERE d.workspace_id = $1 AND d.from_wp_id = $2 AND d.type = 'blocks'))
         ON CONFLICT (workspace_id, wp_id) DO UPDATE SET status = excluded.status, priority = excluded.priority,
           type = excluded.type, phase = excluded.phase, assignee = excluded.assignee, deleted = excluded.deleted,
           doc = excluded.doc, defer_ms = excluded.defer_ms, lease_expires_ms = excluded.lease_expires_ms,
           board_status = excluded.board_status, board_token = excluded.board_token
         RETURNING 1),
       dependents AS (
         UPDATE work_packets SET open_blockers = open_blockers + CASE WHEN $12 THEN 1 ELSE -1 END
         WHERE workspace_id = $1
           AND wp_id IN (SELECT to_wp_id FROM dependencies WHERE workspace_id = $1 AND from_wp_id = $2 AND type = 'blocks')
           AND EXISTS (SELECT 1 FROM before WHERE (status NOT IN ('done', 'cancelled')) <> $12)
         RETURNING 1),
       stale_labels AS (
         DELETE FROM wp_labels WHERE workspace_id = $1 AND wp_id = $2 AND NOT (label = ANY($13::text[]))
         RETURNING 1)
       INSERT INTO wp_labels (workspace_id, label, wp_id) SELECT $1, l, $2 FROM unnest($13::text[]) AS l
       ON CONFLICT DO NOTHING`;

/**
 * WPs that are not stored yet, many in one round trip (a sync): $2..$11 column arrays as PUT_WP's $2..$11,
 * $12/$13 one entry per (label, wp_id), $14/$15 PUT_WP's defer_ms and lease_expires_ms. A new WP has no dependents to update; its counters come
 * from the edges already stored (section 7).
 */
export const INSERT_NEW_WPS = `WITH upsert AS (
         INSERT INTO work_packets (workspace_id, wp_id, status, priority, type, phase, assignee, created_at,
           created_ms, deleted, doc, defer_ms, lease_expires_ms, board_status, board_token, open_blockers, blocks_out)
         SELECT $1, w.wp_id, w.status, w.priority, w.type, w.phase, w.assignee, w.created_at, w.created_ms, w.deleted,
           w.doc, w.defer_ms, w.lease_expires_ms, w.board_status, w.board_token,
           (SELECT COUNT(*) FROM dependencies d JOIN work_packets b ON b.workspace_id = $1 AND b.wp_id = d.from_wp_id
             WHERE d.workspace_id = $1 AND d.to_wp_id = w.wp_id AND d.type = 'blocks' AND ${OPEN_BLOCKER}),
           (SELECT COUNT(*) FROM dependencies d WHERE d.workspace_id = $1 AND d.from_wp_id = w.wp_id AND d.type = 'blocks')
         FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],
           $10::boolean[], $11::bytea[], $14::bigint[], $15::bigint[], $16::text[], $17::text[])
           AS w(wp_id, status, priority, type, phase, assignee, created_at, created_ms, deleted, doc, defer_ms,
             lease_expires_ms, board_status, board_token)
         RETURNING 1)
       INSERT INTO wp_labels (workspace_id, label, wp_id) SELECT $1, l.label, l.wp_id
       FROM unnest($12::text[], $13::text[]) AS l(label, wp_id)
       ON CONFLICT DO NOTHING`;

/**
 * The readiness counters after adding (+) or removing (-) an edge (7): `blocks_out` of the blocker, and
 * `open_blockers` of the blocked WP when the blocker is open. Only `blocks` edges count. Params: $3 from, $4 to,
 * $5 type.
 */
function counterUpdate(sign: "+" | "-"): string {
  return `UPDATE work_packets w SET
      blocks_out = w.blocks_out ${sign} CASE WHEN w.wp_id = $3 THEN 1 ELSE 0 END,
      open_blockers = w.open_blockers ${sign} CASE WHEN w.wp_id = $4 AND EXISTS (
        SELECT 1 FROM work_packets b WHERE b.workspace_id = $1 AND b.wp_id = $3 AND ${OPEN_BLOCKER}) THEN 1 ELSE 0 END
    WHERE $5 = 'blocks' AND w.workspace_id = $1 AND w.wp_id IN ($3, $4)`;
}

/** A dependency's whole document by its id ($2); issue 20, fifteenth part: stored without its columns' fields. */
export const GET_DEPENDENCY = `SELECT ${dependencyDocPostgres("d")} AS doc FROM dependencies d
  WHERE workspace_id = $1 AND dependency_id = $2`;

/** A dependency's whole document by its edge ($2 from, $3 type, $4 to). */
export const FIND_DEPENDENCY = `SELECT ${dependencyDocPostgres("d")} AS doc FROM dependencies d
  WHERE workspace_id = $1 AND from_wp_id = $2 AND type = $3 AND to_wp_id = $4`;

/** Insert of an edge ($2 id, $3 from, $4 to, $5 type, $6 doc) and its readiness counters. */
export const PUT_DEPENDENCY = `WITH inserted AS (
         INSERT INTO dependencies (workspace_id, dependency_id, from_wp_id, to_wp_id, type, doc)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING 1)
       ${counterUpdate("+")}`;

/** Delete of an edge ($2 id, $3 from, $4 to, $5 type) and its readiness counters. */
export const REMOVE_DEPENDENCY = `WITH removed AS (
         DELETE FROM dependencies WHERE workspace_id = $1 AND dependency_id = $2 RETURNING 1)
       ${counterUpdate("-")}`;

/** The parameters of APPEND_EVENTS ($2..$21) for sealed `events`, and the chain head after them. */
export function appendEventsParams(
  events: readonly StoredEvent[],
  workspace: string,
  replicaId: string,
  head: ChainHead,
): { params: unknown[]; head: ChainHead } {
  const columns: unknown[][] = Array.from({ length: 17 }, () => []);
  let sequence = head.sequence;
  // The hash of the row stored before each event, whose prev_hash it usually is (stored once, event-rows.ts).
  let hashBefore = head.seq === (events[0] as StoredEvent).seq - 1 ? head.hash : undefined;
  for (const e of events) {
    const [wpId, relatedWpId] = eventWpIds(e.payload);
    // One array an event, written into the columns by index (a job's write path: no spread or entry pairs).
    const values = [
      e.seq,
      uuidBytes(e.event_uuid),
      e.event_id,
      e.event_name,
      wpId,
      relatedWpId,
      e.timestamp,
      uuidBytes(e.trace_id),
      uuidBytes(e.job_id),
      e.protocol_id,
      e.actor_id,
      e.replica_id,
      e.sequence,
      storedClock(e),
      // As on SQLite, a payload is written as its text and packed with the cold ones in blocks by maintenance
      // (issue 20, ninth part): deflating each one made ~3 fresh zlib contexts a job, ~90 us (issue 16).
      plainText(storedPayload(e)),
      columnBytes(storedPrevHash(e, hashBefore), 32),
      hashBytes(e.hash),
    ];
    hashBefore = e.hash;
    for (let index = 0; index < values.length; index++) (columns[index] as unknown[]).push(values[index]);
    // Only this store's replica advances its per-replica sequence (6).
    if (e.replica_id === replicaId) sequence = e.sequence;
  }
  const last = events[events.length - 1] as StoredEvent;
  const meta = [
    ["head_seq", "head_hash", "head_sequence"],
    [String(last.seq), last.hash, String(sequence)],
  ];
  return {
    params: [...columns, ...meta, JSON.stringify({ workspace, seq: last.seq })],
    head: { ...head, seq: last.seq, hash: last.hash, sequence },
  };
}
