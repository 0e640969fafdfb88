// The README's commands are run as written by tests: this reads the `locus ...` lines of a section's first shell
// block (comments cut), the way a person copies them.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./cli.js";

/** The `locus` lines of the first shell block after the heading matching `heading`. */
export function readmeBlockLines(heading: RegExp, name: string): string[] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const at = readme.search(heading);
  assert.ok(at >= 0, `the README has a '${name}' section`);
  const block = readme.slice(at).match(/```(?:sh|bash|shell)?\n([\s\S]*?)```/)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => /^locus\b/.test(line));
}
