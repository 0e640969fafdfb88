// Task Board bookkeeping of the SQLite backend (section 8): the board-visible state of every WP, and per
// board file what the store last wrote for each WP. Kept apart from sqlite-transaction.ts (file size).
import type Database from "better-sqlite3";
import type { BoardWpState } from "../store-port.js";

type Prepare = (sql: string) => Database.Statement;

/** The board-visible state of every WP, deleted included (a tombstoned WP is `cancelled`), in created order. */
export function listBoardWps(prepared: Prepare): BoardWpState[] {
  // The board status is the status in capitals (section 5); the token comes from the covering index
  // wp_board_view, so no document is read (its own column since migration 11: a cold document is deflated).
  const rows = prepared(
    `SELECT wp_id, upper(status), board_token FROM work_packets ORDER BY created_at, wp_id`,
  )
    .raw(true)
    .all() as [string, BoardWpState["board_status"], string][];
  return rows.map(([wp_id, board_status, token]) => ({ wp_id, board_status, token }));
}

/** What was last written on the board at `boardPath`, by WP id. */
export function getBoardState(
  prepared: Prepare,
  boardPath: string,
  wpIds?: readonly string[],
): Map<string, BoardWpState> {
  const select = "SELECT wp_id, board_status, token FROM board_state WHERE board_path = ?";
  const rows = (
    wpIds === undefined
      ? prepared(select).raw(true).all(boardPath)
      : prepared(`${select} AND wp_id IN (SELECT value FROM json_each(?))`)
          .raw(true)
          .all(boardPath, JSON.stringify(wpIds))
  ) as [string, BoardWpState["board_status"], string][];
  const state = new Map<string, BoardWpState>();
  for (const [wp_id, board_status, token] of rows) state.set(wp_id, { wp_id, board_status, token });
  return state;
}

/** Inserts or replaces the last written state of `entries` on the board at `boardPath`. */
export function putBoardState(prepared: Prepare, boardPath: string, entries: readonly BoardWpState[]): void {
  const upsert = prepared(
    "INSERT OR REPLACE INTO board_state (board_path, wp_id, board_status, token) VALUES (?, ?, ?, ?)",
  );
  for (const entry of entries) upsert.run(boardPath, entry.wp_id, entry.board_status, entry.token);
}
