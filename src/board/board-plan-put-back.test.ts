// The planner's put_back option (issue 21 hole 9): entries written by a render that never committed are not
// manual edits; a known WP's entry goes back where the store says, an unknown WP's entry is removed.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBoard } from "./board-parser.js";
import { planBoardSync, type StoreWpBoardView } from "./board-plan.js";

const BOARD = [
  "# Board",
  "## Ready for Dev",
  "- **[WP-B]** - [READY_FOR_DEV]",
  "## Blocked",
  "- **[WP-A]** - [BLOCKED] - note kept",
  "## Stub Backlog",
  "- **[WP-GHOST]** - [STUB]",
  "",
].join("\n");

const VIEWS: StoreWpBoardView[] = [
  { wp_id: "WP-A", board_status: "READY", token: "READY_FOR_DEV", last_written_status: "READY" },
  { wp_id: "WP-B", board_status: "READY", token: "READY_FOR_DEV", last_written_status: "READY" },
];

describe("planBoardSync put_back", () => {
  test("given no put_back, the moved entry is a manual edit and the ghost an unknown entry", () => {
    const plan = planBoardSync(parseBoard(BOARD), VIEWS, { direction: "both", import_unknown: false });
    assert.deepEqual(
      plan.manual_edits.map((edit) => edit.wp_id),
      ["WP-A"],
    );
    assert.deepEqual(
      plan.unknown_entries.map((entry) => entry.wp_id),
      ["WP-GHOST"],
    );
  });

  test("given put_back, nothing is a manual edit: WP-A goes back to Ready and the ghost is removed", () => {
    const put_back = new Set(["WP-A", "WP-GHOST"]);
    const plan = planBoardSync(parseBoard(BOARD), VIEWS, {
      direction: "both",
      import_unknown: true,
      put_back,
    });
    assert.deepEqual([plan.manual_edits, plan.unknown_entries], [[], []]);
    assert.deepEqual(
      plan.put_back.map((entry) => [entry.wp_id, entry.board_status, entry.restored_board_status]),
      [
        ["WP-A", "BLOCKED", "READY"],
        ["WP-GHOST", "STUB", null],
      ],
    );
    const out = plan.render();
    assert.equal(
      out.text,
      "# Board\n## Ready for Dev\n- **[WP-B]** - [READY_FOR_DEV]\n- **[WP-A]** - [READY_FOR_DEV] - note kept\n## Blocked\n## Stub Backlog\n",
    );
    assert.deepEqual(out.placed, ["WP-A"]);
  });

  test("given put_back and from_board, nothing is applied and nothing is written", () => {
    const put_back = new Set(["WP-A", "WP-GHOST"]);
    const plan = planBoardSync(parseBoard(BOARD), VIEWS, {
      direction: "from_board",
      import_unknown: false,
      put_back,
    });
    assert.deepEqual(plan.manual_edits, []);
    assert.equal(plan.render().changed, false);
  });
});
