// Section 13, replica files through git, as a team uses them: two people each commit their own work on their
// own branch; the merge never conflicts in locus-replicas/ (each replica writes only its own file), and after
// `locus sync` both hold both WPs. Then the hooks: `locus hooks install --replicas` makes each commit append
// and stage the committer's events, and each pull read the others'.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resultOf } from "../attacks/attack-support.js";
import { locus } from "../support/cli.js";

const root = mkdtempSync(join(tmpdir(), "locus-git-"));
after(() => rmSync(root, { recursive: true, force: true }));
const env = {
  GIT_AUTHOR_NAME: "Locus Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Locus Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: root,
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, stdio: "pipe" });

/** A bare origin with one commit, and a clone of it per person, each with its own Locus workspace. */
function team(name: string, people: string[]): Record<string, string> {
  const origin = join(root, `${name}.git`);
  git(root, "init", "-q", "--bare", "-b", "main", origin);
  const seed = join(root, `${name}-seed`);
  git(root, "clone", "-q", origin, seed);
  git(seed, "commit", "-q", "--allow-empty", "-m", "start");
  git(seed, "push", "-q", "origin", "main");
  const clones: Record<string, string> = {};
  for (const person of people) {
    const dir = join(root, `${name}-${person}`);
    git(root, "clone", "-q", origin, dir);
    assert.equal(locus(dir, ["init"]).status, 0);
    clones[person] = dir;
  }
  return clones;
}

const titles = (dir: string) =>
  ((resultOf(locus(dir, ["list", "--json"])).data?.wps as { title: string }[]) ?? [])
    .map((w) => w.title)
    .sort();

describe("replica files through git (section 13)", () => {
  it("two branches, two replicas: the merge is clean and both converge", () => {
    const { ann, bo } = team("branches", ["ann", "bo"]) as { ann: string; bo: string };
    for (const [dir, who] of [
      [ann, "ann"],
      [bo, "bo"],
    ] as const) {
      assert.equal(locus(dir, ["create", `${who}'s work`]).status, 0);
      assert.equal(locus(dir, ["sync", "locus-replicas/"]).status, 0);
      git(dir, "checkout", "-q", "-b", who);
      git(dir, "add", "locus-replicas");
      git(dir, "commit", "-q", "-m", `${who}'s work`);
      git(dir, "push", "-q", "origin", who);
    }
    // Bo merges Ann's branch: no conflict, since each file has one writer.
    git(bo, "fetch", "-q", "origin");
    git(bo, "merge", "-q", "--no-edit", "origin/ann");
    assert.equal(git(bo, "diff", "--name-only", "--diff-filter=U"), "");
    assert.equal(locus(bo, ["sync", "locus-replicas/"]).status, 0);
    assert.deepEqual(titles(bo), ["ann's work", "bo's work"]);
    git(bo, "add", "locus-replicas");
    git(bo, "commit", "-q", "-m", "bo synced");
    git(bo, "push", "-q", "origin", "HEAD:main");
    git(ann, "pull", "-q", "--no-rebase", "origin", "main");
    assert.equal(locus(ann, ["sync", "locus-replicas/"]).status, 0);
    assert.deepEqual(titles(ann), ["ann's work", "bo's work"]);
    for (const dir of [ann, bo]) assert.equal(locus(dir, ["events", "verify"]).status, 0);
  });

  it("hooks install --replicas: a commit stages the committer's file, a pull reads the others'", () => {
    const { ann, bo } = team("hooks", ["ann", "bo"]) as { ann: string; bo: string };
    for (const dir of [ann, bo]) {
      const installed = locus(dir, ["hooks", "install", "--replicas", "--json"]);
      assert.equal(installed.status, 0, installed.stderr);
      assert.equal(JSON.parse(installed.stdout).data.replicas, "locus-replicas/");
    }
    assert.equal(locus(ann, ["create", "from ann's hook"]).status, 0);
    // Ann commits her code; the hook adds her replica file (and the board) to the same commit.
    writeFileSync(join(ann, "login.ts"), "export const login = () => true;\n");
    git(ann, "add", "login.ts");
    git(ann, "commit", "-q", "-m", "ann works");
    const committed = git(ann, "show", "--name-only", "--format=", "HEAD");
    assert.match(committed, /locus-replicas\/rep_\w+\.jsonl/);
    git(ann, "push", "-q", "origin", "main");
    git(bo, "pull", "-q", "--no-rebase", "origin", "main");
    assert.deepEqual(titles(bo), ["from ann's hook"]);
    const hook = readFileSync(join(bo, ".git", "hooks", "post-merge"), "utf8");
    assert.match(hook, /sync 'locus-replicas\/' --direction pull/);
    assert.ok(existsSync(join(bo, "locus-replicas")));
  });
});
