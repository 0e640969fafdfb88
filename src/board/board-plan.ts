// The pure reconcile planner behind `sync_task_board` (LOCUS_SPEC section 8). The caller (an operation
// with store access) runs it in three steps:
//   1. plan = planBoardSync(parseBoard(text), storeViews, options)
//   2. apply plan.manual_edits through the WP state machine (section 5); import plan.unknown_entries
//      when options.import_unknown
//   3. out = plan.render({ applied_edits, imported }); write out.text when out.changed, and store
//      out.written_statuses as each WP's last_written_status
import { LocusError } from "../domain/errors.js";
import type { BoardStatus, ParsedBoard } from "./board-model.js";
import { TOKEN_PATTERN, tokenAfterMove, WP_ID_PATTERN } from "./board-model.js";
import type { FinalWpState, OwnedEntry } from "./board-placement.js";
import { ownedOccurrences, placeEntries, staleCopies } from "./board-placement.js";

/** Which way a sync runs: both ways, board to store only (board never written), or store to board only. */
export type SyncDirection = "both" | "from_board" | "to_board";

/** What the store knows about one WP, as the planner needs it. */
export interface StoreWpBoardView {
  readonly wp_id: string;
  /** The WP's current status in capitals. */
  readonly board_status: BoardStatus;
  /** The token this WP shows on the board (section 5 defaults when the store has none of its own). */
  readonly token: string;
  /** The board status the store wrote last time for this WP; undefined if it never wrote one. */
  readonly last_written_status: BoardStatus | undefined;
}

/** Options of a sync (the `sync_task_board` params). */
export interface BoardPlanOptions {
  readonly direction: SyncDirection;
  /** Adopt entries of WPs the store does not know (the caller creates them) instead of only reporting. */
  readonly import_unknown: boolean;
  /**
   * WPs whose lines a render that never committed wrote (issue 21 hole 9): their entries are not manual
   * edits; they go back to the store's state, and an entry of a WP the store does not know is removed.
   */
  readonly put_back?: ReadonlySet<string>;
}

/** A line of a render that never committed, put back to the store's state (`restored` null: removed). */
export interface PutBackEntry {
  readonly wp_id: string;
  readonly line: number;
  readonly board_status: BoardStatus;
  readonly restored_board_status: BoardStatus | null;
}

/** An owned entry a person moved: the caller applies `from -> to` through the state machine (TB-003). */
export interface ManualEdit {
  readonly wp_id: string;
  /** The store's current status (the transition starts here). */
  readonly from_board_status: BoardStatus;
  /** The status of the owned section the entry now sits in. */
  readonly to_board_status: BoardStatus;
  /** The token written on the moved entry. */
  readonly token: string;
  /** Line index of the moved entry. */
  readonly line: number;
}

/** An owned entry for a WP the store does not know; the occurrence furthest down the file. */
export interface UnknownEntry {
  readonly wp_id: string;
  readonly section_heading: string;
  readonly board_status: BoardStatus;
  readonly token: string;
  readonly trailing: string;
  readonly line: number;
  /** Lines of the WP's other owned entries (duplicates removed if the WP is imported). */
  readonly other_lines: readonly number[];
}

/** A stale copy of a WP among the owned sections, removed because another copy wins. */
export interface DuplicateEntry {
  readonly wp_id: string;
  readonly removed_line: number;
  readonly removed_board_status: BoardStatus;
  /** The status the WP ends up in (the store's, or the adopted entry's). */
  readonly kept_board_status: BoardStatus;
}

/** The counts reported by TB-002. */
export interface BoardSyncCounts {
  readonly entries_added: number;
  readonly entries_moved: number;
  readonly duplicates_removed: number;
}

/** What the caller did with the plan: manual edits the state machine accepted, unknown WPs it created. */
export interface SyncOutcome {
  readonly applied_edits?: readonly ManualEdit[];
  readonly imported?: readonly UnknownEntry[];
}

/** The new board and what changed. */
export interface BoardSyncOutput {
  /** The full board text (identical to the input when nothing changed). */
  readonly text: string;
  /** False when the board must not be written (nothing changed, or direction `from_board`). */
  readonly changed: boolean;
  readonly counts: BoardSyncCounts;
  readonly duplicates: readonly DuplicateEntry[];
  /** Owned sections that were missing and were appended at the end of the file. */
  readonly created_sections: readonly BoardStatus[];
  /** Board status of each WP placed on the board, its next `last_written_status` (empty for from_board). */
  readonly written_statuses: ReadonlyMap<string, BoardStatus>;
  /** WPs whose entry this render added or moved (the lines it wrote; the render journal lists them). */
  readonly placed: readonly string[];
}

/** A reconcile plan: what the board says, and how to write the board once the caller has decided. */
export interface BoardSyncPlan {
  readonly manual_edits: readonly ManualEdit[];
  readonly unknown_entries: readonly UnknownEntry[];
  /** Duplicates that will be removed if nothing else changes (store status wins; adopted: last wins). */
  readonly duplicates: readonly DuplicateEntry[];
  /** Entries of renders that never committed that differ from the store: moved back or removed. */
  readonly put_back: readonly PutBackEntry[];
  /** Renders the board for the final status of every WP. */
  render(outcome?: SyncOutcome): BoardSyncOutput;
}

/** Plans a sync of a parsed board against the store's view of its WPs (section 8). */
export function planBoardSync(
  board: ParsedBoard,
  known: Iterable<StoreWpBoardView>,
  options: BoardPlanOptions,
): BoardSyncPlan {
  const views = indexViews(known);
  const owned = ownedOccurrences(board);
  const manual_edits: ManualEdit[] = [];
  const unknown_entries: UnknownEntry[] = [];
  const duplicates: DuplicateEntry[] = [];
  const adopting = options.import_unknown && options.direction !== "to_board";
  const put_back: PutBackEntry[] = [];
  const phantomLines: number[] = [];
  for (const [wpId, occurrences] of owned) {
    const view = views.get(wpId);
    const last = occurrences[occurrences.length - 1]!;
    if (options.put_back?.has(wpId) === true) {
      // Hole 9: the store wrote these lines and never committed them; nobody moved them. A WP the store
      // does not know was never created: its entries go. A known one is placed where the store says.
      if (view === undefined) {
        for (const entry of occurrences) {
          phantomLines.push(entry.line);
          put_back.push({
            wp_id: wpId,
            line: entry.line,
            board_status: entry.board_status,
            restored_board_status: null,
          });
        }
        continue;
      }
      if (occurrences.length === 1 && last.board_status !== view.board_status) {
        put_back.push({
          wp_id: wpId,
          line: last.line,
          board_status: last.board_status,
          restored_board_status: view.board_status,
        });
      }
      if (occurrences.length > 1) duplicates.push(...staleCopies(wpId, occurrences, view.board_status));
      continue;
    }
    if (view === undefined) {
      const other_lines = occurrences.slice(0, -1).map((entry) => entry.line);
      unknown_entries.push({
        wp_id: wpId,
        section_heading: board.sections[last.section]!.heading,
        board_status: last.board_status,
        token: last.token,
        trailing: last.trailing,
        line: last.line,
        other_lines,
      });
      // 8: when a board is adopted, the occurrence further down the file wins.
      if (adopting) duplicates.push(...staleCopies(wpId, occurrences, last.board_status));
      continue;
    }
    if (occurrences.length > 1) {
      // 8: the same WP in two owned sections: the store's status wins, stale entries are removed.
      duplicates.push(...staleCopies(wpId, occurrences, view.board_status));
      continue;
    }
    if (options.direction === "to_board") continue;
    // 8: a manual edit is an owned entry whose section differs from what the store last wrote (never
    // written: its current status). An entry already where the current status puts it needs nothing.
    const reference = view.last_written_status ?? view.board_status;
    if (last.board_status !== reference && last.board_status !== view.board_status) {
      manual_edits.push({
        wp_id: wpId,
        from_board_status: view.board_status,
        to_board_status: last.board_status,
        token: last.token,
        line: last.line,
      });
    }
  }
  return {
    manual_edits,
    unknown_entries,
    duplicates,
    put_back,
    render: (outcome = {}) =>
      renderPlan(board, views, owned, options, manual_edits, unknown_entries, outcome, phantomLines),
  };
}

function indexViews(known: Iterable<StoreWpBoardView>): Map<string, StoreWpBoardView> {
  const views = new Map<string, StoreWpBoardView>();
  for (const view of known) {
    if (!WP_ID_PATTERN.test(view.wp_id)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `invalid wp_id ${JSON.stringify(view.wp_id)}`, {
        field: "wp_id",
      });
    }
    if (!TOKEN_PATTERN.test(view.token)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `invalid board token for ${view.wp_id}`, {
        field: "token",
        wp_id: view.wp_id,
      });
    }
    if (views.has(view.wp_id)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `${view.wp_id} is listed twice`, { field: "wp_id" });
    }
    views.set(view.wp_id, view);
  }
  return views;
}

function renderPlan(
  board: ParsedBoard,
  views: ReadonlyMap<string, StoreWpBoardView>,
  owned: ReadonlyMap<string, readonly OwnedEntry[]>,
  options: BoardPlanOptions,
  edits: readonly ManualEdit[],
  unknown: readonly UnknownEntry[],
  outcome: SyncOutcome,
  phantomLines: readonly number[],
): BoardSyncOutput {
  // Placement order: the store's WPs in the order given, then imported ones in board order.
  const finals = new Map<string, FinalWpState>();
  for (const view of views.values()) finals.set(view.wp_id, view);
  const editsById = new Map(edits.map((edit) => [edit.wp_id, edit]));
  for (const applied of outcome.applied_edits ?? []) {
    const edit = editsById.get(applied.wp_id);
    if (edit === undefined || edit.to_board_status !== applied.to_board_status) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `${applied.wp_id} is not a manual edit of this plan`, {
        field: "applied_edits",
      });
    }
    finals.set(edit.wp_id, {
      board_status: edit.to_board_status,
      token: tokenAfterMove(edit.token, edit.to_board_status),
    });
  }
  const imported = outcome.imported ?? [];
  if (imported.length > 0 && (!options.import_unknown || options.direction === "to_board")) {
    throw new LocusError(
      "HSK-400-INVALID-PARAMS",
      "imports need import_unknown and a board-to-store direction",
      {
        field: "imported",
      },
    );
  }
  const unknownById = new Map(unknown.map((entry) => [entry.wp_id, entry]));
  for (const requested of imported) {
    const entry = unknownById.get(requested.wp_id);
    if (entry === undefined) {
      throw new LocusError(
        "HSK-400-INVALID-PARAMS",
        `${requested.wp_id} is not an unknown entry of this plan`,
        {
          field: "imported",
        },
      );
    }
    // The adopted WP's own place: its section's, or where the store stopped it (board-import.ts).
    finals.set(entry.wp_id, { board_status: requested.board_status, token: requested.token });
  }
  return placeEntries(board, owned, finals, options.direction === "from_board", phantomLines);
}
