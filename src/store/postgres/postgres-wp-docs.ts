import type { TrackedWorkPacket } from "../../domain/records.js";
import { packText } from "../stored-json.js";

// Issue 20, fifth part, on PostgreSQL: a WP document is ~1.1 KB of JSON, and every job that writes a WP writes a
// new version of its row, which VACUUM makes reusable but does not give back (measured at 1,000 WPs of the
// standard day: 1,185 bytes a WP of live rows, 4,842 of free space). PostgreSQL compresses a value only in rows
// of ~2 KB, so the document is deflated when written (stored-json.ts, with the dictionary: ~340 bytes), as
// SQLite's maintenance does for cold documents (sqlite-wp-docs.ts); PostgreSQL has no maintenance step, and its
// jobs cost ~2.5 ms, where a deflate is ~25 us and an inflate ~10 us. The board's status and token, which
// listBoardWps read from the document with `doc::json`, get columns of their own (migration 11, as SQLite's 11).
// Documents written before are their text's UTF-8 bytes after the migration, and read as they were.

/** Migration 11: the document as bytes, the board's status and token as columns (run again safely). */
export const WP_DOCS_MIGRATION = `
  ALTER TABLE work_packets ADD COLUMN IF NOT EXISTS board_status TEXT COLLATE "C";
  ALTER TABLE work_packets ADD COLUMN IF NOT EXISTS board_token TEXT COLLATE "C";
  DO $migration$ BEGIN
    IF (SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()
          AND table_name = 'work_packets' AND column_name = 'doc') = 'text' THEN
      UPDATE work_packets SET board_status = doc::json #>> '{governance,task_board_status}',
        board_token = doc::json #>> '{governance,task_board_token}';
      ALTER TABLE work_packets ALTER COLUMN doc TYPE bytea USING convert_to(doc, 'UTF8');
    END IF;
  END $migration$;
`;

/** The doc column of a WP: its JSON deflated. */
export const wpDocColumn = (wp: TrackedWorkPacket): Buffer => packText(JSON.stringify(wp));

/** The board columns of a WP (board_status, board_token), what listBoardWps reads. */
export const wpBoardColumns = (wp: TrackedWorkPacket): [string | null, string | null] => [
  wp.governance.task_board_status ?? null,
  wp.governance.task_board_token ?? null,
];
