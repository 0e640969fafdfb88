// The end of a board sync (LOCUS_SPEC section 8): TB-001 for entries Locus adds, the board state, and the
// file write. Ordering: the file cannot be part of the SQL transaction, so it is written LAST, from the
// job's beforeCommit actions, after every state write and event of the job succeeded and while the
// transaction is still open. If the write fails (disk, bounds, a concurrent edit), the action throws and the
// transaction rolls back: the store never records a board it did not write. The remaining window is a
// failing COMMIT (or a killed process) after a successful rename: the file then shows lines the store never
// committed. Just before the rename the job writes the render journal (board-render-journal.ts) naming its
// render and the WPs it placed, so the next sync puts those lines back instead of reading them as a
// person's edits (issue 21 hole 9).

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
import { writeRenderJournal } from "../../board/board-render-journal.js";
import { LocusError } from "../../domain/errors.js";
import type { BoardWpState } from "../../store/store-port.js";
import { faultPoint } from "../fault-point.js";
import type { JobContext } from "../job-context.js";
import { boardStateKey } from "./board-state-key.js";

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
  /** WPs whose entry lines this render places from the store's side (the render journal lists them). */
  placed: readonly string[];
  /**
   * Lines of earlier renders that never committed (pendingPutBack): `put_back` when this job's render puts
   * them back (the journal is rewritten even if the file is not), `carry` when it leaves them as they are
   * (a from_board sync; the new journal, if any, carries them until a render puts them back).
   */
  uncommitted: { mode: "put_back" | "carry"; wps: ReadonlySet<string> };
}

/** Registers the board state write and the file write as the job's last actions (see the header). */
export function scheduleBoardWrite(ctx: JobContext, write: ScheduledBoardWrite): void {
  const putsBack = write.uncommitted.mode === "put_back" && write.uncommitted.wps.size > 0;
  if (write.text === undefined && write.state.length === 0 && !putsBack) return;
  const maxBytes = ctx.config.limits.board_bytes;
  ctx.beforeCommit.push(async () => {
    const { resolved, text } = write;
    if (text === undefined) {
      await ctx.tx.putBoardState(boardStateKey(ctx, resolved.relative), write.state);
      // Lines put back without a write: a new journal says so (were it left, the next sync would put them
      // back again, over a person's later move).
      if (putsBack) recordRender(ctx, write);
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
    await ctx.tx.putBoardState(boardStateKey(ctx, resolved.relative), write.state);
    if (!resolved.exists) await ensureParentFolder(resolved);
    const bytes = Buffer.from(text, "utf8");
    // The journal goes before the rename: from the rename on, a killed job leaves lines the store never
    // committed, and the journal is what tells the next sync which ones.
    recordRender(ctx, write);
    const stamp = writeBoardFileAtomic(resolved.absolute, bytes);
    faultPoint("board-after-rename");
    rememberWrittenBoard(resolved.absolute, stamp, text);
    write.afterWrite?.(bytes);
  });
}

const PURGEABLE: ReadonlySet<string> = new Set(["capability_decision", "work_query_executed"]);

/** Writes the render journal of this job's render (see the header and board-render-journal.ts). */
function recordRender(ctx: JobContext, write: ScheduledBoardWrite): void {
  // The job's last event that retention may never purge (section 6), so the check stays possible for good.
  const last = ctx.events().findLast((event) => !PURGEABLE.has(event.event_name));
  if (last === undefined) return;
  const placed = new Set(write.placed);
  const { mode, wps } = write.uncommitted;
  if (mode === "put_back") for (const wpId of wps) placed.add(wpId);
  const carried = mode === "carry" ? [...wps].filter((wpId) => !placed.has(wpId)) : [];
  writeRenderJournal(ctx.services.cacheFolder, write.resolved.absolute, {
    version: 1,
    board_path: write.resolved.relative,
    seq: last.seq,
    hash: last.hash,
    wps: [...placed],
    carried,
  });
}
