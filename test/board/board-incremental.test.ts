// Auto-sync through the board line index (src/operations/board/board-auto-sync-incremental.ts): the index
// is a cache of the exact bytes Locus last wrote or read; any other bytes (a person's edit, a damaged
// index file) mean one full parse, and the board always comes out as the full planner would write it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { forgetLineIndexes } from "../../src/board/board-index-store.js";
import { boardWorkspace } from "./board-workspace.js";

const BOARD = "# Task Board\n\n## Stub Backlog\n\n## Ready for Dev\n\nnotes stay here\n\n## Done\n";

describe("board auto-sync through the line index", () => {
  test("given a board edited by hand between two creates, then the edit is kept and the new entry placed", async () => {
    const ws = await boardWorkspace({ cacheFolder: true });
    try {
      ws.writeBoard(BOARD);
      await ws.ok("create_wp", { wp_id: "WP-A", title: "a" });
      await ws.ok("create_wp", { wp_id: "WP-B", title: "b" });
      const indexFiles = readdirSync(path.join(ws.root, ".locus")).filter((f) =>
        f.startsWith("board-index-"),
      );
      assert.equal(indexFiles.length, 1);
      assert.equal(
        ws.readBoard(),
        "# Task Board\n\n## Stub Backlog\n- **[WP-A]** - [STUB]\n- **[WP-B]** - [STUB]\n\n## Ready for Dev\n\nnotes stay here\n\n## Done\n",
      );
      // A person moves WP-A under Ready (same size, other bytes) and adds a line to the notes.
      ws.writeBoard(
        "# Task Board\n\n## Stub Backlog\n- **[WP-B]** - [STUB]\n\n## Ready for Dev\n- **[WP-A]** - [STUB]\n\nnotes stay here\nmore notes\n\n## Done\n",
      );
      const result = await ws.run("create_wp", { wp_id: "WP-C", title: "c" });
      assert.ok(result.success);
      assert.equal(result.data.task_board_updated, true);
      assert.equal(
        ws.readBoard(),
        "# Task Board\n\n## Stub Backlog\n- **[WP-B]** - [STUB]\n- **[WP-C]** - [STUB]\n\n## Ready for Dev\n- **[WP-A]** - [STUB]\n\nnotes stay here\nmore notes\n\n## Done\n",
      );
      // The pending manual move is still the next full sync's business (section 8), as before the index.
      const sync = await ws.ok("sync_task_board", {});
      assert.equal(sync.status_changes, 1);
    } finally {
      await ws.cleanup();
    }
  });

  test("given a damaged index file, then it is ignored and the board is still right", async () => {
    const ws = await boardWorkspace({ cacheFolder: true });
    try {
      ws.writeBoard(BOARD);
      await ws.ok("create_wp", { wp_id: "WP-A", title: "a" });
      const folder = path.join(ws.root, ".locus");
      const file = readdirSync(folder).find((f) => f.startsWith("board-index-")) as string;
      const index = JSON.parse(readFileSync(path.join(folder, file), "utf8"));
      // Same hash, wrong offsets: refused by the check against the text, never trusted.
      index.sections = index.sections.map((s: { insert_at: number }) => ({
        ...s,
        insert_at: s.insert_at + 3,
      }));
      writeFileSync(path.join(folder, file), JSON.stringify(index));
      forgetLineIndexes(); // as a new process: only the damaged file is left
      await ws.ok("create_wp", { wp_id: "WP-B", title: "b" });
      writeFileSync(path.join(folder, file), "{not json");
      forgetLineIndexes();
      await ws.ok("create_wp", { wp_id: "WP-C", title: "c" });
      assert.equal(
        ws.readBoard(),
        "# Task Board\n\n## Stub Backlog\n- **[WP-A]** - [STUB]\n- **[WP-B]** - [STUB]\n- **[WP-C]** - [STUB]\n\n## Ready for Dev\n\nnotes stay here\n\n## Done\n",
      );
      assert.equal((await ws.ok("sync_task_board", {})).written, false);
    } finally {
      await ws.cleanup();
    }
  });
});
