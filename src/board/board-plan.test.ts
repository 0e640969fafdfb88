import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BoardStatus } from "./board-model.js";
import { DEFAULT_TOKENS } from "./board-model.js";
import { parseBoard } from "./board-parser.js";
import { type BoardPlanOptions, planBoardSync, type StoreWpBoardView } from "./board-plan.js";

const BOTH: BoardPlanOptions = { direction: "both", import_unknown: false };

function wp(wp_id: string, status: BoardStatus, last: BoardStatus | undefined = status): StoreWpBoardView {
  return { wp_id, board_status: status, token: DEFAULT_TOKENS[status], last_written_status: last };
}

const BOARD = [
  "# Board",
  "",
  "## Ready for Dev",
  "- **[WP-A]** - [READY_FOR_DEV]",
  "",
  "## In Progress",
  "- **[WP-B]** - [IN_PROGRESS] - coder: x",
  "",
  "## Active (Cross-Branch Status)",
  "- **[WP-B]** - [ACTIVE] - branch: feat/WP-B",
  "",
  "## Done",
  "- **[WP-C]** - [VALIDATED]",
  "",
].join("\n");

describe("planBoardSync", () => {
  test("given an unchanged board, when planned, then nothing is reported and nothing is written", () => {
    const plan = planBoardSync(
      parseBoard(BOARD),
      [wp("WP-A", "READY"), wp("WP-B", "IN_PROGRESS"), wp("WP-C", "DONE")],
      BOTH,
    );
    assert.deepEqual([plan.manual_edits, plan.unknown_entries, plan.duplicates], [[], [], []]);
    const out = plan.render();
    assert.equal(out.changed, false);
    assert.equal(out.text, BOARD);
    assert.deepEqual(out.counts, { entries_added: 0, entries_moved: 0, duplicates_removed: 0 });
  });

  test("given an entry moved by hand, when planned, then a manual edit is reported; applied, it stays", () => {
    const moved = BOARD.replace("- **[WP-A]** - [READY_FOR_DEV]\n", "").replace(
      "- **[WP-B]** - [IN_PROGRESS] - coder: x",
      "- **[WP-B]** - [IN_PROGRESS] - coder: x\n- **[WP-A]** - [IN_PROGRESS]",
    );
    const plan = planBoardSync(
      parseBoard(moved),
      [wp("WP-A", "READY"), wp("WP-B", "IN_PROGRESS"), wp("WP-C", "DONE")],
      BOTH,
    );
    assert.deepEqual(plan.manual_edits, [
      {
        wp_id: "WP-A",
        from_board_status: "READY",
        to_board_status: "IN_PROGRESS",
        token: "IN_PROGRESS",
        line: 6,
      },
    ]);
    const applied = plan.render({ applied_edits: plan.manual_edits });
    assert.equal(applied.changed, false);
    assert.equal(applied.written_statuses.get("WP-A"), "IN_PROGRESS");
  });

  test("given a refused manual move, when rendered, then the entry goes back where the store says", () => {
    const moved = BOARD.replace("- **[WP-B]** - [IN_PROGRESS] - coder: x", "").replace(
      "- **[WP-C]** - [VALIDATED]",
      "- **[WP-C]** - [VALIDATED]\n- **[WP-B]** - [VALIDATED] - coder: x",
    );
    const plan = planBoardSync(
      parseBoard(moved),
      [wp("WP-A", "READY"), wp("WP-B", "IN_PROGRESS"), wp("WP-C", "DONE")],
      BOTH,
    );
    assert.equal(plan.manual_edits[0]?.to_board_status, "DONE");
    const out = plan.render(); // the state machine refused the move: nothing applied
    assert.deepEqual(out.counts, { entries_added: 0, entries_moved: 1, duplicates_removed: 0 });
    assert.match(out.text, /## In Progress\n- \*\*\[WP-B\]\*\* - \[IN_PROGRESS\] - coder: x\n/);
    assert.doesNotMatch(out.text, /\[WP-B\]\*\* - \[VALIDATED\]/);
  });

  test("given the direction to_board, when an entry was moved by hand, then no edit is reported and it moves back", () => {
    const moved = BOARD.replace("- **[WP-C]** - [VALIDATED]", "").replace(
      "## Ready for Dev\n",
      "## Ready for Dev\n- **[WP-C]** - [VALIDATED]\n",
    );
    const plan = planBoardSync(
      parseBoard(moved),
      [wp("WP-A", "READY"), wp("WP-B", "IN_PROGRESS"), wp("WP-C", "DONE")],
      {
        direction: "to_board",
        import_unknown: false,
      },
    );
    assert.deepEqual(plan.manual_edits, []);
    assert.match(plan.render().text, /## Done\n- \*\*\[WP-C\]\*\* - \[VALIDATED\]\n/);
  });

  test("given the direction from_board, when rendered, then the board is never written", () => {
    const plan = planBoardSync(parseBoard(BOARD), [wp("WP-A", "DONE", "READY")], {
      direction: "from_board",
      import_unknown: false,
    });
    const out = plan.render();
    assert.equal(out.changed, false);
    assert.equal(out.text, BOARD);
    assert.equal(out.written_statuses.size, 0);
  });

  test("given the same WP in two owned sections, when planned, then the store's status wins", () => {
    const doubled = BOARD.replace(
      "- **[WP-C]** - [VALIDATED]",
      "- **[WP-C]** - [VALIDATED]\n- **[WP-B]** - [VALIDATED]",
    );
    const plan = planBoardSync(
      parseBoard(doubled),
      [wp("WP-A", "READY"), wp("WP-B", "IN_PROGRESS"), wp("WP-C", "DONE")],
      BOTH,
    );
    assert.deepEqual(plan.manual_edits, []);
    const stale = {
      wp_id: "WP-B",
      removed_line: 13,
      removed_board_status: "DONE",
      kept_board_status: "IN_PROGRESS",
    };
    assert.deepEqual(plan.duplicates, [stale]);
    const out = plan.render();
    assert.deepEqual(out.duplicates, [stale]);
    assert.deepEqual(out.counts, { entries_added: 0, entries_moved: 0, duplicates_removed: 1 });
    assert.equal(out.text, BOARD);
  });

  test("given a gated WP and no Gated section, when rendered, then `## Gated` is created at the end", () => {
    const plan = planBoardSync(
      parseBoard(BOARD),
      [wp("WP-A", "READY"), wp("WP-B", "IN_PROGRESS"), wp("WP-C", "DONE"), wp("WP-D", "GATED")],
      BOTH,
    );
    const out = plan.render();
    assert.equal(out.text, `${BOARD}\n## Gated\n- **[WP-D]** - [GATED]\n`);
    assert.deepEqual(out.created_sections, ["GATED"]);
    assert.deepEqual(out.counts, { entries_added: 1, entries_moved: 0, duplicates_removed: 0 });
  });

  test("given a WP the store moved, when rendered, then it goes to the end of its section with its trailing text", () => {
    const plan = planBoardSync(
      parseBoard(BOARD),
      [wp("WP-A", "READY"), wp("WP-B", "DONE", "IN_PROGRESS"), wp("WP-C", "DONE")],
      BOTH,
    );
    assert.deepEqual(plan.manual_edits, []);
    const out = plan.render();
    assert.match(out.text, /## In Progress\n\n## Active/);
    assert.match(
      out.text,
      /- \*\*\[WP-C\]\*\* - \[VALIDATED\]\n- \*\*\[WP-B\]\*\* - \[VALIDATED\] - coder: x\n/,
    );
    // Entries of sections Locus does not own are never moved.
    assert.match(out.text, /- \*\*\[WP-B\]\*\* - \[ACTIVE\] - branch: feat\/WP-B/);
  });

  test("given entries the store does not know, when not importing, then they are reported and kept in place", () => {
    const plan = planBoardSync(parseBoard(BOARD), [wp("WP-A", "READY")], BOTH);
    assert.deepEqual(
      plan.unknown_entries.map((entry) => [
        entry.wp_id,
        entry.board_status,
        entry.section_heading,
        entry.line,
      ]),
      [
        ["WP-B", "IN_PROGRESS", "In Progress", 6],
        ["WP-C", "DONE", "Done", 12],
      ],
    );
    assert.equal(plan.unknown_entries[0]?.trailing, " - coder: x");
    assert.equal(plan.render().text, BOARD);
    assert.throws(() => plan.render({ imported: plan.unknown_entries }), { code: "HSK-400-INVALID-PARAMS" });
  });

  test("given an adopted board with a WP twice, when importing, then the occurrence further down wins", () => {
    const text = "## Ready\n- **[WP-X]** - [READY_FOR_DEV]\n## Done\n- **[WP-X]** - [VALIDATED]\n";
    const plan = planBoardSync(parseBoard(text), [], { direction: "both", import_unknown: true });
    assert.deepEqual(
      plan.unknown_entries.map((entry) => [entry.wp_id, entry.board_status, entry.other_lines]),
      [["WP-X", "DONE", [1]]],
    );
    const out = plan.render({ imported: plan.unknown_entries });
    assert.equal(out.text, "## Ready\n## Done\n- **[WP-X]** - [VALIDATED]\n");
    assert.equal(out.counts.duplicates_removed, 1);
    assert.equal(out.written_statuses.get("WP-X"), "DONE");
  });

  test("given an adopted board with Done above Ready, when importing, then the lower READY entry wins", () => {
    // The reverse order of the case above: the rule is "further down the file", not "furthest along".
    const text =
      "## Done\n- **[WP-X]** - [VALIDATED] - old\n## Ready\n- **[WP-X]** - [READY_FOR_DEV] - new\n";
    const plan = planBoardSync(parseBoard(text), [], { direction: "both", import_unknown: true });
    assert.deepEqual(
      plan.unknown_entries.map((entry) => [entry.wp_id, entry.board_status, entry.line, entry.other_lines]),
      [["WP-X", "READY", 3, [1]]],
    );
    const stale = {
      wp_id: "WP-X",
      removed_line: 1,
      removed_board_status: "DONE",
      kept_board_status: "READY",
    };
    assert.deepEqual(plan.duplicates, [stale]);
    const out = plan.render({ imported: plan.unknown_entries });
    assert.equal(out.text, "## Done\n## Ready\n- **[WP-X]** - [READY_FOR_DEV] - new\n");
    assert.deepEqual(out.duplicates, [stale]);
    assert.deepEqual(out.counts, { entries_added: 0, entries_moved: 0, duplicates_removed: 1 });
    assert.equal(out.written_statuses.get("WP-X"), "READY");
  });

  test("given an adopted board with a WP three times, when importing, then only the last occurrence stays", () => {
    const text = [
      "## Ready",
      "- **[WP-X]** - [READY_FOR_DEV] - first",
      "## Done",
      "- **[WP-X]** - [VALIDATED] - second",
      "## Ready for Validation",
      "- **[WP-X]** - [READY_FOR_DEV] - third",
      "",
    ].join("\n");
    const plan = planBoardSync(parseBoard(text), [], { direction: "both", import_unknown: true });
    const out = plan.render({ imported: plan.unknown_entries });
    assert.deepEqual(
      out.duplicates.map((dup) => dup.removed_line),
      [1, 3],
    );
    assert.equal(
      out.text,
      "## Ready\n## Done\n## Ready for Validation\n- **[WP-X]** - [READY_FOR_DEV] - third\n",
    );
  });

  test("refuses invalid store views and edits that are not in the plan", () => {
    const board = parseBoard(BOARD);
    assert.throws(() => planBoardSync(board, [{ ...wp("WP-A", "READY"), token: "x" }], BOTH), {
      code: "HSK-400-INVALID-PARAMS",
    });
    assert.throws(() => planBoardSync(board, [wp("WP-A", "READY"), wp("WP-A", "DONE")], BOTH), {
      code: "HSK-400-INVALID-PARAMS",
    });
    const plan = planBoardSync(board, [wp("WP-A", "READY")], BOTH);
    const bogus = {
      wp_id: "WP-A",
      from_board_status: "READY",
      to_board_status: "DONE",
      token: "X",
      line: 0,
    } as const;
    assert.throws(() => plan.render({ applied_edits: [bogus] }), { code: "HSK-400-INVALID-PARAMS" });
  });

  test("plans and renders a board with a tenth of its WPs moved in time linear in its size", () => {
    const names: [string, BoardStatus][] = [
      ["Done", "DONE"],
      ["Ready", "READY"],
      ["Stub Backlog", "STUB"],
      ["In Progress", "IN_PROGRESS"],
    ];
    /** Best of 5 plan-and-render runs of a board of `4 * perSection` WPs, a tenth of them moved. */
    const bestRun = (perSection: number): number => {
      const lines: string[] = [];
      const views: StoreWpBoardView[] = [];
      names.forEach(([heading, status], s) => {
        lines.push(`## ${heading}`, "");
        for (let e = 0; e < perSection; e++) {
          lines.push(`- **[WP-${s}-${e}]** - [X] - note`);
          const moved = e % 10 === 0 ? names[(s + 1) % names.length]![1] : status;
          views.push(wp(`WP-${s}-${e}`, moved, status));
        }
      });
      const text = lines.join("\n");
      let best = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        const out = planBoardSync(parseBoard(text), views, BOTH).render();
        best = Math.min(best, performance.now() - started);
        assert.deepEqual(out.counts, {
          entries_added: 0,
          entries_moved: (perSection / 10) * 4,
          duplicates_removed: 0,
        });
      }
      return best;
    };
    // A complexity check, not a time target (targets live in `npm run bench`): four times the WPs may take
    // about four times as long; a quadratic plan would take sixteen.
    bestRun(500); // warm-up
    const small = bestRun(1_250);
    const large = bestRun(5_000);
    assert.ok(
      large / small < 10,
      `5,000 vs 1,250 WPs per section: ${large.toFixed(1)} / ${small.toFixed(1)} ms`,
    );
  });
});
