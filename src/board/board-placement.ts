// Store -> board placement (LOCUS_SPEC section 8): each WP with a final status appears exactly once
// among the owned sections. Untouched entries keep their place and text; moved and new entries go to
// the end of their section; missing owned sections are created at the end of the file.
import type { BoardStatus, ParsedBoard } from "./board-model.js";
import { BOARD_STATUSES, tokenAfterMove } from "./board-model.js";
import type { BoardSyncOutput, DuplicateEntry } from "./board-plan.js";
import { BoardEditor, renderBoard } from "./board-renderer.js";

/** An entry in an owned section, narrowed: it has a section and a status. */
export interface OwnedEntry {
  readonly wp_id: string;
  readonly token: string;
  readonly trailing: string;
  readonly line: number;
  readonly section: number;
  readonly board_status: BoardStatus;
}

/** The final place of one WP: its board status and the token to write if its entry is (re)written. */
export interface FinalWpState {
  readonly board_status: BoardStatus;
  readonly token: string;
}

/** Owned entries grouped by WP, each group in file order. */
export function ownedOccurrences(board: ParsedBoard): Map<string, OwnedEntry[]> {
  const owned = new Map<string, OwnedEntry[]>();
  for (const entry of board.entries) {
    if (entry.board_status === undefined || entry.section === undefined) continue;
    // The checks above narrow the entry; no copy (a spread per entry cost ~1 µs each at 10K entries).
    const narrowed = entry as OwnedEntry;
    const list = owned.get(entry.wp_id);
    if (list === undefined) owned.set(entry.wp_id, [narrowed]);
    else list.push(narrowed);
  }
  return owned;
}

/** The copies that lose: all but the last one in the winning status (all but the last when none is). */
export function staleCopies(
  wpId: string,
  occurrences: readonly OwnedEntry[],
  winner: BoardStatus,
): DuplicateEntry[] {
  const keeper = occurrences.findLast((entry) => entry.board_status === winner);
  const losers =
    keeper === undefined ? occurrences.slice(0, -1) : occurrences.filter((entry) => entry !== keeper);
  return losers.map((entry) => ({
    wp_id: wpId,
    removed_line: entry.line,
    removed_board_status: entry.board_status,
    kept_board_status: winner,
  }));
}

/** Builds the new board for the final state of every placed WP (`finals`, in placement order). */
export function placeEntries(
  board: ParsedBoard,
  owned: ReadonlyMap<string, readonly OwnedEntry[]>,
  finals: ReadonlyMap<string, FinalWpState>,
  readOnly: boolean,
  removedLines: readonly number[] = [],
): BoardSyncOutput {
  const written_statuses = new Map<string, BoardStatus>();
  if (readOnly) {
    // Direction from_board: the board is read, never written, so nothing counts as written either.
    const counts = { entries_added: 0, entries_moved: 0, duplicates_removed: 0 };
    return {
      text: renderBoard(board),
      changed: false,
      counts,
      duplicates: [],
      created_sections: [],
      written_statuses,
      placed: [],
    };
  }
  for (const [wpId, state] of finals) written_statuses.set(wpId, state.board_status);
  const editor = new BoardEditor(board);
  // Lines of a render that never committed, for WPs the store does not know (board-plan.ts put_back).
  for (const line of removedLines) editor.removeLine(line);
  const placed: string[] = [];
  const appends = new Map<BoardStatus, { wpId: string; token: string; trailing: string }[]>();
  const duplicates: DuplicateEntry[] = [];
  let entries_added = 0;
  let entries_moved = 0;
  for (const [wpId, state] of finals) {
    const occurrences = owned.get(wpId) ?? [];
    const keeper = occurrences.findLast((entry) => entry.board_status === state.board_status);
    for (const entry of occurrences) {
      if (entry === keeper) continue;
      editor.removeLine(entry.line);
      // Without a keeper the last copy is the one that moves; every other copy is a stale duplicate.
      if (keeper === undefined && entry === occurrences[occurrences.length - 1]) continue;
      duplicates.push({
        wp_id: wpId,
        removed_line: entry.line,
        removed_board_status: entry.board_status,
        kept_board_status: state.board_status,
      });
    }
    if (keeper !== undefined) {
      // Issue 18: an entry a person moved keeps their token, but not another status's own token ("[STUB]" under
      // Ready for Dev): that one takes the token the store now holds for it.
      if (keeper.token !== state.token && tokenAfterMove(keeper.token, state.board_status) !== keeper.token)
        editor.retokenEntry(keeper.line, wpId, keeper.token, state.token);
      continue;
    }
    placed.push(wpId);
    const moved = occurrences[occurrences.length - 1];
    if (moved === undefined) entries_added++;
    else entries_moved++;
    // A moved entry keeps its trailing text; its token becomes the WP's token for the new status.
    const list = appends.get(state.board_status) ?? [];
    list.push({ wpId, token: state.token, trailing: moved?.trailing ?? "" });
    appends.set(state.board_status, list);
  }
  const created_sections: BoardStatus[] = [];
  // Statuses in canonical order so created sections always come out in the same order.
  for (const status of BOARD_STATUSES) {
    const list = appends.get(status);
    if (list === undefined) continue;
    // Several sections may own one status ("Ready for Validation", "Ready for Dev"): new and moved
    // entries go to the first; a kept entry in any of them stays where it is.
    let target = board.sections.findIndex((section) => section.owned_status === status);
    if (target < 0) {
      target = editor.createSection(status);
      created_sections.push(status);
    }
    for (const entry of list) editor.appendEntry(target, entry.wpId, entry.token, entry.trailing);
  }
  const counts = { entries_added, entries_moved, duplicates_removed: duplicates.length };
  return {
    text: editor.render(),
    changed: editor.changed,
    counts,
    duplicates,
    created_sections,
    written_statuses,
    placed,
  };
}
