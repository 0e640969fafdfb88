// Task Board bookkeeping of the PostgreSQL backend (section 8), the twin of sqlite-board-state.ts: the
// board-visible state of every WP, and per board file what the store last wrote for each WP. `$1` is the workspace.
import type { BoardWpState } from "../store-port.js";

type Row = Record<string, unknown>;
/** Runs a statement of this workspace (`$1` bound to the workspace id by the caller). */
export type WorkspaceQuery = (sql: string, values?: unknown[]) => Promise<Row[]>;

const toState = (row: Row): BoardWpState => ({
  wp_id: row.wp_id as string,
  board_status: row.board_status as BoardWpState["board_status"],
  token: row.token as string,
});

/** The board-visible state of every WP, deleted included (a tombstoned WP is `cancelled`), in created order. */
export async function listBoardWps(query: WorkspaceQuery): Promise<BoardWpState[]> {
  // Columns of their own (issue 20, fifth part: the document is deflated; it ran each sync, section 12).
  const rows = await query(
    `SELECT wp_id, board_status, board_token AS token
     FROM work_packets WHERE workspace_id = $1 ORDER BY created_at, wp_id`,
  );
  return rows.map(toState);
}

/** What was last written on the board at `boardPath`, by WP id (only `wpIds` when given). */
export async function getBoardState(
  query: WorkspaceQuery,
  boardPath: string,
  wpIds?: readonly string[],
): Promise<Map<string, BoardWpState>> {
  const select =
    "SELECT wp_id, board_status, token FROM board_state WHERE workspace_id = $1 AND board_path = $2";
  const rows =
    wpIds === undefined
      ? await query(select, [boardPath])
      : await query(`${select} AND wp_id = ANY($3::text[])`, [boardPath, [...wpIds]]);
  return new Map(rows.map((row) => [row.wp_id as string, toState(row)]));
}

/** Inserts or replaces the last written state of `entries` on the board at `boardPath`. */
export async function putBoardState(
  query: WorkspaceQuery,
  boardPath: string,
  entries: readonly BoardWpState[],
): Promise<void> {
  if (entries.length === 0) return;
  await query(
    `INSERT INTO board_state (workspace_id, board_path, wp_id, board_status, token)
     SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[])
     ON CONFLICT (workspace_id, board_path, wp_id) DO UPDATE
       SET board_status = excluded.board_status, token = excluded.token`,
    [
      boardPath,
      entries.map((entry) => entry.wp_id),
      entries.map((entry) => entry.board_status),
      entries.map((entry) => entry.token),
    ],
  );
}
