// The README's "The agent loop" block, run as written (section 17): a Coder primes, claims, renews, reports, asks
// for the gate and releases; a person then passes the gate. Its status hooks example is a valid config.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { LOCUS_BIN, REPO_ROOT } from "../support/cli.js";
import { readmeBlockLines } from "../support/readme.js";
import { locus, newWorkspace } from "./cli-process.js";

const HEADING = /^## The agent loop/m;

test("the README's agent loop runs as written, as a Coder, and ends with the WP gated, released and then done", () => {
  const lines = readmeBlockLines(HEADING, "The agent loop");
  assert.ok(lines.length >= 9, `the loop has its commands (${lines.length})`);
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.search(HEADING));
  // The block's first line says who the agent is; the commands run with exactly that environment.
  const exported = /export (LOCUS_ACTOR=(\S+)) (LOCUS_PROFILE=(\S+))/.exec(section);
  assert.ok(exported, "the block exports LOCUS_ACTOR and LOCUS_PROFILE");
  const env = { LOCUS_ACTOR: exported[2] as string, LOCUS_PROFILE: exported[4] as string };
  const dir = newWorkspace();
  try {
    for (const args of [
      ["create", "Login page", "--wp-id", "WP-1"],
      ["update", "WP-1", "--status", "ready"],
      ["gate", "WP-1", "pre_work", "pass"],
    ])
      assert.equal(locus(dir, args).status, 0, args.join(" "));
    const shim = `locus() { "${process.execPath}" "${LOCUS_BIN}" "$@"; };`;
    for (const line of lines) {
      const run = spawnSync("bash", ["-c", `${shim} ${line}`], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", ...env, LOCUS_STORE: "" },
      });
      assert.equal(run.status, 0, `\`${line}\` failed: ${run.stderr}${run.stdout}`);
    }
    const wp = JSON.parse(locus(dir, ["show", "WP-1", "--json"]).stdout).data.wp;
    assert.equal(wp.status, "gated");
    assert.equal(wp.assignee, undefined);
    assert.equal(wp.micro_tasks.completed, 1);
    assert.equal(locus(dir, ["gate", "WP-1", "post_work", "pass", "--profile", "Validator"]).status, 0);
    assert.equal(JSON.parse(locus(dir, ["show", "WP-1", "--json"]).stdout).data.wp.status, "done");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's status hooks example is a valid workspace config", () => {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const at = readme.search(/\*\*Status hooks\.\*\*/);
  assert.ok(at >= 0);
  const block = readme.slice(at).match(/```json\n([\s\S]*?)```/)?.[1] ?? "";
  const config = parseWorkspaceConfig(JSON.parse(block));
  assert.equal(config.hooks.on_status_change.length, 2);
  // The second hook does nothing unless the WP became done (no gh needed to check that).
  const quiet = spawnSync("sh", ["-c", config.hooks.on_status_change[1] as string], {
    env: { ...process.env, LOCUS_TO: "in_progress", LOCUS_WP_ID: "WP-1" },
  });
  assert.equal(quiet.status, 0);
});
