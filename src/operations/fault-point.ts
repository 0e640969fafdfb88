/**
 * TEST ONLY: `LOCUS_FAULT=<name>` kills the process at the named point, as `kill -9` would, so a test can
 * reproduce a crash inside a window deterministically. The points: `board-after-rename` (the board file renamed
 * into place, COMMIT not yet run; issue 21 hole 9) and `purge-after-move` (a retention purge's rows moved,
 * COMMIT not yet run; section 16).
 */
export function faultPoint(name: "board-after-rename" | "purge-after-move"): void {
  if (process.env.LOCUS_FAULT === name) process.kill(process.pid, "SIGKILL");
}
