// sync_task_board end to end on real files (LOCUS_SPEC section 8): manual moves, refusals, created sections,
// dry runs, stability, SYNC-003, and auto-sync after state changes.
import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import { describe, test } from "node:test";
import type { BoardStatus } from "../../src/board/board-model.js";
import { parseBoard } from "../../src/board/board-parser.js";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { stateFingerprint } from "../../src/operations/flight-recorder.js";
import { type BoardWorkspace, boardWorkspace, eventNames } from "./board-workspace.js";

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

/** The owned entries of `wpId` on the board text, as [section heading, board status, token, trailing]. */
function ownedEntriesOf(text: string, wpId: string): [string, BoardStatus | undefined, string, string][] {
  const board = parseBoard(text);
  return board.entries
    .filter((entry) => entry.wp_id === wpId && entry.board_status !== undefined)
    .map((entry) => [
      board.sections[entry.section ?? -1]?.heading ?? "",
      entry.board_status,
      entry.token,
      entry.trailing,
    ]);
}

/** The stored WP. */
async function storedWp(ws: BoardWorkspace, wpId: string): Promise<TrackedWorkPacket> {
  return (await ws.ok("get_wp_status", { wp_id: wpId })).wp as TrackedWorkPacket;
}

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
      // A legal manual move (WP-A READY -> Blocked) and an entry the store does not know (WP-C).
      const moved = `${BOARD.replace("- **[WP-A]** - [READY_FOR_DEV] - notes of A\n", "")}- **[WP-C]** - [VALIDATED]\n## Blocked\n- **[WP-A]** - [BLOCKED] - notes of A\n`;
      ws.writeBoard(moved);
      const state = stateFingerprint(await ws.store.loadState());
      const wpA = await storedWp(ws, "WP-A");
      const before = (await ws.store.readEvents()).length;
      const data = await ws.ok("sync_task_board", { dry_run: true, import_unknown: true });
      assert.equal(data.dry_run, true);
      assert.equal(data.status_changes, 1, "the move is predicted");
      assert.equal(data.imported, 1, "the import is predicted");
      assert.equal(data.written, false);
      assert.equal(ws.readBoard(), moved, "the file is unchanged");
      assert.deepEqual(stateFingerprint(await ws.store.loadState()), state, "no state change");
      const after = await storedWp(ws, "WP-A");
      assert.deepEqual([after.status, after.version], [wpA.status, wpA.version]);
      const names = await eventNames(ws.store, before);
      assert.ok(!names.includes("task_board_status_changed"), `TB-003 committed: ${names.join(", ")}`);
      assert.ok(
        !names.some((name) => name.startsWith("work_packet_")),
        `WP event committed: ${names.join(", ")}`,
      );
      const missing = await ws.run("get_wp_status", { wp_id: "WP-C" });
      assert.equal(missing.success, false);
      // The real sync then does what the dry run predicted.
      const real = await ws.ok("sync_task_board", { import_unknown: true });
      assert.deepEqual([real.status_changes, real.imported], [1, 1]);
      assert.equal((await storedWp(ws, "WP-A")).status, "blocked");
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
      assert.deepEqual(result.events_emitted, ["FR-EVT-SYNC-003"], "the refusal lists the event it wrote");
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

  test("given an adopted board with a WP in two owned sections, then the lower entry wins and the other is removed and reported", async () => {
    const ws = await boardWorkspace();
    try {
      // Done above Ready: the lower (Ready) entry wins, whatever the order of the sections.
      const text =
        "# Board\n\n## Done\n- **[WP-D]** - [VALIDATED] - stale\n\n## Ready for Dev\n- **[WP-D]** - [READY_FOR_DEV] - current\n";
      ws.writeBoard(text);
      const data = await ws.ok("sync_task_board", { import_unknown: true });
      assert.equal(data.imported, 1);
      assert.deepEqual(data.duplicates_removed, [
        { wp_id: "WP-D", line: 4, removed_board_status: "DONE", kept_board_status: "READY" },
      ]);
      assert.equal(data.written, true);
      assert.equal(ws.readBoard(), text.replace("- **[WP-D]** - [VALIDATED] - stale\n", ""));
      assert.equal((await storedWp(ws, "WP-D")).status, "ready");
      const again = await ws.ok("sync_task_board", {});
      assert.deepEqual([again.written, (again.duplicates_removed as []).length], [false, 0]);
    } finally {
      await ws.cleanup();
    }
  });

  test("given an adopted board, then each WP is created as a stub and walks section 5 to its section, keeping the entry's own token", async () => {
    const ws = await boardWorkspace();
    try {
      const text = [
        "# Board",
        "",
        "## Stub Backlog",
        "- **[WP-S]** - [STUB]",
        "## Ready for Dev",
        "- **[WP-R]** - [READY_FOR_DEV]",
        "## In Progress",
        "- **[WP-P]** - [ACTIVE] - coder: claude, branch feat/WP-P",
        "## Done",
        "- **[WP-V]** - [VALIDATED] - merged",
        "",
      ].join("\n");
      ws.writeBoard(text);
      const before = (await ws.store.readEvents()).length;
      await ws.ok("sync_task_board", { import_unknown: true });
      const events = await ws.store.readEvents({ afterSeq: before });
      const created = events.filter((event) => event.event_name === "work_packet_created");
      assert.deepEqual(
        created.map((event) => [
          event.payload.wp_id,
          event.payload.source,
          (event.payload.wp as TrackedWorkPacket).status,
        ]),
        [
          ["WP-S", "task_board_import", "stub"],
          ["WP-R", "task_board_import", "stub"],
          ["WP-P", "task_board_import", "stub"],
          ["WP-V", "task_board_import", "stub"],
        ],
        "WP-001 makes each WP as create_wp does",
      );
      const stored = await Promise.all(["WP-S", "WP-R", "WP-P", "WP-V"].map((id) => storedWp(ws, id)));
      assert.deepEqual(
        stored.map((wp) => [wp.wp_id, wp.status, wp.governance.task_board_token]),
        [
          ["WP-S", "stub", "STUB"],
          ["WP-R", "ready", "READY_FOR_DEV"],
          ["WP-P", "in_progress", "ACTIVE"],
          ["WP-V", "done", "VALIDATED"],
        ],
      );
      // Past ready, the gates were passed by the adopting actor (an Operator here), each noted as adopted.
      const gated = events.filter((event) => event.event_name === "work_packet_gated");
      assert.deepEqual(
        gated.map((event) => [event.payload.wp_id, event.payload.gate]),
        [
          ["WP-P", "pre_work"],
          ["WP-V", "pre_work"],
          ["WP-V", "post_work"],
        ],
      );
      for (const event of gated) {
        assert.match(
          String((event.payload.note as { content: string }).content),
          /adopted from the Task Board/,
        );
      }
      const decisions = events.filter(
        (event) => event.event_name === "capability_decision" && event.payload.capability_id === "locus.gate",
      );
      assert.deepEqual(
        decisions.map((event) => event.payload.decision_outcome),
        ["allow"],
        "one recorded locus.gate decision covers the job's adopted gates",
      );
      assert.equal(ws.readBoard(), text, "tokens and trailing text are kept on the board");
      const active = await storedWp(ws, "WP-P");
      assert.equal(active.governance.task_board_token, "ACTIVE");
      assert.equal(active.governance.task_board_status, "IN_PROGRESS");
      // A later status change writes the new status's token; the trailing text moves with the entry.
      await ws.ok("update_wp", { wp_id: "WP-P", updates: { status: "blocked" } });
      assert.deepEqual(ownedEntriesOf(ws.readBoard(), "WP-P"), [
        ["Blocked", "BLOCKED", "BLOCKED", " - coder: claude, branch feat/WP-P"],
      ]);
    } finally {
      await ws.cleanup();
    }
  });

  test("every state-changing operation updates the board in the same job (task_board_updated)", async () => {
    const ws = await adopted();
    try {
      // close_wp moves an entry only when the post-work gate was decided while the board was not there to
      // update (the gate itself moves a WP to done): WP-U is gated with the board file away, then put back.
      for (const [operation, params] of [
        ["create_wp", { wp_id: "WP-U", title: "u" }],
        ["update_wp", { wp_id: "WP-U", updates: { status: "ready" } }],
        ["gate_wp", { wp_id: "WP-U", gate: "pre_work", result: { status: "pass" } }],
      ] as const) {
        await ws.ok(operation, params);
      }
      renameSync(ws.boardFile, `${ws.boardFile}.away`);
      await ws.ok("gate_wp", { wp_id: "WP-U", gate: "post_work", result: { status: "pass" } });
      renameSync(`${ws.boardFile}.away`, ws.boardFile);
      assert.deepEqual(
        ownedEntriesOf(ws.readBoard(), "WP-U").map(([heading]) => heading),
        ["In Progress"],
      );

      const CASES: [string, Record<string, unknown>, string, string][] = [
        ["create_wp", { wp_id: "WP-T", title: "t" }, "WP-T", "Stub Backlog"],
        ["update_wp", { wp_id: "WP-T", updates: { status: "ready" } }, "WP-T", "Ready for Dev"],
        ["gate_wp", { wp_id: "WP-T", gate: "pre_work", result: { status: "pass" } }, "WP-T", "In Progress"],
        ["gate_wp", { wp_id: "WP-T", gate: "post_work", result: { status: "pass" } }, "WP-T", "Done"],
        ["close_wp", { wp_id: "WP-U" }, "WP-U", "Done"],
        ["delete_wp", { wp_id: "WP-A", reason: "dropped" }, "WP-A", "Superseded"],
      ];
      for (const [operation, params, wpId, heading] of CASES) {
        const data = await ws.ok(operation, params);
        assert.equal(data.task_board_updated, true, `${operation}: task_board_updated`);
        const entries = ownedEntriesOf(ws.readBoard(), wpId);
        assert.deepEqual(
          entries.map(([section]) => section),
          [heading],
          `${operation}: ${wpId} once, under ## ${heading}`,
        );
      }
      const again = await ws.ok("sync_task_board", {});
      assert.deepEqual([again.written, again.status_changes], [false, 0], "the board was already in step");
    } finally {
      await ws.cleanup();
    }
  });
});
