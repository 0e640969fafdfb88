// Auto-sync of one changed WP without parsing the board (LOCUS_SPEC section 12: `locus create` at 10K WPs
// spent ~40 ms parsing, planning and rendering a 10K-entry board for one line). The board's bytes are read
// and hashed; the line index stored for exactly those bytes (board-index-store.ts) locates the WP's entry
// lines, and the entry is spliced in (board-line-index.ts) with the result placeEntries would give. The
// guarantees are those of the full path: the write goes through scheduleBoardWrite (atomic, last in the
// job, skipped when the file changed on disk since it was read), and any board the index cannot handle
// exactly falls back to the full parse.
import { readParsedBoard, type StampedBoard } from "../../board/board-cache.js";
import { type ResolvedBoardPath, readBoardFile, sameStamp } from "../../board/board-file.js";
import { boardBytesHash, loadLineIndex, saveLineIndex } from "../../board/board-index-store.js";
import { decodeBoardInput } from "../../board/board-input.js";
import {
  type BoardLineIndex,
  buildLineIndex,
  indexFitsText,
  placeOneEntry,
} from "../../board/board-line-index.js";
import type { StoreWpBoardView } from "../../board/board-plan.js";
import type { JobContext } from "../job-context.js";
import { boardLimits } from "./board-sync.js";
import { scheduleBoardWrite } from "./board-write.js";

/** Either the sync is done (`changed`: the board will be rewritten), or the full path must run. */
export type OneEntrySync = { done: true; changed: boolean } | { done: false; board?: StampedBoard };

/** Places one WP's entry through the line index; `done: false` when the full path must do it. */
export function syncOneEntry(
  ctx: JobContext,
  resolved: ResolvedBoardPath,
  view: StoreWpBoardView,
): OneEntrySync {
  const limits = boardLimits(ctx);
  const cacheFolder = ctx.services.cacheFolder;
  const content = readBoardFile(resolved.absolute, limits.max_bytes);
  const sha256 = boardBytesHash(content.bytes);
  let index = loadLineIndex(resolved.absolute, cacheFolder, sha256);
  let text: string | undefined;
  if (index !== undefined && index.max_line_bytes === limits.max_line_bytes) {
    text = decodeBoardInput(content.bytes, limits);
    if (!indexFitsText(index, text)) index = undefined;
  } else index = undefined;
  if (index === undefined) {
    // No index for these bytes (first sync, or the file was edited): parse once, with every check of the
    // full path, and index the result for the next job.
    const parsed = readParsedBoard(resolved.absolute, limits);
    if (!sameStamp(parsed.stamp, content.stamp)) return { done: false, board: parsed };
    index = buildLineIndex(parsed.board, sha256, limits.max_line_bytes);
    if (index === undefined) return { done: false, board: parsed };
    saveLineIndex(resolved.absolute, cacheFolder, index);
    text = decodeBoardInput(content.bytes, limits);
  }
  const edit = placeOneEntry(text as string, index, view.wp_id, view.board_status, view.token);
  if (edit === undefined) return { done: false };
  if (edit.added) {
    ctx.emit("task_board_entry_added", {
      wp_id: view.wp_id,
      board_path: resolved.relative,
      board_status: view.board_status,
      token: view.token,
    });
  }
  scheduleBoardWrite(ctx, {
    resolved,
    readStamp: content.stamp,
    text: edit.changed ? edit.text : undefined,
    state: [{ wp_id: view.wp_id, board_status: view.board_status, token: view.token }],
    onConcurrentEdit: "skip",
    placed: edit.changed ? [view.wp_id] : [],
    // Only called when no render is pending put-back (board-auto-sync.ts): nothing to carry.
    uncommitted: { mode: "carry", wps: new Set() },
    afterWrite: (bytes) => {
      // A line the parser would refuse (a moved entry that grew past the line bound) is not indexed, so
      // the next sync parses the board and reports it, as it would have without the index.
      if (edit.longest_inserted > limits.max_line_bytes) return;
      const next: BoardLineIndex = { ...edit.index, sha256: boardBytesHash(bytes) };
      saveLineIndex(resolved.absolute, cacheFolder, next);
    },
  });
  return { done: true, changed: edit.changed };
}
