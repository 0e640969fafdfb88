// issue 21 hole 2: a Coder ran `sync_task_board {"path":".git/config"}` and board sections were appended to git's
// config (git stopped working); `--path .locus/config.json` broke every later command. What must hold: the board
// is a Markdown file outside `.git/`, `.locus/` and every other tool's folder, and never a file that is not a
// board unless it is empty or new. Each refusal is HSK-400-UNSAFE-PATH naming the field, and the file is left
// byte for byte; later commands still work.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { boardPathProblem } from "../../../src/board/board-file.js";
import { attackWorkspace, resultOf, stateEventsSince } from "../attack-support.js";

describe("issue 21 hole 2: the board path never writes into a file that is not a board", () => {
  const ws = attackWorkspace();
  spawnSync("git", ["init", "-q"], { cwd: ws.dir });
  mkdirSync(path.join(ws.dir, "docs"), { recursive: true });
  writeFileSync(
    path.join(ws.dir, "README.md"),
    "# My project\n\nSome prose a person wrote.\n- a list item\n",
  );
  writeFileSync(path.join(ws.dir, "docs", "notes.txt"), "## Ready\nnot markdown\n");
  mkdirSync(path.join(ws.dir, ".github"), { recursive: true });
  writeFileSync(path.join(ws.dir, ".github", "BOARD.md"), "");
  symlinkSync(path.join(ws.dir, ".git", "config"), path.join(ws.dir, "docs", "linked.md"));
  after(() => {
    ws.assertIntact();
    ws.cleanup();
  });

  for (const [target, why] of [
    [".git/config", "git's config"],
    [".locus/config.json", "Locus's own config"],
    ["README.md", "a Markdown file that is not a board"],
    ["docs/notes.txt", "a text file"],
    [".github/BOARD.md", "another tool's folder"],
    ["docs/linked.md", "a symlink into .git/"],
  ] as const) {
    it(`--path ${target} (${why}) is refused, the file is byte for byte as it was`, () => {
      const file = path.join(ws.dir, target);
      const before = readFileSync(file);
      const events = ws.events();
      const run = ws.as("Coder", ["board", "sync", "--path", target, "--import-unknown", "--json"]);
      const result = resultOf(run);
      assert.equal(result.success, false);
      assert.equal(result.error?.code, "HSK-400-UNSAFE-PATH", result.error?.message);
      assert.equal(result.error?.details?.field, "path");
      assert.deepEqual(readFileSync(file), before);
      assert.deepEqual(
        stateEventsSince(events, ws.events()),
        ["sync_failed"],
        "only the refusal's own trace",
      );
      // Git and Locus still work.
      assert.equal(spawnSync("git", ["status"], { cwd: ws.dir }).status, 0, "git still works");
      assert.equal(ws.as("Coder", ["create", "still works", "--json"]).status, 0);
    });
  }

  it("the rule itself: Markdown files people own pass, tool folders and other files do not", () => {
    for (const ok of ["docs/TASK_BOARD.md", "TASK_BOARD.markdown", "boards/team.MD"]) {
      assert.equal(boardPathProblem(ok), undefined, ok);
    }
    for (const bad of [
      ".git/config",
      ".locus/board.md",
      "a/.hidden/b.md",
      "node_modules/x/README.md",
      ".board.md",
      "docs/board.txt",
      "docs/board",
    ]) {
      assert.notEqual(boardPathProblem(bad), undefined, bad);
    }
  });

  it("a new board file, or an empty one, is still created and filled", () => {
    writeFileSync(path.join(ws.dir, "docs", "EMPTY.md"), "");
    for (const target of ["docs/EMPTY.md", "docs/NEW_BOARD.md"]) {
      const result = resultOf(ws.as("Coder", ["board", "sync", "--path", target, "--json"]));
      assert.equal(result.success, true, JSON.stringify(result.error));
      assert.match(readFileSync(path.join(ws.dir, target), "utf8"), /## /);
    }
  });
});
