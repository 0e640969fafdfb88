// `locus board sync --json` as a real process (STYLE 12, LOCUS_SPEC section 11): one LocusResult JSON line,
// exit 0 on success, 1 on a refusal, 2 on a usage error; nothing written when refused.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { locus, locusJson, newWorkspace } from "../cli/cli-process.js";

const BOARD = "# Task Board\n\n## Ready for Dev\n- **[WP-A]** - [READY_FOR_DEV] - kept\n\n## In Progress\n";

/** A workspace with a board file; LOCUS_ACTOR set so runs are attributed. */
function withBoard(): { root: string; board(): string } {
  const root = newWorkspace("locus-board-sync-cli-");
  mkdirSync(path.join(root, "docs"), { recursive: true });
  writeFileSync(path.join(root, "docs", "TASK_BOARD.md"), BOARD);
  return { root, board: () => readFileSync(path.join(root, "docs", "TASK_BOARD.md"), "utf8") };
}

const ENV = { LOCUS_ACTOR: "tester" };

describe("locus board sync --json (process)", () => {
  test("prints one LocusResult with the sync report and exits 0", () => {
    const ws = withBoard();
    try {
      const { run, body } = locusJson(ws.root, ["board", "sync", "--import-unknown"], ENV);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim().split("\n").length, 1, "one JSON line");
      assert.equal(body.success, true);
      assert.match(String(body.job_id), /^[0-9a-f-]{36}$/);
      assert.match(String(body.trace_id), /^[0-9a-f-]{36}$/);
      assert.equal(typeof body.duration_ms, "number");
      assert.deepEqual(body.events_emitted, [
        "FR-EVT-SYNC-001",
        "FR-EVT-WP-001",
        "FR-EVT-WP-002",
        "FR-EVT-TB-002",
        "FR-EVT-SYNC-002",
      ]);
      const data = body.data as Record<string, unknown>;
      // Section 4: {board_path, written, status_changes, entries_added, entries_moved, conflicts[],
      // unknown_entries[], duplicates_removed[]}, plus what the sync imported and created.
      for (const key of [
        "board_path",
        "written",
        "status_changes",
        "entries_added",
        "entries_moved",
        "conflicts",
        "unknown_entries",
        "duplicates_removed",
      ]) {
        assert.ok(key in data, `data.${key}`);
      }
      assert.deepEqual(
        [data.board_path, data.written, data.status_changes, data.entries_added, data.entries_moved],
        ["docs/TASK_BOARD.md", false, 0, 0, 0],
      );
      assert.deepEqual([data.conflicts, data.unknown_entries, data.duplicates_removed], [[], [], []]);
      assert.equal(data.imported, 1);
      assert.equal(ws.board(), BOARD);

      // A manual move brought in by a second process: WP-A READY -> In Progress is refused (no pre-work gate).
      writeFileSync(
        path.join(ws.root, "docs", "TASK_BOARD.md"),
        BOARD.replace("- **[WP-A]** - [READY_FOR_DEV] - kept\n", "").concat(
          "- **[WP-A]** - [IN_PROGRESS] - kept\n",
        ),
      );
      const moved = locusJson(ws.root, ["board", "sync"], ENV);
      // The job succeeds (the entry is put back), but the person's move did not: exit 1 (issue 18).
      assert.equal(moved.run.status, 1, "a refused move exits non-zero");
      assert.equal(moved.body.success, true);
      const report = moved.body.data as { written: boolean; conflicts: { wp_id: string; code: string }[] };
      assert.deepEqual(
        report.conflicts.map((c) => [c.wp_id, c.code]),
        [["WP-A", "HSK-409-TRANSITION"]],
      );
      assert.equal(report.written, true);
      assert.equal(ws.board(), BOARD, "the entry went back");
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
  });

  test("a refused sync prints success false with the code and exits 1; a usage error exits 2", () => {
    const ws = withBoard();
    try {
      const unsafe = locusJson(ws.root, ["board", "sync", "--path", "../outside.md"], ENV);
      assert.equal(unsafe.run.status, 1);
      assert.equal(unsafe.body.success, false);
      const error = unsafe.body.error as { code: string; details?: { field?: string } };
      assert.equal(error.code, "HSK-400-UNSAFE-PATH");
      assert.equal(error.details?.field, "path");

      const denied = locusJson(ws.root, ["board", "sync", "--import-unknown"], {
        ...ENV,
        LOCUS_PROFILE: "Analyst",
      });
      assert.equal(denied.run.status, 1);
      assert.equal((denied.body.error as { code: string }).code, "HSK-403-CAPABILITY");

      const usage = locus(ws.root, ["--json", "board", "sync", "--direction", "sideways"], undefined, ENV);
      assert.equal(usage.status, 2, usage.stderr);
      assert.equal(ws.board(), BOARD, "nothing written");
      // Nothing was imported by the refused runs.
      const list = locusJson(ws.root, ["board", "sync", "--dry-run"], ENV);
      assert.equal((list.body.data as { unknown_entries: unknown[] }).unknown_entries.length, 1);
    } finally {
      rmSync(ws.root, { recursive: true, force: true });
    }
  });
});
