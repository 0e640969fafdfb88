// Issue 21 hole 4, on the board: a FIFO planted as docs/TASK_BOARD.md must not hang `locus board sync` (the
// board is opened without blocking, then refused as not a regular file), and another writer is not blocked.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AttackWorkspace, attackWorkspace, resultOf, runBounded } from "../attack-support.js";

describe("attack: a FIFO planted as the Task Board", () => {
  let ws: AttackWorkspace;
  before(() => {
    ws = attackWorkspace();
    mkdirSync(join(ws.dir, "docs"), { recursive: true });
    execFileSync("mkfifo", [join(ws.dir, "docs", "TASK_BOARD.md")]);
  });
  after(() => ws.cleanup());

  it("board sync is refused at once as not a regular file, and a writer meanwhile is not blocked", async () => {
    const [sync, other] = await Promise.all([
      runBounded(ws.dir, "Coder", ["board", "sync", "--json"]),
      runBounded(ws.dir, "Coder", ["create", "Meanwhile", "--json"]),
    ]);
    assert.equal(sync.hung, false, "board sync hung on the FIFO");
    assert.equal(other.hung, false, "the second writer was blocked");
    assert.equal(other.status, 0, other.stderr);
    const error = resultOf(sync).error;
    assert.equal(error?.code, "HSK-400-UNSAFE-PATH", JSON.stringify(error));
    assert.match(error?.message ?? "", /not a regular file/);
    ws.assertIntact();
  });
});
