// Issue 21 hole 4, on the board: a FIFO planted as docs/TASK_BOARD.md must not hang `locus board sync` (the
// board is opened without blocking, then refused as not a regular file), and another writer is not blocked.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliRun, LOCUS_BIN } from "../../support/cli.js";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";

const HANG_MS = 15_000;

/** Runs `locus args...` as a Coder, killed after HANG_MS; `hung` says whether it had to be. */
function runBounded(dir: string, args: string[]): Promise<CliRun & { hung: boolean }> {
  const child = spawn(process.execPath, [LOCUS_BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", LOCUS_PROFILE: "Coder" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let hung = false;
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, HANG_MS);
  return new Promise((resolve) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status: status ?? -1, stdout, stderr, hung });
    }),
  );
}

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
      runBounded(ws.dir, ["board", "sync", "--json"]),
      runBounded(ws.dir, ["create", "Meanwhile", "--json"]),
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
