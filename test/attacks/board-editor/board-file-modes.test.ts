// Issue 21 hole 13 (file modes): the board rewrite lost the file's mode (a 0600 board became 0644; an
// executable file lost its bit). Every rewrite of the board, by `locus board sync` and by the auto-sync of a
// `locus update`, must keep the permission bits of the file it replaces, whatever the umask.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { type AttackWorkspace, attackWorkspace } from "../attack-support.js";

const BOARD = "# Board\n\n## Ready for Dev\n- **[WP-A]** - [READY_FOR_DEV]\n\n## Blocked\n";

/** A workspace whose board (with WP-A, ready) has permission bits `mode`. */
function boardWithMode(mode: number): { ws: AttackWorkspace; file: string; mode(): number } {
  const ws = attackWorkspace();
  const file = path.join(ws.dir, "docs", "TASK_BOARD.md");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, BOARD);
  assert.equal(ws.as("Operator", ["board", "sync", "--import-unknown"]).status, 0);
  chmodSync(file, mode);
  return { ws, file, mode: () => statSync(file).mode & 0o7777 };
}

describe("the board rewrite keeps the file's mode (issue 21 hole 13)", () => {
  for (const mode of [0o600, 0o640, 0o755]) {
    test(`a ${mode.toString(8)} board stays ${mode.toString(8)} after board sync and after an auto-sync`, () => {
      const { ws, file, mode: modeNow } = boardWithMode(mode);
      try {
        // A person's move brought in by `locus board sync`: the sync rewrites the file.
        writeFileSync(
          file,
          BOARD.replace("- **[WP-A]** - [READY_FOR_DEV]\n", "") + "- **[WP-A]** - [BLOCKED]\n",
        );
        chmodSync(file, mode);
        const sync = ws.as("Operator", ["board", "sync", "--json"]);
        assert.equal(sync.status, 0, sync.stderr);
        assert.match(readFileSync(file, "utf8"), /## Blocked\n- \*\*\[WP-A\]\*\* - \[BLOCKED\]/);
        assert.equal(modeNow(), mode, "after board sync");
        // The auto-sync of `locus update` moves the entry and rewrites the file again.
        const update = ws.as("Operator", ["update", "WP-A", "--status", "ready"], undefined, {});
        assert.equal(update.status, 0, update.stderr);
        assert.match(readFileSync(file, "utf8"), /## Ready for Dev\n- \*\*\[WP-A\]\*\* - \[READY_FOR_DEV\]/);
        assert.equal(modeNow(), mode, "after auto-sync");
        ws.assertIntact();
      } finally {
        ws.cleanup();
      }
    });
  }

  test("a board without the executable bit does not get it, whatever the umask leaves", () => {
    const { ws, mode: modeNow } = boardWithMode(0o644);
    try {
      assert.equal(ws.as("Operator", ["update", "WP-A", "--status", "blocked"]).status, 0);
      assert.equal(modeNow(), 0o644);
    } finally {
      ws.cleanup();
    }
  });
});
