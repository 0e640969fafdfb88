// The README's "Commands for people" block, run as written, top to bottom, in a fresh git folder (issue 18):
// people copy it line by line, so every line must succeed and the walk-through must end where it says.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { LOCUS_BIN, locus } from "../support/cli.js";
import { readmeBlockLines } from "../support/readme.js";

/** The `locus ...` lines of the "Commands for people" block. */
const walkthroughLines = () => readmeBlockLines(/^##+ .*commands for people/im, "Commands for people");

test("the README walk-through runs as written in a fresh folder and ends with WP-1 done", () => {
  const lines = walkthroughLines();
  assert.ok(lines.length >= 15, `the walk-through has its commands (${lines.length})`);
  const dir = mkdtempSync(join(tmpdir(), "locus-readme-"));
  try {
    spawnSync("git", ["init", "-q"], { cwd: dir });
    const shim = `locus() { "${process.execPath}" "${LOCUS_BIN}" "$@"; };`;
    for (const line of lines) {
      const run = spawnSync("bash", ["-c", `${shim} ${line}`], {
        cwd: dir,
        encoding: "utf8",
        timeout: 30_000,
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.equal(run.status, 0, `\`${line}\` failed: ${run.stderr}${run.stdout}`);
      assert.doesNotMatch(run.stderr, /\n\s+at /, `\`${line}\` printed a stack trace`);
    }
    const shown = JSON.parse(locus(dir, ["show", "WP-1", "--json"]).stdout);
    assert.equal(shown.data.wp.status, "done");
    const copied = JSON.parse(locus(join(dir, "copy"), ["list", "--json"]).stdout);
    assert.deepEqual(
      copied.data.wps.map((wp: { wp_id: string }) => wp.wp_id).sort(),
      ["WP-1", "WP-2"],
      "the exported workspace was imported into copy/",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
