// The incremental auto-sync path (board-line-index.ts) must give exactly what the full planner gives
// (LOCUS_SPEC section 8): same text, same "changed", same TB-001 decision, and an index equal to the index
// of a fresh parse of its own output, over random boards and chains of single-WP placements.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { buildLineIndex, indexFitsText, placeOneEntry } from "./board-line-index.js";
import { BOARD_STATUSES, type BoardStatus } from "./board-model.js";
import { parseBoard } from "./board-parser.js";
import { planBoardSync } from "./board-plan.js";

const WP_IDS = ["WP-1", "WP-2", "WP-3", "WP-1-MEX-v1.2_x", "WP-1.2"];
const HEADINGS = [
  "Stub Backlog",
  "Ready for Dev",
  "READY",
  "In Progress",
  "Blocked",
  "Gated",
  "Done",
  "Notes",
];
const CHARS = ["a", " ", "#", "-", "*", "[", "]", "`", "~", "W", "P", "é", "🚨"];
const prose = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 16 });
const entry = fc
  .tuple(
    fc.constantFrom("", "  "),
    fc.constantFrom(...WP_IDS),
    fc.constantFrom(" - ", " ", ""),
    fc.constantFrom("STUB", "READY_FOR_DEV", "A B"),
    prose,
  )
  .map(([indent, id, separator, tok, trailing]) => `${indent}- **[${id}]**${separator}[${tok}]${trailing}`);
const heading = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom(...HEADINGS))
  .map(([level, name]) => `${"#".repeat(level)} ${name}`);
const line = fc.oneof(
  { weight: 2, arbitrary: prose },
  { weight: 1, arbitrary: fc.constant("") },
  { weight: 5, arbitrary: entry },
  { weight: 3, arbitrary: heading },
  { weight: 2, arbitrary: fc.constantFrom("```", "~~~", "  ```") },
);
const board = fc
  .record({
    bom: fc.boolean(),
    lines: fc.array(line, { minLength: 4, maxLength: 40 }),
    eol: fc.constantFrom("\n", "\r\n", "\r"),
    finalEol: fc.boolean(),
  })
  .map(({ bom, lines, eol, finalEol }) => {
    const body = lines.map((text, i) => (i < lines.length - 1 || finalEol ? text + eol : text)).join("");
    return (bom ? "\uFEFF" : "") + body;
  });
const placement = fc.record({
  wp_id: fc.constantFrom(...WP_IDS),
  board_status: fc.constantFrom(...BOARD_STATUSES),
  token: fc.constantFrom("STUB", "IN_PROGRESS", "X 1"),
});

test("property: placing one WP through the line index equals the full planner, edit after edit", () => {
  let indexed = 0;
  fc.assert(
    fc.property(board, fc.array(placement, { minLength: 1, maxLength: 6 }), (start, placements) => {
      let text = start;
      let index = buildLineIndex(parseBoard(text), "h", 1_000);
      const lastLine = parseBoard(text).lines.at(-1);
      assert.equal(index !== undefined, lastLine !== undefined && lastLine.eol !== "");
      for (const view of placements) {
        if (index === undefined) return;
        indexed++;
        const parsed = parseBoard(text);
        assert.ok(indexFitsText(index, text));
        const full = planBoardSync(parsed, [{ ...view, last_written_status: undefined }], {
          direction: "to_board",
          import_unknown: false,
        }).render();
        const edit = placeOneEntry(text, index, view.wp_id, view.board_status as BoardStatus, view.token);
        if (edit === undefined) {
          // Only a missing owned section (created by the full path) is left to it.
          assert.deepEqual(full.created_sections, [view.board_status]);
          return;
        }
        const before = parsed.entries.some((e) => e.wp_id === view.wp_id && e.board_status !== undefined);
        assert.equal(edit.changed, full.changed);
        assert.equal(edit.added, !before);
        assert.equal(edit.text, full.text);
        text = edit.text;
        const fresh = buildLineIndex(parseBoard(text), "h", 1_000);
        assert.deepEqual({ ...edit.index, sha256: "h" }, fresh);
        index = fresh;
      }
    }),
    { numRuns: 3_000 },
  );
  assert.ok(indexed > 1_000, `only ${indexed} placements went through the index`);
});

test("a damaged or stale index is refused", () => {
  const text = "# Board\n## Ready\n- **[WP-1]** - [READY]\n## Done\n";
  const index = buildLineIndex(parseBoard(text), "h", 1_000);
  assert.ok(index !== undefined && indexFitsText(index, text));
  assert.equal(indexFitsText(index, `${text}x\n`), false);
  assert.equal(indexFitsText(index, text.replace("## Ready", "## Notes")), false);
  const shifted = { ...index, sections: index.sections.map((s) => ({ ...s, insert_at: s.insert_at - 1 })) };
  assert.equal(indexFitsText(shifted, text), false);
  const inProse = { ...index, sections: index.sections.map((s) => ({ ...s, insert_at: s.start + 8 })) };
  assert.equal(indexFitsText(inProse, text), false);
});
