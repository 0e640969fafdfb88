import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { rememberWrittenBoard } from "./board-cache.js";
import { statBoardFile } from "./board-file.js";
import { BoardWatcher } from "./board-watcher.js";

// Section 8: the watcher is debounced, single-flight and never re-triggered by its own writes. The sync is
// a fake that counts its calls; the file events are real.

const DEBOUNCE_MS = 80;

/** A temp board file, a counting fake sync, and a started watcher on them. */
async function watched(
  sync: (file: string, call: number) => Promise<{ written: boolean }>,
): Promise<{ file: string; calls: () => number; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "locus-watch-"));
  const file = path.join(dir, "TASK_BOARD.md");
  writeFileSync(file, "# Task Board\n");
  let calls = 0;
  const watcher = new BoardWatcher({
    boardFile: file,
    sync: () => sync(file, ++calls),
    debounceMs: DEBOUNCE_MS,
    pollMs: 200,
  });
  await watcher.start();
  return {
    file,
    calls: () => calls,
    async stop() {
      await watcher.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fake sync that only reads: it never writes the board. */
const reading = async () => ({ written: false });

/** Waits until `check` holds (or fails after `ms`). */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe("BoardWatcher", () => {
  test("given a burst of writes, then one sync after the quiet time (debounce)", async () => {
    const w = await watched(reading);
    try {
      assert.equal(w.calls(), 1, "the start sync");
      // Each write has another size, so every one is a new stamp.
      for (let i = 1; i <= 5; i++) {
        writeFileSync(w.file, `# Task Board\n${"x".repeat(i)}\n`);
        await sleep(10);
      }
      await until(() => w.calls() === 2, 2_000, "the burst's sync");
      await sleep(DEBOUNCE_MS * 3 + 250);
      assert.equal(w.calls(), 2, "one sync for the whole burst");
    } finally {
      await w.stop();
    }
  });

  test("given a write during a slow sync, then exactly one more sync after it (single flight)", async () => {
    let running = 0;
    let overlapped = false;
    let release: (() => void) | undefined;
    const w = await watched(async (_file, call) => {
      running++;
      if (running > 1) overlapped = true;
      // The second sync (the first after start) is slow: it waits until the test releases it.
      if (call === 2) await new Promise<void>((resolve) => (release = resolve));
      running--;
      return { written: false };
    });
    try {
      writeFileSync(w.file, "# Task Board\nedit 1\n");
      await until(() => release !== undefined, 2_000, "the slow sync to start");
      // Two edits while it runs, well past the debounce and a poll period.
      writeFileSync(w.file, "# Task Board\nedit 2, longer\n");
      await sleep(DEBOUNCE_MS * 2);
      writeFileSync(w.file, "# Task Board\nedit 3, longer still\n");
      await sleep(400);
      assert.equal(w.calls(), 2, "no second sync while one runs");
      release?.();
      await until(() => w.calls() === 3, 2_000, "the follow-up sync");
      await sleep(DEBOUNCE_MS * 3 + 250);
      assert.equal(w.calls(), 3, "exactly one more sync");
      assert.equal(overlapped, false);
    } finally {
      release?.();
      await w.stop();
    }
  });

  test("given the watcher's own write, then no sync follows it", async () => {
    // Like the real sync: an atomic-ish write of the board, its stamp remembered, then a little more work
    // (the file event arrives while the sync still runs).
    const w = await watched(async (file, call) => {
      const text = `# Task Board\n\n## Ready\n- **[WP-${call}]** - [READY_FOR_DEV]\n`;
      writeFileSync(file, text);
      const stamp = statBoardFile(file);
      assert.ok(stamp);
      rememberWrittenBoard(file, stamp, text);
      await sleep(30);
      return { written: true };
    });
    try {
      assert.equal(w.calls(), 1);
      await sleep(DEBOUNCE_MS * 3 + 500);
      assert.equal(w.calls(), 1, "re-triggered by its own write");
      // A change by someone else still syncs (and that sync's own write does not trigger again).
      writeFileSync(w.file, "# Task Board\nby hand\n");
      await until(() => w.calls() === 2, 2_000, "the hand edit's sync");
      await sleep(DEBOUNCE_MS * 3 + 500);
      assert.equal(w.calls(), 2);
    } finally {
      await w.stop();
    }
  });
});
