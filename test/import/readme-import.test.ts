// The README's "Coming from Beads / Backlog.md / Task Master / GitHub" block, run as written (issue 18: the
// README's commands are tested): its `locus` lines, in a folder laid out as each tracker lays out its files
// (copied from the real fixtures; `gh`'s export, which needs GitHub, is written by the test in its shape).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { LOCUS_BIN, locus, tempWorkspace } from "../support/cli.js";
import { readmeBlockLines } from "../support/readme.js";
import { BACKLOG_DIR, BEADS_FILE, TASKMASTER_FILE } from "./import-support.js";

test("the README's import commands run as written and bring every tracker's work in", () => {
  const lines = readmeBlockLines(/^## Coming from Beads/m, "Coming from Beads");
  assert.deepEqual(
    lines.map((line) => line.split(" ").slice(0, 3).join(" ")),
    ["locus import beads", "locus import backlog", "locus import taskmaster", "locus import github"],
  );
  const dir = tempWorkspace();
  try {
    mkdirSync(join(dir, ".beads"));
    cpSync(BEADS_FILE, join(dir, ".beads", "issues.jsonl"));
    cpSync(BACKLOG_DIR, join(dir, "backlog"), { recursive: true });
    mkdirSync(join(dir, ".taskmaster", "tasks"), { recursive: true });
    cpSync(TASKMASTER_FILE, join(dir, ".taskmaster", "tasks", "tasks.json"));
    const issue = (number: number, state: string) => ({
      number,
      title: `GitHub issue ${number}`,
      body: "Steps to reproduce",
      state,
      labels: [{ name: "bug" }],
      assignees: [{ login: "octo" }],
      author: { login: "reporter" },
      createdAt: "2026-01-02T03:04:05Z",
      closedAt: state === "CLOSED" ? "2026-01-03T00:00:00Z" : null,
      comments: [{ author: { login: "octo" }, body: "Looking", createdAt: "2026-01-02T05:00:00Z" }],
    });
    writeFileSync(join(dir, "issues.json"), JSON.stringify([issue(1, "OPEN"), issue(2, "CLOSED")]));

    const shim = `locus() { "${process.execPath}" "${LOCUS_BIN}" "$@"; };`;
    for (const line of lines) {
      const run = spawnSync("bash", ["-c", `${shim} ${line}`], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(run.status, 0, `\`${line}\` failed: ${run.stderr}${run.stdout.slice(0, 500)}`);
    }
    const shown = JSON.parse(locus(dir, ["show", "WP-GH-1", "--json"]).stdout).data.wp;
    assert.equal(shown.title, "GitHub issue 1");
    assert.deepEqual(shown.metadata.source, { system: "github", id: "1" });
    const all = JSON.parse(locus(dir, ["list", "--json", "--include-deleted", "--limit", "1"]).stdout).data;
    assert.ok(all.total_count > 3_003 + 2, `${all.total_count} WPs`);
    assert.equal(locus(dir, ["events", "verify"]).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
