// Hostile boards and paths (LOCUS_SPEC section 8, "Safety"): each attack is refused with the contract's
// code, the file and the store are left as they were, and the only trace is the refusal's own events.
import assert from "node:assert/strict";
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { type BoardWorkspace, boardWorkspace, eventNames } from "./board-workspace.js";

const BOARD = "# Task Board\n\n## Ready for Dev\n- **[WP-A]** - [READY_FOR_DEV]\n";

async function refused(ws: BoardWorkspace, params: Record<string, unknown>, code: string): Promise<void> {
  const before = (await ws.store.readEvents()).length;
  const result = await ws.run("sync_task_board", { import_unknown: true, ...params });
  assert.equal(result.success, false, JSON.stringify(params).slice(0, 100));
  if (result.success) return;
  assert.equal(result.error.code, code, result.error.message);
  const names = (await eventNames(ws.store, before)).filter((name) => name !== "capability_decision");
  assert.deepEqual(names, ["sync_failed"], "a refused sync leaves only sync_failed");
  const list = await ws.ok("list_wps", { include_deleted: true });
  assert.equal(list.total_count, 0, "nothing imported");
}

function outsideDir(): string {
  return mkdtempSync(path.join(tmpdir(), "locus-outside-"));
}

describe("board attacks", () => {
  test("given ../ and absolute paths, then HSK-400-UNSAFE-PATH and the file they name is untouched", async () => {
    // The workspace sits inside `outside`, so `../board.md` names exactly outside/board.md.
    const outside = realpathSync(outsideDir());
    const ws = await boardWorkspace({ parent: outside });
    try {
      const target = path.join(outside, "board.md");
      assert.equal(path.resolve(ws.root, "../board.md"), target);
      writeFileSync(target, BOARD);
      const before = statSync(target, { bigint: true });
      await refused(ws, { path: "../board.md" }, "HSK-400-UNSAFE-PATH");
      await refused(ws, { path: "docs/../../board.md" }, "HSK-400-UNSAFE-PATH");
      await refused(ws, { path: target }, "HSK-400-UNSAFE-PATH");
      await refused(ws, { path: "docs/TASK\u0000BOARD.md" }, "HSK-400-UNSAFE-PATH");
      assert.equal(readFileSync(target, "utf8"), BOARD);
      const after = statSync(target, { bigint: true });
      assert.deepEqual([after.ino, after.mtimeNs], [before.ino, before.mtimeNs], "not rewritten in place");
      // No temp file or other write beside it either.
      assert.deepEqual(readdirSync(outside).sort(), ["board.md", path.basename(ws.root)].sort());
    } finally {
      await ws.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test("given a symlinked board or folder pointing outside the workspace, then HSK-400-UNSAFE-PATH and the target is untouched", async () => {
    const ws = await boardWorkspace();
    const outside = outsideDir();
    try {
      const target = path.join(outside, "TASK_BOARD.md");
      writeFileSync(target, BOARD);
      symlinkSync(target, ws.boardFile);
      await refused(ws, {}, "HSK-400-UNSAFE-PATH");
      // A symlinked folder on the way, and a dangling link.
      mkdirSync(path.join(outside, "nested"));
      symlinkSync(path.join(outside, "nested"), path.join(ws.root, "linked"));
      await refused(ws, { path: "linked/TASK_BOARD.md" }, "HSK-400-UNSAFE-PATH");
      symlinkSync(path.join(outside, "missing.md"), path.join(ws.root, "dangling.md"));
      await refused(ws, { path: "dangling.md" }, "HSK-400-UNSAFE-PATH");
      assert.equal(readFileSync(target, "utf8"), BOARD);
      // Auto-sync does not follow it either: create_wp commits, the board outside is untouched.
      const created = await ws.ok("create_wp", { wp_id: "WP-NEW", title: "n" });
      assert.equal(created.task_board_updated, false);
      assert.equal(readFileSync(target, "utf8"), BOARD);
      // A task packet path through the symlinked folder is refused too.
      const packet = await ws.run("create_wp", { title: "p", task_packet_path: "docs/task_packets/x.md" });
      assert.equal(packet.success, true);
      symlinkSync(path.join(outside, "nested"), path.join(ws.root, "docs", "task_packets_link"));
      mkdirSync(path.join(ws.root, "docs", "task_packets"), { recursive: true });
      symlinkSync(path.join(outside, "nested"), path.join(ws.root, "docs", "task_packets", "evil"));
      const evil = await ws.run("create_wp", {
        title: "e",
        task_packet_path: "docs/task_packets/evil/WP-E.md",
      });
      assert.equal(evil.success, false);
      if (!evil.success) assert.equal(evil.error.code, "HSK-400-UNSAFE-PATH");
    } finally {
      await ws.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test("given a symlink to a board inside the workspace, then it is followed and the link is kept", async () => {
    const ws = await boardWorkspace();
    try {
      writeFileSync(path.join(ws.root, "REAL_BOARD.md"), BOARD);
      symlinkSync(path.join(ws.root, "REAL_BOARD.md"), ws.boardFile);
      const data = await ws.ok("sync_task_board", { import_unknown: true });
      assert.equal(data.imported, 1);
      await ws.ok("create_wp", { wp_id: "WP-B", title: "b" });
      assert.match(readFileSync(path.join(ws.root, "REAL_BOARD.md"), "utf8"), /WP-B/);
    } finally {
      await ws.cleanup();
    }
  });

  test("given a 50 MiB board, then HSK-413-LIMIT without reading it", async () => {
    const ws = await boardWorkspace();
    try {
      // A sparse file: the size bound is checked on stat, before any byte is read.
      const fd = openSync(ws.boardFile, "w");
      ftruncateSync(fd, 50 * 1024 * 1024);
      closeSync(fd);
      const started = performance.now();
      await refused(ws, {}, "HSK-413-LIMIT");
      assert.ok(performance.now() - started < 1_000, "refused quickly");
      const created = await ws.ok("create_wp", { wp_id: "WP-C", title: "c" });
      assert.equal(created.task_board_updated, false, "auto-sync skips a board it must refuse");
      const names = await eventNames(ws.store);
      assert.ok(names.includes("diagnostic"), "the skipped auto-sync is recorded");
    } finally {
      await ws.cleanup();
    }
  });

  test("given a board just under 5 MiB, then the sync succeeds, adopts its entries and is stable", async () => {
    const ws = await boardWorkspace();
    try {
      const head = ["# Task Board", "", "## Ready for Dev"];
      for (let i = 0; i < 1_000; i++) head.push(`- **[WP-BIG-${i}]** - [READY_FOR_DEV] - ${"é".repeat(40)}`);
      head.push("", "## Notes (not owned)", "");
      let text = `${head.join("\n")}\n`;
      // Prose lines of 1 KiB (multi-byte characters counted in bytes) up to just under the 5 MiB bound.
      const limit = 5 * 1024 * 1024;
      const prose = `${"€".repeat(300)}${"p".repeat(123)}\n`;
      const proseBytes = Buffer.byteLength(prose);
      let bytes = Buffer.byteLength(text);
      const parts = [text];
      while (bytes + proseBytes <= limit - 64) {
        parts.push(prose);
        bytes += proseBytes;
      }
      text = parts.join("");
      assert.ok(bytes > limit - proseBytes - 64 && bytes < limit, `${bytes} bytes`);
      ws.writeBoard(text);
      const plain = await ws.ok("sync_task_board", {});
      assert.equal((plain.unknown_entries as []).length, 1_000);
      const adopted = await ws.ok("sync_task_board", { import_unknown: true });
      assert.deepEqual([adopted.imported, adopted.written], [1_000, false]);
      assert.equal(ws.readBoard(), text);
      const again = await ws.ok("sync_task_board", {});
      assert.deepEqual([again.written, again.status_changes, again.entries_moved], [false, 0, 0]);
      // Auto-sync on a board this size still works: the new entry is appended to its section.
      const created = await ws.ok("create_wp", { wp_id: "WP-NEW", title: "n" });
      assert.equal(created.task_board_updated, true);
      assert.match(ws.readBoard(), /\n## Stub Backlog\n- \*\*\[WP-NEW\]\*\* - \[STUB\]\n$/);
    } finally {
      await ws.cleanup();
    }
  });

  test("given a 1 MiB line, then HSK-413-LIMIT and the file is unchanged", async () => {
    const ws = await boardWorkspace();
    try {
      const text = `${BOARD}- **[WP-L]** - [READY_FOR_DEV] ${"x".repeat(1024 * 1024)}\n`;
      ws.writeBoard(text);
      await refused(ws, {}, "HSK-413-LIMIT");
      assert.equal(ws.readBoard(), text);
    } finally {
      await ws.cleanup();
    }
  });

  test("given NUL bytes in the board, then refused (HSK-400-INVALID-PARAMS) and the file is unchanged", async () => {
    const ws = await boardWorkspace();
    try {
      const bytes = Buffer.from(`${BOARD}- **[WP-N]** - [READY_FOR_DEV] a\u0000b\n`, "utf8");
      ws.writeBoard(bytes);
      await refused(ws, {}, "HSK-400-INVALID-PARAMS");
      assert.ok(readFileSync(ws.boardFile).equals(bytes));
    } finally {
      await ws.cleanup();
    }
  });

  test("given a board that is not a regular file, then HSK-400-UNSAFE-PATH", async () => {
    const ws = await boardWorkspace();
    try {
      mkdirSync(ws.boardFile);
      await refused(ws, {}, "HSK-400-UNSAFE-PATH");
    } finally {
      await ws.cleanup();
    }
  });
});
