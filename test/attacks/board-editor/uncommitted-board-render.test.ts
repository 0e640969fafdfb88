// Issue 21 hole 9: a change that never committed reaches the store later, credited to someone else. A job is
// killed after the board file's rename and before COMMIT (LOCUS_FAULT=board-after-rename kills it there, as
// kill -9 did in 1 of 8 rounds): the board shows the job's lines, the store never saw the job. The next
// `locus board sync` by another actor must not apply those lines as that actor's manual edits (no TB-003, no
// WP-002) nor keep or import a phantom entry of a create that never committed; it puts them back to the
// store's state and reports them, while a person's real moves are still applied.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { type AttackWorkspace, attackWorkspace, resultOf, type StoredEventLine } from "../attack-support.js";

const BOARD = "# Board\n\n## Ready for Dev\n\n## Blocked\n\n## Stub Backlog\n";
const KILL = { LOCUS_FAULT: "board-after-rename" };

interface PutBack {
  wp_id: string;
  board_status: string;
  restored_board_status: string | null;
}

/** A workspace whose board holds WP-A and WP-B, both ready, written by Locus. */
function readyPair(): { ws: AttackWorkspace; board(): string; write(text: string): void } {
  const ws = attackWorkspace();
  const file = path.join(ws.dir, "docs", "TASK_BOARD.md");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, BOARD);
  for (const id of ["WP-A", "WP-B"]) {
    assert.equal(ws.as("Operator", ["create", id, "--wp-id", id]).status, 0);
    assert.equal(ws.as("Operator", ["update", id, "--status", "ready"]).status, 0);
  }
  return {
    ws,
    board: () => readFileSync(file, "utf8"),
    write: (text) => writeFileSync(file, text),
  };
}

/** Runs `locus board sync --json` as `bob`, a Coder, and returns its report. */
function syncAsBob(ws: AttackWorkspace, extra: string[] = []): Record<string, unknown> {
  const run = ws.as("Coder", ["board", "sync", "--json", ...extra], undefined, { LOCUS_ACTOR: "bob" });
  const result = resultOf(run);
  assert.equal(result.success, true, run.stdout + run.stderr);
  return result.data as Record<string, unknown>;
}

const statusOf = (ws: AttackWorkspace, id: string) => {
  const run = ws.as("Operator", ["show", id, "--json"]);
  return (resultOf(run).data as { wp: { status: string } }).wp.status;
};

const since = (events: StoredEventLine[], seq: number) => events.filter((e) => e.seq > seq);

describe("a board render that never committed (issue 21 hole 9)", () => {
  test("an update killed after the rename: the next sync puts the line back, credits nobody", () => {
    const { ws, board, write } = readyPair();
    try {
      const killed = ws.as("Operator", ["update", "WP-A", "--status", "blocked"], undefined, KILL);
      assert.notEqual(killed.status, 0, "the job died before COMMIT");
      assert.match(board(), /## Blocked\n- \*\*\[WP-A\]\*\* - \[BLOCKED\]/, "the board is one job ahead");
      assert.equal(statusOf(ws, "WP-A"), "ready", "the store never saw the job");
      // After the crash a person really moves WP-B to Blocked: that move must still count.
      write(
        board()
          .replace("- **[WP-B]** - [READY_FOR_DEV]\n", "")
          .replace("## Blocked\n", "## Blocked\n- **[WP-B]** - [BLOCKED]\n"),
      );
      const before = ws.events().at(-1)?.seq ?? 0;

      const report = syncAsBob(ws);
      const putBack = report.uncommitted_render_reverted as PutBack[];
      assert.deepEqual(
        putBack.map((e) => [e.wp_id, e.board_status, e.restored_board_status]),
        [["WP-A", "BLOCKED", "READY"]],
      );
      assert.equal(statusOf(ws, "WP-A"), "ready", "the uncommitted move is not applied");
      assert.equal(statusOf(ws, "WP-B"), "blocked", "the person's move is applied");
      const events = since(ws.events(), before);
      const aboutA = events.filter((e) => e.payload.wp_id === "WP-A");
      assert.deepEqual(aboutA, [], "no TB-003 and no WP-002 for WP-A");
      const tb003 = events.filter((e) => e.event_name === "task_board_status_changed");
      assert.deepEqual(
        tb003.map((e) => [e.payload.wp_id, e.actor_id]),
        [["WP-B", "bob"]],
      );
      assert.ok(
        events.some((e) => e.event_name === "diagnostic" && e.payload.code === "uncommitted_render_reverted"),
      );
      assert.match(board(), /## Ready for Dev\n- \*\*\[WP-A\]\*\* - \[READY_FOR_DEV\]\n/, "back in step");
      // In step: a second sync changes nothing, and a later real move of WP-A by a person is a manual edit.
      const again = syncAsBob(ws);
      assert.deepEqual(
        [again.written, again.status_changes, again.uncommitted_render_reverted],
        [false, 0, []],
      );
      write(
        board()
          .replace("- **[WP-A]** - [READY_FOR_DEV]\n", "")
          .replace("## Blocked\n", "## Blocked\n- **[WP-A]** - [BLOCKED]\n"),
      );
      assert.equal(syncAsBob(ws).status_changes, 1);
      assert.equal(statusOf(ws, "WP-A"), "blocked");
      ws.assertIntact();
    } finally {
      ws.cleanup();
    }
  });

  test("a create killed after the rename: its phantom entry is removed, not kept nor imported", () => {
    const { ws, board } = readyPair();
    try {
      const killed = ws.as("Operator", ["create", "Ghost", "--wp-id", "WP-GHOST"], undefined, KILL);
      assert.notEqual(killed.status, 0);
      assert.match(board(), /- \*\*\[WP-GHOST\]\*\* - \[STUB\]/, "the phantom entry is on the board");
      const before = ws.events().at(-1)?.seq ?? 0;

      const report = syncAsBob(ws, ["--import-unknown"]);
      assert.equal(report.imported, 0, "the phantom is not adopted");
      assert.deepEqual(report.unknown_entries, []);
      const putBack = report.uncommitted_render_reverted as PutBack[];
      assert.deepEqual(
        putBack.map((e) => [e.wp_id, e.board_status, e.restored_board_status]),
        [["WP-GHOST", "STUB", null]],
      );
      assert.doesNotMatch(board(), /WP-GHOST/, "the phantom entry is gone");
      const created = since(ws.events(), before).filter((e) => e.event_name === "work_packet_created");
      assert.deepEqual(created, [], "no WP-001");
      const show = ws.as("Operator", ["show", "WP-GHOST", "--json"]);
      assert.equal(resultOf(show).error?.code, "HSK-404-NOT-FOUND");
      ws.assertIntact();
    } finally {
      ws.cleanup();
    }
  });

  test("two killed jobs in a row, then the next committed job's auto-sync puts both back", () => {
    const { ws, board } = readyPair();
    try {
      const killUpdate = ws.as("Operator", ["update", "WP-A", "--status", "blocked"], undefined, KILL);
      assert.notEqual(killUpdate.status, 0);
      // The second killed job's render already puts WP-A back, adds its own phantom, and dies too.
      const killCreate = ws.as("Operator", ["create", "Ghost", "--wp-id", "WP-GHOST"], undefined, KILL);
      assert.notEqual(killCreate.status, 0);
      assert.match(board(), /- \*\*\[WP-GHOST\]\*\* - \[STUB\]/);
      const before = ws.events().at(-1)?.seq ?? 0;

      // Another actor's job commits: its auto-sync writes the board and puts back what never committed.
      const update = ws.as("Coder", ["update", "WP-B", "--status", "blocked"], undefined, {
        LOCUS_ACTOR: "alice",
      });
      assert.equal(update.status, 0, update.stderr);
      assert.equal(
        board(),
        "# Board\n\n## Ready for Dev\n- **[WP-A]** - [READY_FOR_DEV]\n\n## Blocked\n- **[WP-B]** - [BLOCKED]\n\n## Stub Backlog\n",
      );
      const events = since(ws.events(), before);
      assert.deepEqual(
        events.filter((e) => e.payload.wp_id === "WP-A" || e.payload.wp_id === "WP-GHOST"),
        [],
        "nothing recorded about the lines put back",
      );
      assert.ok(
        events.some((e) => e.event_name === "diagnostic" && e.payload.code === "uncommitted_render_reverted"),
      );
      assert.equal(statusOf(ws, "WP-A"), "ready");

      // In step: the next sync by bob has nothing to apply, import or put back.
      const report = syncAsBob(ws, ["--import-unknown"]);
      assert.deepEqual(
        [report.written, report.status_changes, report.imported, report.uncommitted_render_reverted],
        [false, 0, 0, []],
      );
      ws.assertIntact();
    } finally {
      ws.cleanup();
    }
  });
});
