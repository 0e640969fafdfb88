// The board render journal (issue 21 hole 9): written whole, read back only when it is whole and names the
// same board; anything else (missing, damaged, hostile) is no journal, never an error.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { type BoardRenderJournal, readRenderJournal, writeRenderJournal } from "./board-render-journal.js";

const JOURNAL: BoardRenderJournal = {
  version: 1,
  board_path: "docs/TASK_BOARD.md",
  seq: 42,
  hash: "ab".repeat(32),
  wps: ["WP-1", "WP-2"],
  carried: ["WP-3"],
};

test("a written journal reads back for its board only, and a damaged one is no journal", () => {
  const folder = mkdtempSync(path.join(tmpdir(), "locus-journal-"));
  const board = path.join(folder, "TASK_BOARD.md");
  try {
    assert.equal(readRenderJournal(folder, board, JOURNAL.board_path), undefined, "none yet");
    writeRenderJournal(folder, board, JOURNAL);
    assert.deepEqual(readRenderJournal(folder, board, JOURNAL.board_path), JOURNAL);
    assert.equal(readRenderJournal(folder, board, "docs/OTHER.md"), undefined, "another board path");
    assert.equal(readRenderJournal(undefined, board, JOURNAL.board_path), undefined, "no store folder");
    const [file] = readdirSync(folder).filter((name) => name.startsWith("board-render-"));
    assert.ok(file !== undefined && !readdirSync(folder).some((name) => name.endsWith(".tmp")));
    const damaged: unknown[] = [
      "{",
      "null",
      JSON.stringify({ ...JOURNAL, version: 2 }),
      JSON.stringify({ ...JOURNAL, seq: 0 }),
      JSON.stringify({ ...JOURNAL, hash: "not hex" }),
      JSON.stringify({ ...JOURNAL, wps: ["../etc/passwd"] }),
      JSON.stringify({ ...JOURNAL, carried: "WP-1" }),
    ];
    for (const text of damaged) {
      writeFileSync(path.join(folder, file), String(text));
      assert.equal(readRenderJournal(folder, board, JOURNAL.board_path), undefined, String(text));
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
