import type { JobContext } from "../job-context.js";

/**
 * The key under which the store keeps what it last wrote on a board (section 8's manual-edit detection). Section 17:
 * each linked git worktree has its own copy of the board file, written at its own times, so each keeps its own
 * record; otherwise a stale copy in one checkout would read as a person's move against what another was written.
 * The main worktree (and any workspace outside git) keeps the plain workspace-relative path.
 */
export function boardStateKey(ctx: JobContext, relative: string): string {
  const checkout = ctx.services.checkout;
  return checkout === undefined ? relative : `${relative}@worktree:${checkout}`;
}
