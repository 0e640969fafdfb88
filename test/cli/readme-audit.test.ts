// The README's "Audit, retention and the Spec Session Log" block, run as written in a workspace where WP-1 has a
// history: every line succeeds and prints what the README says it shows.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { test } from "node:test";
import { LOCUS_BIN, locus, tempWorkspace } from "../support/cli.js";
import { readmeBlockLines } from "../support/readme.js";

test("the README's audit, session log and retention commands run as written", () => {
  const lines = readmeBlockLines(/^## Audit, retention and the Spec Session Log/m, "Audit, retention");
  assert.equal(lines.length, 6);
  const dir = tempWorkspace();
  try {
    assert.equal(locus(dir, ["create", "Add login", "--wp-id", "WP-1"]).status, 0);
    assert.equal(locus(dir, ["update", "WP-1", "--status", "ready"]).status, 0);
    const shim = `locus() { "${process.execPath}" "${LOCUS_BIN}" "$@"; };`;
    const outputs = lines.map((line) => {
      const run = spawnSync("bash", ["-c", `${shim} ${line}`], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.equal(run.status, 0, `\`${line}\` failed: ${run.stderr}${run.stdout}`);
      return run.stdout;
    });
    assert.match(outputs[0] ?? "", /Audit of WP-1: 2 changes/);
    assert.match(outputs[1] ?? "", /WP-1 .*status stub -> ready/);
    assert.match(outputs[2] ?? "", /WP-1 +\S+: created "Add login"\n$/);
    assert.match(outputs[3] ?? "", /dry run: would remove .*; nothing changed/);
    assert.match(outputs[4] ?? "", /chain ok/);
    assert.match(outputs[5] ?? "", /^packed 0 blocks of cold events and Bronze snapshots in \d+ ms\n$/); // a day of 2 jobs: none cold
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
