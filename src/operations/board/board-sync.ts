// The work of `sync_task_board` (LOCUS_SPEC section 8) inside one job: read the board, plan with the pure
// planner, apply manual edits through the state machine (TB-003 then WP-002), import unknown entries, and
// leave the file write for the very end of the job (see board-write.ts for the ordering).

import { readParsedBoard } from "../../board/board-cache.js";
import { type BoardFileStamp, type ResolvedBoardPath, resolveBoardFile } from "../../board/board-file.js";
import type { BoardLimits } from "../../board/board-input.js";
import { type BoardStatus, type ParsedBoard, tokenAfterMove, wpStatusOf } from "../../board/board-model.js";
import { parseBoard } from "../../board/board-parser.js";
import {
  type ManualEdit,
  planBoardSync,
  type SyncDirection,
  type UnknownEntry,
} from "../../board/board-plan.js";
import { isLocusError, LocusError } from "../../domain/errors.js";
import { assertWpTransition } from "../../domain/wp-state-machine.js";
import type { BoardWpState } from "../../store/store-port.js";
import { transitionFacts } from "../common.js";
import type { JobContext } from "../job-context.js";
import { adoptUnknownEntries } from "./board-import.js";
import { pendingPutBack, reportPutBack } from "./board-render-check.js";
import { boardStateKey } from "./board-state-key.js";
import { emitEntriesAdded, scheduleBoardWrite } from "./board-write.js";

/** The params of sync_task_board, defaults applied. */
export interface BoardSyncParams {
  path?: string | undefined;
  direction: SyncDirection;
  dry_run: boolean;
  import_unknown: boolean;
}

/** A manual move the state machine refused: the entry goes back where the store says (section 8). */
export interface BoardConflict {
  wp_id: string;
  /** The status the store keeps. */
  store_status: BoardStatus;
  /** The section the entry was moved to. */
  board_status: BoardStatus;
  line: number;
  code: string;
  message: string;
}

/** The `data` of sync_task_board (section 4), plus what was imported and created. */
export interface BoardSyncReport {
  board_path: string;
  written: boolean;
  dry_run: boolean;
  status_changes: number;
  entries_added: number;
  entries_moved: number;
  conflicts: BoardConflict[];
  unknown_entries: {
    wp_id: string;
    section: string;
    board_status: BoardStatus;
    token: string;
    line: number;
    /** 1-based lines of the WP's other owned entries. */
    other_lines: number[];
  }[];
  duplicates_removed: {
    wp_id: string;
    line: number;
    removed_board_status: BoardStatus;
    kept_board_status: BoardStatus;
  }[];
  imported: number;
  created_sections: BoardStatus[];
  /** Issue 21 hole 9: lines of a render that never committed, moved back (or removed: restored null). */
  uncommitted_render_reverted: {
    wp_id: string;
    line: number;
    board_status: BoardStatus;
    restored_board_status: BoardStatus | null;
  }[];
}

/** The first content of a board that does not exist yet; owned sections are appended by the planner. */
export const NEW_BOARD_TEXT = "# Task Board\n";

/** Section 8 bounds from the workspace config. */
export function boardLimits(ctx: JobContext): BoardLimits {
  return { max_bytes: ctx.config.limits.board_bytes, max_line_bytes: ctx.config.limits.board_line_bytes };
}

/** Resolves the board path inside the workspace root (HSK-400-UNSAFE-PATH on any escape). */
export function resolveBoardPath(ctx: JobContext, requested: string | undefined): ResolvedBoardPath {
  const root = ctx.services.workspaceRoot;
  if (root === undefined) {
    throw new LocusError(
      "HSK-400-INVALID-PARAMS",
      "this store has no workspace folder, so it has no Task Board",
      {
        field: "path",
      },
    );
  }
  return resolveBoardFile(
    root,
    requested ?? ctx.config.board_path,
    requested === undefined ? "board_path" : "path",
  );
}

/** Reads and parses the board (bounds checked before reading), or a new board when the file is missing. */
export function loadBoard(
  ctx: JobContext,
  resolved: ResolvedBoardPath,
): { board: ParsedBoard; stamp: BoardFileStamp | undefined } {
  if (!resolved.exists) return { board: parseBoard(NEW_BOARD_TEXT), stamp: undefined };
  return readParsedBoard(resolved.absolute, boardLimits(ctx));
}

/** Runs a whole sync in the job `ctx` (events SYNC-001, TB-003*, WP-002*, WP-001*, TB-001*, TB-002, SYNC-002). */
export async function syncTaskBoard(ctx: JobContext, params: BoardSyncParams): Promise<BoardSyncReport> {
  const resolved = resolveBoardPath(ctx, params.path);
  const boardPath = resolved.relative;
  ctx.emit("sync_started", { kind: "task_board", target: boardPath });
  const { board, stamp } = loadBoard(ctx, resolved);
  assertLooksLikeBoard(board, resolved, params.path === undefined ? "board_path" : "path");
  const last = await ctx.tx.getBoardState(boardStateKey(ctx, boardPath));
  const stored = await ctx.tx.listBoardWps();
  const views = stored.map((wp) => ({
    wp_id: wp.wp_id,
    board_status: wp.board_status,
    token: wp.token,
    last_written_status: last.get(wp.wp_id)?.board_status,
  }));
  // Hole 9: lines a render that never committed wrote are the store's, not a person's: put them back.
  const putBack = await pendingPutBack(ctx, resolved);
  const plan = planBoardSync(board, views, { ...params, put_back: putBack });
  if (!params.dry_run) reportPutBack(ctx, plan.put_back, boardPath);

  const { applied, conflicts } = await applyManualEdits(ctx, plan.manual_edits, boardPath, params.dry_run);
  const importing = params.import_unknown && params.direction !== "to_board";
  const adoption = importing
    ? adoptUnknownEntries(ctx, plan.unknown_entries, boardPath, params.dry_run)
    : { placed: [], conflicts: [] };
  conflicts.push(...adoption.conflicts);
  const imported: UnknownEntry[] = adoption.placed;

  const out = plan.render({ applied_edits: applied, imported });
  const written = out.changed && !params.dry_run;
  if (!params.dry_run) {
    // Tokens of what the board shows after the sync: the moved/imported entry's own, else the store's.
    const tokens = new Map<string, string>(stored.map((wp) => [wp.wp_id, wp.token]));
    for (const edit of applied) tokens.set(edit.wp_id, edit.token);
    for (const entry of imported) tokens.set(entry.wp_id, entry.token);
    const changedState: BoardWpState[] = [];
    for (const [wp_id, board_status] of out.written_statuses) {
      const token = tokens.get(wp_id) ?? "";
      const before = last.get(wp_id);
      if (before?.board_status !== board_status || before.token !== token) {
        changedState.push({ wp_id, board_status, token });
      }
    }
    if (written) emitEntriesAdded(ctx, board, out.written_statuses, tokens, boardPath);
    scheduleBoardWrite(ctx, {
      resolved,
      readStamp: stamp,
      text: written ? out.text : undefined,
      state: changedState,
      onConcurrentEdit: "refuse",
      placed: out.placed,
      // from_board never writes the board: the lines stay as they are, and so does the journal.
      uncommitted: { mode: params.direction === "from_board" ? "carry" : "put_back", wps: putBack },
    });
  }
  const report: BoardSyncReport = {
    board_path: boardPath,
    written,
    dry_run: params.dry_run,
    status_changes: applied.length,
    entries_added: out.counts.entries_added,
    entries_moved: out.counts.entries_moved,
    conflicts,
    unknown_entries: importing
      ? []
      : plan.unknown_entries.map((entry) => ({
          wp_id: entry.wp_id,
          section: entry.section_heading,
          board_status: entry.board_status,
          token: entry.token,
          line: entry.line + 1,
          other_lines: entry.other_lines.map((line) => line + 1),
        })),
    duplicates_removed: out.duplicates.map((dup) => ({
      wp_id: dup.wp_id,
      line: dup.removed_line + 1,
      removed_board_status: dup.removed_board_status,
      kept_board_status: dup.kept_board_status,
    })),
    imported: imported.length,
    created_sections: [...out.created_sections],
    uncommitted_render_reverted: plan.put_back.map((entry) => ({ ...entry, line: entry.line + 1 })),
  };
  ctx.emit("task_board_synced", {
    board_path: boardPath,
    direction: params.direction,
    dry_run: params.dry_run,
    written,
    status_changes: report.status_changes,
    entries_added: report.entries_added,
    entries_moved: report.entries_moved,
    conflicts: conflicts.length,
    unknown_entries: report.unknown_entries.length,
    duplicates_removed: report.duplicates_removed.length,
    imported: report.imported,
  });
  const changes =
    report.status_changes +
    report.entries_added +
    report.entries_moved +
    report.duplicates_removed.length +
    report.imported;
  ctx.emit("sync_completed", { kind: "task_board", target: boardPath, changes });
  return report;
}

/**
 * Section 8 "Board -> store": each manual move is TB-003, then a status change through section 5 with the
 * board trigger (WP-002, source task_board_sync). A refused move is a conflict; the entry is put back.
 */
async function applyManualEdits(
  ctx: JobContext,
  edits: readonly ManualEdit[],
  boardPath: string,
  dryRun: boolean,
): Promise<{ applied: ManualEdit[]; conflicts: BoardConflict[] }> {
  const applied: ManualEdit[] = [];
  const conflicts: BoardConflict[] = [];
  for (const edit of edits) {
    const wp = await ctx.wp(edit.wp_id, { allowDeleted: true });
    const to = wpStatusOf(edit.to_board_status);
    let refusal: LocusError | undefined;
    try {
      assertWpTransition(wp.status, to, "board", transitionFacts(wp));
    } catch (error) {
      if (!isLocusError(error)) throw error;
      refusal = error;
    }
    const tb003 = {
      wp_id: edit.wp_id,
      board_path: boardPath,
      from_board_status: edit.from_board_status,
      to_board_status: edit.to_board_status,
      applied: refusal === undefined,
    };
    if (refusal !== undefined) {
      conflicts.push({
        wp_id: edit.wp_id,
        store_status: edit.from_board_status,
        board_status: edit.to_board_status,
        line: edit.line + 1,
        code: refusal.code,
        message: refusal.message,
      });
      if (!dryRun) ctx.emit("task_board_status_changed", tb003);
      continue;
    }
    applied.push(edit);
    if (dryRun) continue;
    ctx.emit("task_board_status_changed", tb003);
    const write = ctx.planWpWrite(wp);
    ctx.emit("work_packet_updated", {
      wp_id: wp.wp_id,
      ...write,
      // The entry keeps the token the person wrote: it becomes the WP's token (section 5), unless it is another
      // status's own token, which would now say the wrong status (issue 18).
      changes: {
        status: { from: wp.status, to },
        task_board_token: {
          from: wp.governance.task_board_token,
          to: tokenAfterMove(edit.token, edit.to_board_status),
        },
      },
      source: "task_board_sync",
    });
  }
  return { applied, conflicts };
}

/**
 * Issue 21 hole 2: a sync only ever rewrites a file that is a Task Board (an owned section or an entry), or
 * one that is empty or new; any other file (a README, notes, a config) is refused and left byte for byte.
 */
function assertLooksLikeBoard(board: ParsedBoard, resolved: ResolvedBoardPath, field: string): void {
  if (!resolved.exists) return;
  if (board.entries.length > 0 || board.sections.some((section) => section.owned_status !== undefined))
    return;
  // Empty, or only headings and comments (a board's skeleton such as "# Task Board"): Locus may fill it in.
  const inert = (line: ParsedBoard["lines"][number]) =>
    line.text.trim() === "" || line.kind === "heading" || line.kind === "comment";
  if (board.lines.every(inert)) return;
  throw new LocusError(
    "HSK-400-UNSAFE-PATH",
    `${resolved.relative} is not a Task Board (no owned section such as "## Ready" and no entry line), so Locus will not write into it`,
    { field, path: resolved.relative },
  );
}
