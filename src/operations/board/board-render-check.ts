// Which board lines a sync must put back because the render that wrote them never committed (issue 21
// hole 9; the journal is described in src/board/board-render-journal.ts).
import type { ResolvedBoardPath } from "../../board/board-file.js";
import type { PutBackEntry } from "../../board/board-plan.js";
import { readRenderJournal } from "../../board/board-render-journal.js";
import type { JobContext } from "../job-context.js";

/**
 * The WPs whose lines on the board were written by a render the store never committed: all of the last
 * render's WPs when its event is not in the store (a killed job or a failed COMMIT), plus the ones earlier
 * renders carried. Empty without a journal.
 */
export async function pendingPutBack(ctx: JobContext, resolved: ResolvedBoardPath): Promise<Set<string>> {
  const journal = readRenderJournal(ctx.services.cacheFolder, resolved.absolute, resolved.relative);
  if (journal === undefined) return new Set();
  const pending = new Set(journal.carried);
  // The render committed iff its job's recorded event is in the store, with the same hash (a seq reused by a
  // later job after the crash has another hash).
  const committed = (await ctx.tx.eventHashAt(journal.seq)) === journal.hash;
  if (!committed) for (const wpId of journal.wps) pending.add(wpId);
  return pending;
}

/** Records the lines a sync put back in a diagnostic event (the sync report lists them too). */
export function reportPutBack(ctx: JobContext, putBack: readonly PutBackEntry[], boardPath: string): void {
  if (putBack.length === 0) return;
  const named = putBack.map((entry) => `${entry.wp_id}@${entry.line + 1}`).join(", ");
  ctx.emit("diagnostic", {
    code: "uncommitted_render_reverted",
    message: `board lines written by a job that never committed were put back: ${named}`.slice(0, 2_000),
    subject: boardPath.slice(0, 1_000),
  });
}
