// The README's "Sharing work" block, run as written from a workspace beside a teammate's: every line succeeds,
// and afterwards this workspace holds the teammate's WP and has published its own replica file.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LOCUS_BIN, locus } from "../support/cli.js";
import { readmeBlockLines } from "../support/readme.js";

const sharingLines = () => readmeBlockLines(/^## Sharing work/m, "Sharing work");

test("the README's sync commands run as written beside a teammate's workspace", () => {
  const lines = sharingLines();
  assert.ok(lines.length >= 3, `the block has its commands (${lines.length})`);
  const root = mkdtempSync(join(tmpdir(), "locus-readme-sync-"));
  try {
    const [me, teammate] = [join(root, "me"), join(root, "teammate")];
    for (const dir of [me, teammate]) {
      mkdirSync(dir);
      assert.equal(locus(dir, ["init"]).status, 0);
    }
    assert.equal(locus(teammate, ["create", "The teammate's work"]).status, 0);
    assert.equal(locus(me, ["create", "My work"]).status, 0);
    const shim = `locus() { "${process.execPath}" "${LOCUS_BIN}" "$@"; };`;
    for (const line of lines) {
      const run = spawnSync("bash", ["-c", `${shim} ${line}`], {
        cwd: me,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.equal(run.status, 0, `\`${line}\` failed: ${run.stderr}${run.stdout}`);
    }
    const titles = JSON.parse(locus(me, ["list", "--json"]).stdout).data.wps.map(
      (w: { title: string }) => w.title,
    );
    assert.deepEqual(titles.sort(), ["My work", "The teammate's work"]);
    assert.ok(existsSync(join(me, "locus-replicas")), "the bare `locus sync` published this replica's file");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
