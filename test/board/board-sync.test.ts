// sync_task_board end to end on real files (LOCUS_SPEC section 8): manual moves, refusals, created sections,
// dry runs, stability, SYNC-003, and auto-sync after state changes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { boardWorkspace, eventNames } from "./board-workspace.js";

const BOARD = [
  "# Task Board",
  "",
  "Prose stays. - **[WP-PROSE]** in a sentence is not an entry.",
  "",
  "## Ready for Dev",
  "- **[WP-A]** - [READY_FOR_DEV] - notes of A",
  "",
  "## In Progress",
  "- **[WP-B]** - [IN_PROGRESS]",
  "",
  "## Done",
  "",
].join("\n");

async function adopted() {
  const ws = await boardWorkspace();
  ws.writeBoard(BOARD);
  const first = await ws.ok("sync_task_board", { import_unknown: true });
  assert.equal(first.imported, 2);
  return ws;
}

describe("sync_task_board", () => {
  test("given an adopted board, when synced again, then nothing is written and TB-002 has zero counts", async () => {
    const ws = await adopted();
    try {
      assert.equal(ws.readBoard(), BOARD);
      const events = (await ws.store.readEvents()).length;
      const again = await ws.ok("sync_task_board", {});
      assert.equal(again.written, false);
      assert.equal(again.status_changes, 0);
      assert.deepEqual([again.entries_added, again.entries_moved], [0, 0]);
      const names = await eventNames(ws.store, events);
      assert.deepEqual(
        names.filter((name) => name !== "capability_decision"),
        ["sync_started", "task_board_synced", "sync_completed"],
      );
      const tb002 = (await ws.store.readEvents({ afterSeq: events })).find(
        (e) => e.event_name === "task_board_synced",
      );
      assert.equal(tb002?.payload.entries_added, 0);
      assert.equal(tb002?.payload.written, false);
    } finally {
      await ws.cleanup();
    }
  });

  test("given an entry moved by hand to a legal section, when synced, then the WP changes and TB-003 is recorded", async () => {
    const ws = await adopted();
    try {
      // READY -> Blocked is legal by update (section 5).
      const moved = BOARD.replace("- **[WP-A]** - [READY_FOR_DEV] - notes of A\n", "").concat(
        "## Blocked\n- **[WP-A]** - [BLOCKED] - notes of A\n",
      );
      ws.writeBoard(moved);
      const before = (await ws.store.readEvents()).length;
      const data = await ws.ok("sync_task_board", {});
      assert.equal(data.status_changes, 1);
      assert.deepEqual(data.conflicts, []);
      assert.equal(data.written, false, "the entry already sits where the new status puts it");
      const status = await ws.ok("get_wp_status", { wp_id: "WP-A" });
      assert.equal((status.wp as { status: string }).status, "blocked");
      const names = (await eventNames(ws.store, before)).filter((name) => name !== "capability_decision");
      assert.deepEqual(names.slice(0, 3), [
        "sync_started",
        "task_board_status_changed",
        "work_packet_updated",
      ]);
      const wp002 = (await ws.store.readEvents({ afterSeq: before })).find(
        (e) => e.event_name === "work_packet_updated",
      );
      assert.equal(wp002?.payload.source, "task_board_sync");
      assert.equal(ws.readBoard(), moved);
      assert.equal((await ws.ok("sync_task_board", {})).status_changes, 0);
    } finally {
      await ws.cleanup();
    }
  });

  test("given an entry moved to Done without a passed post-work gate, then the WP is unchanged, a conflict is reported and the entry goes back", async () => {
    const ws = await adopted();
    try {
      const moved = BOARD.replace("- **[WP-B]** - [IN_PROGRESS]\n", "").replace(
        "## Done\n",
        "## Done\n- **[WP-B]** - [VALIDATED]\n",
      );
      ws.writeBoard(moved);
      const data = await ws.ok("sync_task_board", {});
      assert.equal(data.status_changes, 0);
      const conflicts = data.conflicts as { wp_id: string; code: string; board_status: string }[];
      assert.equal(conflicts.length, 1);
      assert.equal(conflicts[0]?.wp_id, "WP-B");
      assert.equal(conflicts[0]?.code, "HSK-409-TRANSITION");
      assert.equal(data.written, true);
      const wp = (await ws.ok("get_wp_status", { wp_id: "WP-B" })).wp as { status: string };
      assert.equal(wp.status, "in_progress");
      assert.match(ws.readBoard(), /## In Progress\n- \*\*\[WP-B\]\*\* - \[IN_PROGRESS\]\n/);
      assert.doesNotMatch(ws.readBoard(), /## Done\n- \*\*\[WP-B\]/);
      const tb003 = (await ws.store.readEvents()).filter((e) => e.event_name === "task_board_status_changed");
      assert.equal(tb003.at(-1)?.payload.applied, false);
    } finally {
      await ws.cleanup();
    }
  });

  test("given a WP that becomes GATED, when the board updates, then a ## Gated section is created", async () => {
    const ws = await adopted();
    try {
      const data = await ws.ok("update_wp", { wp_id: "WP-B", updates: { status: "gated" } });
      assert.equal(data.task_board_updated, true);
      const text = ws.readBoard();
      assert.match(text, /\n## Gated\n- \*\*\[WP-B\]\*\* - \[GATED\]\n$/);
      assert.doesNotMatch(text, /## In Progress\n- \*\*\[WP-B\]/);
      const again = await ws.ok("sync_task_board", {});
      assert.equal(again.written, false);
      assert.equal(again.status_changes, 0);
    } finally {
      await ws.cleanup();
    }
  });

  test("given create_wp in a workspace with a board, then the entry is added in the same job with TB-001", async () => {
    const ws = await adopted();
    try {
      const result = await ws.run("create_wp", { wp_id: "WP-NEW", title: "new" });
      assert.ok(result.success);
      assert.equal(result.data.task_board_updated, true);
      assert.deepEqual(result.events_emitted, ["FR-EVT-WP-001", "FR-EVT-TB-001"]);
      assert.match(ws.readBoard(), /## Stub Backlog\n- \*\*\[WP-NEW\]\*\* - \[STUB\]\n$/);
      assert.equal((await ws.ok("sync_task_board", {})).written, false);
    } finally {
      await ws.cleanup();
    }
  });

  test("given no board file, when a WP is created, then no board appears and task_board_updated is false", async () => {
    const ws = await boardWorkspace();
    try {
      const data = await ws.ok("create_wp", { wp_id: "WP-X", title: "x" });
      assert.equal(data.task_board_updated, false);
      const sync = await ws.ok("sync_task_board", {});
      assert.equal(sync.written, true);
      assert.match(ws.readBoard(), /^# Task Board\n\n## Stub Backlog\n- \*\*\[WP-X\]\*\* - \[STUB\]\n$/);
    } finally {
      await ws.cleanup();
    }
  });

  test("given a dry run with a manual move and an unknown entry, then nothing changes and the report predicts", async () => {
    const ws = await adopted();
    try {
      const moved = `${BOARD}- **[WP-C]** - [VALIDATED]\n`;
      ws.writeBoard(moved);
      const data = await ws.ok("sync_task_board", { dry_run: true, import_unknown: true });
      assert.equal(data.imported, 1);
      assert.equal(data.written, false);
      assert.equal(ws.readBoard(), moved);
      const missing = await ws.run("get_wp_status", { wp_id: "WP-C" });
      assert.equal(missing.success, false);
    } finally {
      await ws.cleanup();
    }
  });

  test("given a refused sync, then SYNC-003 sync_failed is the only trace besides capability decisions", async () => {
    const ws = await adopted();
    try {
      const before = (await ws.store.readEvents()).length;
      const result = await ws.run("sync_task_board", { path: "../outside.md" });
      assert.equal(result.success, false);
      if (result.success) return;
      assert.equal(result.error.code, "HSK-400-UNSAFE-PATH");
      const names = await eventNames(ws.store, before);
      assert.deepEqual(
        names.filter((name) => name !== "capability_decision"),
        ["sync_failed"],
      );
    } finally {
      await ws.cleanup();
    }
  });

  test("given direction from_board, then the board is never written", async () => {
    const ws = await adopted();
    try {
      await ws.ok("create_wp", { wp_id: "WP-Z", title: "z" });
      ws.writeBoard(BOARD);
      const data = await ws.ok("sync_task_board", { direction: "from_board" });
      assert.equal(data.written, false);
      assert.equal(ws.readBoard(), BOARD);
      const to = await ws.ok("sync_task_board", { direction: "to_board" });
      assert.equal(to.written, true);
      assert.equal(to.entries_added, 1);
    } finally {
      await ws.cleanup();
    }
  });
});
