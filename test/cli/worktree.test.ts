// Section 17: every git worktree of a repository finds the main worktree's workspace. A real repository, a real
// `git worktree add`, and `locus` run from the worktree as a person or an agent would: the store is shared, the
// board is the worktree's own file, and the pre-commit hook installed from the main worktree syncs and stages the
// board of the worktree it commits in.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { locus, testEnv } from "./cli-process.js";

const gitEnv = {
  GIT_AUTHOR_NAME: "Locus Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Locus Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

function git(cwd: string, args: string[]): string {
  const run = spawnSync("git", args, { cwd, encoding: "utf8", env: testEnv(gitEnv) });
  assert.equal(run.status, 0, `git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

const json = (cwd: string, args: string[]) => {
  const run = locus(cwd, [...args, "--json"]);
  assert.equal(run.status, 0, `locus ${args.join(" ")} in ${cwd}: ${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as { data: Record<string, unknown> };
};

/** The section heading an entry of `wpId` sits under on a board. */
function sectionOf(board: string, wpId: string): string | undefined {
  let section: string | undefined;
  for (const line of board.split("\n")) {
    if (line.startsWith("## ")) section = line.slice(3).trim();
    if (line.includes(`**[${wpId}]**`)) return section;
  }
  return undefined;
}

describe("a linked git worktree shares the main worktree's workspace", () => {
  let root = "";
  let main = "";
  let tree = "";
  before(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "locus-worktree-")));
    main = join(root, "main");
    tree = join(root, "feature");
    mkdirSync(main);
    git(main, ["init", "-q", "-b", "main"]);
    assert.equal(locus(main, ["init"]).status, 0);
    for (const args of [
      ["create", "Shared work", "--wp-id", "WP-1"],
      ["update", "WP-1", "--status", "ready"],
      ["board", "sync"],
      ["hooks", "install"],
    ])
      assert.equal(locus(main, args).status, 0, args.join(" "));
    writeFileSync(join(main, "README.md"), "main\n");
    git(main, ["add", "README.md", "docs/TASK_BOARD.md"]);
    git(main, ["commit", "-q", "-m", "start"]);
    git(main, ["worktree", "add", "-q", "-b", "feature", tree]);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("finds the same store from the worktree and its subfolders, without LOCUS_STORE and without a .locus/ of its own", () => {
    const listed = json(tree, ["list"]).data.wps as { wp_id: string }[];
    assert.deepEqual(
      listed.map((wp) => wp.wp_id),
      ["WP-1"],
    );
    mkdirSync(join(tree, "src"));
    json(join(tree, "src"), ["create", "Made in the worktree", "--wp-id", "WP-2"]);
    assert.equal((json(main, ["show", "WP-2"]).data.wp as { title: string }).title, "Made in the worktree");
    assert.equal(existsSync(join(tree, ".locus")), false);
    // `locus init` in the worktree opens the shared workspace instead of making a second one.
    assert.equal(locus(tree, ["init"]).status, 0);
    assert.equal(existsSync(join(tree, ".locus")), false);
  });

  it("writes the worktree's own board; the main worktree's copy catches up at its next sync, with no false manual edit", () => {
    json(tree, ["update", "WP-1", "--status", "blocked"]);
    assert.equal(sectionOf(readFileSync(join(tree, "docs/TASK_BOARD.md"), "utf8"), "WP-1"), "Blocked");
    assert.equal(sectionOf(readFileSync(join(main, "docs/TASK_BOARD.md"), "utf8"), "WP-1"), "Ready for Dev");
    const synced = json(tree, ["board", "sync"]).data;
    assert.deepEqual(synced.conflicts, []);
    assert.equal(synced.status_changes, 0);
    // The main worktree's board still says Ready for Dev; that is what the store last wrote there, not a person's move back.
    const mainSync = json(main, ["board", "sync"]).data;
    assert.equal(mainSync.status_changes, 0);
    assert.deepEqual(mainSync.conflicts, []);
    assert.equal((json(main, ["show", "WP-1"]).data.wp as { status: string }).status, "blocked");
    assert.equal(sectionOf(readFileSync(join(main, "docs/TASK_BOARD.md"), "utf8"), "WP-1"), "Blocked");
  });

  it("the pre-commit hook installed from the main worktree syncs and stages the worktree's board when committing there", () => {
    json(tree, ["update", "WP-1", "--status", "ready"]);
    // Nothing but notes.txt is staged: the hook syncs the worktree's board and stages it.
    const boardFile = join(tree, "docs/TASK_BOARD.md");
    writeFileSync(join(tree, "notes.txt"), "work\n");
    git(tree, ["add", "notes.txt"]);
    git(tree, ["commit", "-q", "-m", "work in the worktree"]);
    const committed = git(tree, ["show", "--name-only", "--format=", "HEAD"]).trim().split("\n");
    // The hook also commits the chain head (section 16) in the worktree it runs in.
    assert.deepEqual(committed.sort(), ["docs/TASK_BOARD.md", "locus-anchor.json", "notes.txt"]);
    const inCommit = git(tree, ["show", "HEAD:docs/TASK_BOARD.md"]);
    assert.equal(sectionOf(inCommit, "WP-1"), "Ready for Dev");
    assert.ok(sectionOf(inCommit, "WP-2") !== undefined, "the WP made in the worktree is on its board");
    assert.equal(inCommit, readFileSync(boardFile, "utf8"));
    // The main worktree keeps its own board (changed only by its own sync above): nothing of it was staged.
    assert.equal(git(main, ["status", "--porcelain", "--untracked-files=no"]).trim(), "M docs/TASK_BOARD.md");
  });
});
