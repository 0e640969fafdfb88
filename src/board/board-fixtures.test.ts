// The 326 real boards of fixtures/task-boards (LOCUS_SPEC section 8): byte-identical round trip and
// entry counts checked by hand against `grep -E` on the files.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { BoardStatus } from "./board-model.js";
import { parseBoard } from "./board-parser.js";
import { renderBoard } from "./board-renderer.js";

// Tests run compiled from dist/src/board/, so the repository root is three folders up.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const boardsDir = path.resolve(repoRoot, "../shared/fixtures/task-boards");
const hasFixtures = existsSync(boardsDir);
const skipReason = `fixture boards not found at ${boardsDir}`;

function readBoard(name: string): Buffer {
  return readFileSync(path.join(boardsDir, name));
}

function statusCounts(name: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of parseBoard(readBoard(name)).entries) {
    const key = entry.board_status ?? "unowned";
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

test("every fixture board renders back byte for byte", (t) => {
  if (!hasFixtures) return t.skip(skipReason);
  const names = readdirSync(boardsDir).filter((name) => name.endsWith(".md"));
  assert.equal(names.length, 326);
  let entries = 0;
  for (const name of names) {
    const bytes = readBoard(name);
    const board = parseBoard(bytes);
    entries += board.entries.length;
    assert.ok(Buffer.from(renderBoard(board), "utf8").equals(bytes), `${name} did not round-trip`);
  }
  // The corpus holds about 57k grammar-conforming entries (older styles such as `/ FAIL:` stay prose).
  assert.equal(entries, 57_084);
});

test("given the newest board, when parsed, then sections and entries match a hand count", (t) => {
  if (!hasFixtures) return t.skip(skipReason);
  const board = parseBoard(readBoard("board-20260701-e6c20910.md"));
  assert.equal(board.entries.length, 311);
  assert.deepEqual(statusCounts("board-20260701-e6c20910.md"), {
    unowned: 3, // one [ACTIVE] entry, two [FAILED_HISTORICAL_SMOKETEST_BASELINE] entries
    READY: 1,
    STUB: 58,
    IN_PROGRESS: 2,
    DONE: 96,
    BLOCKED: 2,
    CANCELLED: 149,
  });
  const owned = board.sections.map((section) => [section.heading, section.owned_status ?? null]);
  assert.deepEqual(owned, [
    ["Spec Authority Rule [CX-598] (HARD INVARIANT)", null],
    ["Active (Cross-Branch Status)", null],
    ["Current Focus (2026-04-05)", null],
    ["Ready for Dev", "READY"],
    ["Stub Backlog (Not Activated)", "STUB"],
    ["In Progress", "IN_PROGRESS"],
    ["Done", "DONE"],
    ["Blocked", "BLOCKED"],
    ["Historical Failed Closures Used As Live Smoketest Baselines", null],
    ["Superseded (Archive)", "CANCELLED"],
  ]);
  // The format examples in the rules section are inline code inside prose, not entries.
  assert.equal(board.sections[0]!.entry_indexes.length, 0);
  const first = board.entries[0]!;
  assert.equal(first.wp_id, "WP-KERNEL-012-Native-Editors-Obsidian-VSCode-Parity-v1");
  assert.equal(first.token, "ACTIVE");
  assert.equal(
    first.trailing,
    " - branch: feat/WP-KERNEL-012 - coder: KERNEL_BUILDER/Codex - last_sync: 2026-07-01",
  );
});

test("given the oldest board, when parsed, then its token-less entries stay prose", (t) => {
  if (!hasFixtures) return t.skip(skipReason);
  const board = parseBoard(readBoard("board-20251219-71aef4c2.md"));
  assert.equal(board.entries.length, 0);
  const statuses: (BoardStatus | undefined)[] = board.sections.map((section) => section.owned_status);
  assert.deepEqual(statuses, ["IN_PROGRESS", "READY", "DONE"]);
});

test("given a board with a BOM, when parsed, then the BOM is kept out of the first line and rendered", (t) => {
  if (!hasFixtures) return t.skip(skipReason);
  const name = readdirSync(boardsDir).find((file) => readBoard(file)[0] === 0xef);
  assert.ok(name !== undefined, "the corpus has boards with a BOM");
  const board = parseBoard(readBoard(name));
  assert.equal(board.bom, true);
  assert.ok(!board.lines[0]!.text.startsWith("\uFEFF"));
});
