// The end of a board sync (LOCUS_SPEC section 8): TB-001 for entries Locus adds, the board state, and the
// file write. Ordering: the file cannot be part of the SQL transaction, so it is written LAST, from the
// job's beforeCommit actions, after every state write and event of the job succeeded and while the
// transaction is still open. If the write fails (disk, bounds, a concurrent edit), the action throws and the
// transaction rolls back: the store never records a board it did not write. The remaining window is a
// failing COMMIT after a successful rename; the next sync then sees entries that differ from the store's
// last written status and treats them like manual edits, through the state machine.

import { rememberWrittenBoard } from "../../board/board-cache.js";
import {
  type BoardFileStamp,
  ensureParentFolder,
  type ResolvedBoardPath,
  sameStamp,
  statBoardFile,
  writeBoardFileAtomic,
} from "../../board/board-file.js";
import type { BoardStatus, ParsedBoard } from "../../board/board-model.js";
import { LocusError } from "../../domain/errors.js";
import type { BoardWpState } from "../../store/store-port.js";
import type { JobContext } from "../job-context.js";

/** Emits TB-001 for every placed WP that had no entry in an owned section before this sync. */
export function emitEntriesAdded(
  ctx: JobContext,
  board: ParsedBoard,
  placed: ReadonlyMap<string, BoardStatus>,
  tokens: ReadonlyMap<string, string>,
  boardPath: string,
): void {
  const present = new Set<string>();
  for (const entry of board.entries) if (entry.board_status !== undefined) present.add(entry.wp_id);
  for (const [wp_id, board_status] of placed) {
    if (present.has(wp_id)) continue;
    ctx.emit("task_board_entry_added", {
      wp_id,
      board_path: boardPath,
      board_status,
      token: tokens.get(wp_id) ?? "",
    });
  }
}

/** What a sync leaves to write once the job's state writes are done. */
export interface ScheduledBoardWrite {
  resolved: ResolvedBoardPath;
  /** The stamp of the file when it was read (undefined: it did not exist). */
  readStamp: BoardFileStamp | undefined;
  /** The new board text, or undefined when the file stays as it is. */
  text: string | undefined;
  /** Board state rows to record (what is now on the board for these WPs). */
  state: readonly BoardWpState[];
  /**
   * When the file changed on disk since it was read: `refuse` rolls the job back (an explicit sync must not
   * overwrite a person's edit); `skip` leaves file and board state alone (auto-sync: the store change still
   * commits, and the next sync places it because the board state still says what was really written).
   */
  onConcurrentEdit: "refuse" | "skip";
  /** Called with the written bytes once the file is in place (auto-sync keeps its line index with them). */
  afterWrite?: (bytes: Buffer) => void;
}

/** Registers the board state write and the file write as the job's last actions (see the header). */
export function scheduleBoardWrite(ctx: JobContext, write: ScheduledBoardWrite): void {
  if (write.text === undefined && write.state.length === 0) return;
  const maxBytes = ctx.config.limits.board_bytes;
  ctx.beforeCommit.push(async () => {
    const { resolved, text } = write;
    if (text === undefined) {
      await ctx.tx.putBoardState(resolved.relative, write.state);
      return;
    }
    const size = Buffer.byteLength(text, "utf8");
    if (size > maxBytes) {
      // 8: a board Locus would write above the bound could not be read back.
      throw new LocusError("HSK-413-LIMIT", `the new board would be ${size} bytes, above ${maxBytes}`, {
        field: "board",
        limit: maxBytes,
        actual: size,
      });
    }
    const now = statBoardFile(resolved.absolute);
    const unchanged = write.readStamp === undefined ? now === undefined : sameStamp(now, write.readStamp);
    if (!unchanged) {
      if (write.onConcurrentEdit === "skip") return;
      throw new LocusError("HSK-409-CONFLICT", "the board changed on disk during the sync; run it again", {
        field: "path",
        board_path: resolved.relative,
      });
    }
    // The board state goes first: after the rename nothing that can fail remains but COMMIT itself.
    await ctx.tx.putBoardState(resolved.relative, write.state);
    if (!resolved.exists) await ensureParentFolder(resolved);
    const bytes = Buffer.from(text, "utf8");
    const stamp = writeBoardFileAtomic(resolved.absolute, bytes);
    rememberWrittenBoard(resolved.absolute, stamp, text);
    write.afterWrite?.(bytes);
  });
}
