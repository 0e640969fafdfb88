// Auto-sync (LOCUS_SPEC section 8): after an operation changes what the board shows (`ctx.boardDirty`), the
// board is brought up to date in the same job. Installed as the engine's afterApply hook by whoever opens an
// engine on a workspace folder (the CLI); a workspace without a board file is left alone.
//
// Cost (section 12): only the WPs this job changed are planned, with direction to_board, so every other
// entry is "unknown" to the plan and stays exactly where it is; the board state is read for those WPs only;
// and the parsed board is reused while the file on disk is the one Locus last read or wrote (board-cache).
// The common case, one WP changed, does not parse or render the board at all: its entry is spliced in
// through the board's line index (board-auto-sync-incremental.ts), with the same result.
import { planBoardSync, type StoreWpBoardView } from "../../board/board-plan.js";
import { isLocusError } from "../../domain/errors.js";
import type { AfterApplyHook } from "../envelope.js";
import type { JobContext } from "../job-context.js";
import { syncOneEntry } from "./board-auto-sync-incremental.js";
import { pendingPutBack, reportPutBack } from "./board-render-check.js";
import { boardStateKey } from "./board-state-key.js";
import { loadBoard, resolveBoardPath } from "./board-sync.js";
import { emitEntriesAdded, scheduleBoardWrite } from "./board-write.js";

/** The afterApply hook that keeps the Task Board in step with every state change (section 8). */
export const boardAutoSync: AfterApplyHook = async (ctx, operation, data) => {
  if (!ctx.boardDirty || operation.name === "sync_task_board") return;
  if (ctx.services.workspaceRoot === undefined) return;
  try {
    if (await autoSync(ctx)) data.task_board_updated = true;
  } catch (error) {
    // A board that cannot be read (too big, NUL bytes, unsafe path) must not block work on the store: the
    // change commits, the problem is recorded, and `locus board sync` reports it in full.
    if (!isLocusError(error)) throw error;
    ctx.emit("diagnostic", {
      code: error.code,
      message: `task board not updated: ${error.message}`.slice(0, 2_000),
      subject: ctx.config.board_path.slice(0, 1_000),
    });
  }
};

/** Returns true when the board file will be rewritten at the end of the job. */
async function autoSync(ctx: JobContext): Promise<boolean> {
  const resolved = resolveBoardPath(ctx, undefined);
  if (!resolved.exists) return false;
  const changed = changedWpIds(ctx);
  if (changed.length === 0) return false;
  const last = await ctx.tx.getBoardState(boardStateKey(ctx, resolved.relative), changed);
  const views: StoreWpBoardView[] = [];
  for (const wpId of changed) {
    const wp = ctx.state.wps.get(wpId);
    if (wp === undefined) continue;
    const before = last.get(wpId);
    const { task_board_status: board_status, task_board_token: token } = wp.governance;
    // Nothing the board shows changed for this WP since the store last wrote it: leave its entry alone (a
    // pending manual edit of it is the next sync's business, not overwritten here).
    if (before !== undefined && before.board_status === board_status && before.token === token) continue;
    views.push({ wp_id: wpId, board_status, token, last_written_status: before?.board_status });
  }
  if (views.length === 0) return false;
  // Hole 9: lines of a render that never committed are put back by this render too (one small file read
  // and one lookup by seq; the journal names nothing pending in the common case).
  const putBack = await pendingPutBack(ctx, resolved);
  if (putBack.size > 0) await addPutBackViews(ctx, views, putBack);
  let parsed: ReturnType<typeof loadBoard> | undefined;
  if (views.length === 1 && putBack.size === 0) {
    const one = syncOneEntry(ctx, resolved, views[0] as StoreWpBoardView);
    if (one.done) return one.changed;
    parsed = one.board;
  }
  const { board, stamp } = parsed ?? loadBoard(ctx, resolved);
  const options = { direction: "to_board", import_unknown: false, put_back: putBack } as const;
  const plan = planBoardSync(board, views, options);
  reportPutBack(ctx, plan.put_back, resolved.relative);
  const out = plan.render();
  const tokens = new Map(views.map((view) => [view.wp_id, view.token]));
  const state = views.map((view) => ({
    wp_id: view.wp_id,
    board_status: view.board_status,
    token: view.token,
  }));
  if (out.changed) emitEntriesAdded(ctx, board, out.written_statuses, tokens, resolved.relative);
  scheduleBoardWrite(ctx, {
    resolved,
    readStamp: stamp,
    text: out.changed ? out.text : undefined,
    state,
    onConcurrentEdit: "skip",
    placed: out.placed,
    uncommitted: { mode: "put_back", wps: putBack },
  });
  return out.changed;
}

/** Adds the store's view of every pending put-back WP the store knows (to_board places exactly the views). */
async function addPutBackViews(
  ctx: JobContext,
  views: StoreWpBoardView[],
  putBack: ReadonlySet<string>,
): Promise<void> {
  const present = new Set(views.map((view) => view.wp_id));
  const missing = [...putBack].filter((wpId) => !present.has(wpId));
  for (const wp of await ctx.tx.getWps(missing)) {
    const { task_board_status: board_status, task_board_token: token } = wp.governance;
    views.push({ wp_id: wp.wp_id, board_status, token, last_written_status: undefined });
  }
}

/** WP ids named by the events of this job, in order, each once. */
function changedWpIds(ctx: JobContext): string[] {
  const ids = new Set<string>();
  for (const event of ctx.events()) {
    const wpId = event.payload.wp_id;
    if (typeof wpId === "string") ids.add(wpId);
  }
  return [...ids];
}
