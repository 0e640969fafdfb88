// Every real board of ../shared/fixtures/task-boards (LOCUS_SPEC section 8, issue 3 acceptance): in an empty
// workspace a sync without import changes nothing and reports every owned entry as unknown; a sync with
// import_unknown creates one WP per distinct id and only removes duplicates; a second sync changes nothing.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { type BoardStatus, wpStatusOf } from "../../src/board/board-model.js";
import { parseBoard } from "../../src/board/board-parser.js";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { boardWorkspace } from "./board-workspace.js";

// Compiled to dist/test/board/: the repository root is three folders up.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const boardsDir = path.resolve(repoRoot, "../shared/fixtures/task-boards");
const skipReason = `fixture boards not found at ${boardsDir} (they live beside the repository, as in CI)`;

interface UnknownReport {
  wp_id: string;
  line: number;
  other_lines: number[];
}

test("every fixture board: no-import sync is a no-op, import adopts, a second sync is stable", async (t) => {
  if (!existsSync(boardsDir)) return t.skip(skipReason);
  const names = readdirSync(boardsDir)
    .filter((name) => name.endsWith(".md"))
    .sort();
  assert.ok(names.length > 0);
  const started = performance.now();
  let adopted = 0;
  for (const name of names) {
    const original = readFileSync(path.join(boardsDir, name));
    const parsed = parseBoard(original);
    const ownedLines = new Map<string, number[]>();
    // 8 (adoption): the occurrence further down the file wins; entries are in file order, so the last seen.
    const lastOwned = new Map<string, { line: number; board_status: BoardStatus }>();
    for (const entry of parsed.entries) {
      if (entry.board_status === undefined) continue;
      const lines = ownedLines.get(entry.wp_id) ?? [];
      lines.push(entry.line + 1);
      ownedLines.set(entry.wp_id, lines);
      lastOwned.set(entry.wp_id, { line: entry.line + 1, board_status: entry.board_status });
    }
    const ws = await boardWorkspace({ autoSync: false });
    try {
      ws.writeBoard(original);
      const plain = await ws.ok("sync_task_board", {});
      assert.equal(plain.written, false, name);
      assert.ok(readFileSync(ws.boardFile).equals(original), `${name}: changed without import`);
      const unknown = plain.unknown_entries as UnknownReport[];
      const reported = new Map(unknown.map((entry) => [entry.wp_id, [...entry.other_lines, entry.line]]));
      assert.deepEqual(reported, ownedLines, `${name}: every owned entry is reported as unknown`);

      const imported = await ws.ok("sync_task_board", { import_unknown: true });
      assert.equal(imported.imported, ownedLines.size, name);
      const list = await ws.ok("list_wps", { limit: 1000, include_deleted: true });
      assert.equal(list.total_count, ownedLines.size, `${name}: one WP per distinct id`);
      for (const wp of list.wps as TrackedWorkPacket[]) {
        const last = lastOwned.get(wp.wp_id);
        assert.ok(last, `${name}: ${wp.wp_id} was not on the board`);
        assert.equal(
          wp.status,
          wpStatusOf(last.board_status),
          `${name}: ${wp.wp_id} takes the section of its last owned entry (line ${last.line})`,
        );
      }
      // Nothing but duplicate entries changes: the new board is the old one minus the removed lines.
      const removed = new Set((imported.duplicates_removed as { line: number }[]).map((dup) => dup.line - 1));
      const lastLines = new Set([...lastOwned.values()].map((last) => last.line - 1));
      for (const line of removed) {
        assert.ok(!lastLines.has(line), `${name}: line ${line + 1}, a last occurrence, was removed`);
      }
      assert.equal(imported.entries_added, 0, name);
      assert.equal(imported.entries_moved, 0, name);
      const expected =
        (parsed.bom ? "\uFEFF" : "") +
        parsed.lines
          .filter((_, index) => !removed.has(index))
          .map((line) => line.text + line.eol)
          .join("");
      if (removed.size === 0) assert.ok(readFileSync(ws.boardFile).equals(original), `${name}: rewritten`);
      else assert.equal(ws.readBoard(), expected, `${name}: only duplicates removed`);

      const second = await ws.ok("sync_task_board", {});
      assert.equal(second.written, false, `${name}: second sync wrote`);
      assert.deepEqual(
        [
          second.status_changes,
          second.entries_added,
          second.entries_moved,
          (second.duplicates_removed as []).length,
        ],
        [0, 0, 0, 0],
        name,
      );
      adopted += ownedLines.size;
    } finally {
      await ws.cleanup();
    }
  }
  t.diagnostic(
    `${names.length} boards, ${adopted} WPs adopted in ${Math.round(performance.now() - started)} ms`,
  );
});
