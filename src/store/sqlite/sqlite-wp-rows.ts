import type Database from "better-sqlite3";
import { readinessColumns } from "../../domain/leases.js";
import {
  isClosedStatus,
  type TrackedDependency,
  type TrackedWorkPacket,
  type WorkPacketStatus,
} from "../../domain/records.js";

// The work_packets rows of the SQLite backend: the document, the columns query_ready filters and sorts on,
// the labels table, and the readiness counters (open_blockers, blocks_out) that dependency and status
// changes keep exact, so a ready query never walks the graph (section 7).

type Row = Record<string, unknown>;
type Prepare = (sql: string) => Database.Statement;

/** True when the stored indexed columns of a WP row equal the new ones. */
function sameColumns(row: Row, columns: Record<string, string | number | null>): boolean {
  for (const [name, value] of Object.entries(columns)) if (row[name] !== value) return false;
  return true;
}

/**
 * Writes the work_packets row of a WP: its document, the indexed columns, and, when it is new or opens or
 * closes, the readiness counters of the WPs it blocks (section 7).
 */
export function putWpRow(prepared: Prepare, wp: TrackedWorkPacket): void {
  const before = prepared(
    "SELECT status, priority, type, phase, assignee, deleted, defer_ms, lease_expires_ms FROM work_packets WHERE wp_id = ?",
  ).get(wp.wp_id) as Row | undefined;
  const columns = indexedColumns(wp);
  // Section 12 (update_wp p99): most updates change only the document (title, notes, labels...). The
  // upsert below rewrites every indexed column, so SQLite rewrites the entries of every index of the table;
  // an UPDATE of doc alone touches only the index that reads doc (wp_board_view). Same row either way.
  if (before !== undefined && sameColumns(before, columns)) {
    prepared("UPDATE work_packets SET doc = ?, board_token = ? WHERE wp_id = ?").run(
      JSON.stringify(wp),
      boardToken(wp),
      wp.wp_id,
    );
    putLabels(prepared, wp);
    return;
  }
  insertWpRow(prepared, wp, columns, UPSERT);
  const wasOpen = before !== undefined && !isClosedStatus(before.status as WorkPacketStatus);
  const isOpen = !isClosedStatus(wp.status);
  if (before !== undefined && wasOpen !== isOpen) {
    prepared(
      `UPDATE work_packets SET open_blockers = open_blockers + ?
       WHERE wp_id IN (SELECT to_wp_id FROM dependencies WHERE from_wp_id = ? AND type = 'blocks')`,
    ).run(isOpen ? 1 : -1, wp.wp_id);
  }
  putLabels(prepared, wp);
}

/**
 * Writes the rows of WPs new to this store (a sync bringing work from another replica): no earlier row to read,
 * no labels to replace.
 */
export function insertNewWpRows(prepared: Prepare, wps: readonly TrackedWorkPacket[]): void {
  const addLabel = prepared("INSERT OR IGNORE INTO wp_labels (label, wp_id) VALUES (?, ?)");
  for (const wp of wps) {
    insertWpRow(prepared, wp, indexedColumns(wp), "");
    for (const label of new Set(wp.labels)) addLabel.run(label, wp.wp_id);
  }
}

const UPSERT = `ON CONFLICT (wp_id) DO UPDATE SET status = excluded.status, priority = excluded.priority, type = excluded.type,
       phase = excluded.phase, assignee = excluded.assignee, deleted = excluded.deleted, doc = excluded.doc,
       defer_ms = excluded.defer_ms, lease_expires_ms = excluded.lease_expires_ms, board_token = excluded.board_token`;

/** The board's token of a WP, kept in its own column for wp_board_view (sqlite-wp-docs.ts). */
const boardToken = (wp: TrackedWorkPacket): string | null => wp.governance.task_board_token ?? null;

/** The indexed columns of a WP row. */
function indexedColumns(wp: TrackedWorkPacket): Record<string, string | number | null> {
  return {
    status: wp.status,
    priority: wp.priority,
    type: wp.type,
    phase: wp.governance.phase ?? null,
    assignee: wp.assignee ?? null,
    deleted: wp.tombstone ? 1 : 0,
    ...readinessColumns(wp), // section 17: deferral and lease expiry, decided at query time
  };
}

/** Inserts (or, with `onConflict`, upserts) a work_packets row, with its readiness counters from the edges. */
function insertWpRow(
  prepared: Prepare,
  wp: TrackedWorkPacket,
  columns: Record<string, string | number | null>,
  onConflict: string,
): void {
  prepared(
    `INSERT INTO work_packets (wp_id, status, priority, type, phase, assignee, created_at, created_ms, deleted, doc,
       defer_ms, lease_expires_ms, board_token, open_blockers, blocks_out)
     VALUES (@wp_id, @status, @priority, @type, @phase, @assignee, @created_at, @created_ms, @deleted, @doc,
       @defer_ms, @lease_expires_ms, @board_token,
       (SELECT COUNT(*) FROM dependencies d JOIN work_packets b ON b.wp_id = d.from_wp_id
         WHERE d.to_wp_id = @wp_id AND d.type = 'blocks' AND b.status NOT IN ('done', 'cancelled')),
       (SELECT COUNT(*) FROM dependencies d WHERE d.from_wp_id = @wp_id AND d.type = 'blocks'))
     ${onConflict}`,
  ).run({
    wp_id: wp.wp_id,
    ...columns,
    created_at: wp.created_at,
    created_ms: Date.parse(wp.created_at),
    doc: JSON.stringify(wp),
    board_token: boardToken(wp),
  });
}

/** Makes wp_labels hold exactly the WP's labels; unchanged labels are left alone (no index churn). */
function putLabels(prepared: Prepare, wp: TrackedWorkPacket): void {
  const stored = prepared("SELECT label FROM wp_labels WHERE wp_id = ?").pluck().all(wp.wp_id) as string[];
  const wanted = new Set(wp.labels);
  if (stored.length === wanted.size && stored.every((label) => wanted.has(label))) return;
  prepared("DELETE FROM wp_labels WHERE wp_id = ?").run(wp.wp_id);
  const addLabel = prepared("INSERT OR IGNORE INTO wp_labels (label, wp_id) VALUES (?, ?)");
  for (const label of wanted) addLabel.run(label, wp.wp_id);
}

/** Keeps `blocks_out` of the blocker and `open_blockers` of the blocked WP exact (section 7 readiness). */
export function adjustBlockCounters(prepared: Prepare, dep: TrackedDependency, delta: 1 | -1): void {
  prepared("UPDATE work_packets SET blocks_out = blocks_out + ? WHERE wp_id = ?").run(delta, dep.from_wp_id);
  prepared(
    `UPDATE work_packets SET open_blockers = open_blockers + ?
     WHERE wp_id = ? AND EXISTS (SELECT 1 FROM work_packets b WHERE b.wp_id = ? AND b.status NOT IN ('done', 'cancelled'))`,
  ).run(delta, dep.to_wp_id, dep.from_wp_id);
}
