// Properties of the board model and planner over random boards (LOCUS_SPEC section 8): lossless round
// trip, exactly-once placement, stability of a second sync, prose and unknown sections kept.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  BOARD_STATUSES,
  type BoardStatus,
  CREATED_SECTION_HEADINGS,
  type ParsedBoard,
} from "./board-model.js";
import { parseBoard } from "./board-parser.js";
import { type BoardPlanOptions, planBoardSync, type StoreWpBoardView } from "./board-plan.js";
import { renderBoard } from "./board-renderer.js";

const WP_IDS = ["WP-1", "WP-2", "WP-3", "WP-4", "WP-5", "WP-1-MEX-v1.2_x"];
const HEADINGS = [
  "Stub Backlog (Not Activated)",
  "Ready for Dev",
  "READY",
  "In Progress",
  "Blocked",
  "Gated",
  "Done",
  "Superseded (Archive)",
  "Cancelled",
  "Active (Cross-Branch Status)",
  "Notes",
  "🚨 PHASE 1 CLOSURE GATES",
];
const CHARS = ["a", "Z", " ", "\t", "#", "-", "*", "[", "]", "`", "~", "|", "W", "P", "é", "🚨", "\uFEFF"];

const prose = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 24 });
const token = fc.constantFrom(
  "STUB",
  "READY_FOR_DEV",
  "IN_PROGRESS",
  "VALIDATED",
  "SUPERSEDED",
  "A B",
  "x",
  "OK ✅",
);
const entry = fc
  .tuple(
    fc.constantFrom("", "  "),
    fc.constantFrom(...WP_IDS, "WP-", "WP-a b"),
    fc.constantFrom(" - ", " ", ""),
    token,
    prose,
  )
  .map(([indent, id, separator, tok, trailing]) => `${indent}- **[${id}]**${separator}[${tok}]${trailing}`);
const heading = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.constantFrom(...HEADINGS), fc.constantFrom("", " ", " ##"))
  .map(([level, name, closing]) => `${"#".repeat(level)} ${name}${closing}`);
const fence = fc.constantFrom("```", "```ts", "~~~", "~~~~ info", "````", "  ```", "``` `x`");
const line = fc.oneof(
  { weight: 3, arbitrary: prose },
  { weight: 1, arbitrary: fc.constant("") },
  { weight: 5, arbitrary: entry },
  { weight: 2, arbitrary: heading },
  { weight: 1, arbitrary: fence },
);
const board = fc
  .record({
    bom: fc.boolean(),
    lines: fc.array(fc.tuple(line, fc.constantFrom("\n", "\r\n", "\r")), { maxLength: 50 }),
    finalEol: fc.boolean(),
  })
  .map(({ bom, lines, finalEol }) => {
    const body = lines
      .map(([text, eol], i) => (i < lines.length - 1 || finalEol ? text + eol : text))
      .join("");
    return (bom ? "\uFEFF" : "") + body;
  });

test("property: any board renders back byte for byte, from a string or from UTF-8 bytes", () => {
  fc.assert(
    fc.property(board, (text) => {
      assert.equal(renderBoard(parseBoard(text)), text);
      assert.equal(renderBoard(parseBoard(Buffer.from(text, "utf8"))), text);
    }),
    { numRuns: 500 },
  );
});

const status = fc.constantFrom(...BOARD_STATUSES);
const store = fc.uniqueArray(
  fc.record({
    wp_id: fc.constantFrom(...WP_IDS),
    board_status: status,
    token: fc.constantFrom("STUB", "VALIDATED", "GATED", "B 2"),
    last_written_status: fc.option(status, { nil: undefined }),
  }),
  { selector: (view) => view.wp_id, maxLength: WP_IDS.length },
);
const options = fc.record({
  direction: fc.constantFrom("both" as const, "to_board" as const),
  import_unknown: fc.boolean(),
});

/** Text of lines that are not owned entries: what a sync must keep line for line. */
function keptLines(parsed: ParsedBoard): string[] {
  const owned = new Set(parsed.entries.filter((e) => e.board_status !== undefined).map((e) => e.line));
  return parsed.lines.filter((_, i) => !owned.has(i)).map((l) => l.text);
}

const CREATED = new Set(BOARD_STATUSES.map((s) => `## ${CREATED_SECTION_HEADINGS[s]}`));

test("property: a sync places each WP once, keeps prose and unknown sections, and a second sync is a no-op", () => {
  fc.assert(
    fc.property(
      board,
      store,
      options,
      fc.array(fc.boolean()),
      (text, views, opts: BoardPlanOptions, accept) => {
        const before = parseBoard(text);
        const plan = planBoardSync(before, views, opts);
        const applied_edits = plan.manual_edits.filter((_, i) => accept[i] ?? true);
        const imported = opts.import_unknown && opts.direction !== "to_board" ? plan.unknown_entries : [];
        const out = plan.render({ applied_edits, imported });
        const after = parseBoard(out.text);

        // Each placed WP appears exactly once among the owned sections, in a section of its status.
        for (const [wpId, written] of out.written_statuses) {
          const places = after.entries.filter((e) => e.wp_id === wpId && e.board_status !== undefined);
          assert.deepEqual(
            places.map((e) => e.board_status),
            [written],
            wpId,
          );
        }
        // Everything but owned entries is kept in order; only created-section lines are added at the end.
        const kept = keptLines(before);
        const now = keptLines(after);
        assert.deepEqual(now.slice(0, kept.length), kept);
        for (const added of now.slice(kept.length)) {
          assert.ok(added === "" || CREATED.has(added) || before.unclosed_fence === added, added);
        }

        // A second sync from the stored result changes nothing.
        const tokens = new Map<string, string>(views.map((v) => [v.wp_id, v.token]));
        for (const edit of applied_edits) tokens.set(edit.wp_id, edit.token);
        for (const entry of imported) tokens.set(entry.wp_id, entry.token);
        const nextViews: StoreWpBoardView[] = [...out.written_statuses].map(([wp_id, written]) => ({
          wp_id,
          board_status: written,
          token: tokens.get(wp_id)!,
          last_written_status: written as BoardStatus,
        }));
        const second = planBoardSync(after, nextViews, opts);
        assert.deepEqual(second.manual_edits, []);
        assert.deepEqual(second.duplicates, []);
        const again = second.render();
        assert.equal(again.text, out.text);
        assert.equal(again.changed, false);
        assert.deepEqual(again.counts, { entries_added: 0, entries_moved: 0, duplicates_removed: 0 });
      },
    ),
    { numRuns: 500 },
  );
});
