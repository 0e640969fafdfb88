import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../support/cli.js";

// bin/locus.js runs `locus search` without V8's optimizing compiler (issue 17, fifth round), a flag set after the
// bundle is compiled from the code cache. V8 refuses a cache written under other flags, so a search that writes
// the cache must write it under the flags every command starts with, or the next command would compile the whole
// bundle again (and write the cache again, and so on).

/** A copy of the CLI's files (bin and bundle; the rest of the build and node_modules linked) without a cache. */
function cliCopy(): string {
  const root = mkdtempSync(join(tmpdir(), "locus-cli-copy-"));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist", "cli"), { recursive: true });
  for (const file of ["locus.js", "package.json", "v8-flags.js", "command-word.js"])
    copyFileSync(join(REPO_ROOT, "bin", file), join(root, "bin", file));
  copyFileSync(join(REPO_ROOT, "dist", "cli", "locus.cjs"), join(root, "dist", "cli", "locus.cjs"));
  for (const entry of readdirSync(join(REPO_ROOT, "dist")))
    if (entry !== "cli") symlinkSync(join(REPO_ROOT, "dist", entry), join(root, "dist", entry));
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
  symlinkSync(join(REPO_ROOT, "package.json"), join(root, "package.json"));
  return root;
}

/** Whether a fresh process with the V8 flags every command sets (bin/v8-flags.js) accepts the cache of `bundle`. */
function acceptedByAFreshProcess(bundle: string): boolean {
  const check = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "cli-cache-accepted.cjs"), bundle], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  assert.equal(check.status, 0, check.stderr);
  return check.stdout === "accepted";
}

describe("the CLI's code cache", () => {
  it("written by a search, is accepted by the next command's process", () => {
    const root = cliCopy();
    const workspace = mkdtempSync(join(tmpdir(), "locus-cache-ws-"));
    try {
      const run = (...args: string[]) => {
        const result = spawnSync(process.execPath, [join(root, "bin", "locus.js"), ...args], {
          cwd: workspace,
          encoding: "utf8",
          env: { ...process.env, NODE_OPTIONS: "" },
        });
        assert.equal(result.status, 0, result.stderr);
      };
      run("init");
      writeFileSync(
        join(workspace, ".locus", "config.json"),
        JSON.stringify({ search: { provider: "hash" } }),
      );
      run("create", "Fix the login page", "--json");
      const bundle = join(root, "dist", "cli", "locus.cjs");
      rmSync(`${bundle}.v8cache`, { force: true });
      run("search", "login page", "--json");
      assert.ok(existsSync(`${bundle}.v8cache`), "the search wrote the cache");
      assert.equal(acceptedByAFreshProcess(bundle), true);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it("is compiled under Locus' V8 flags, set before any Locus code runs", () => {
    // Spies on node:v8 (the very module bin/locus.js requires) and records each flag with whether the bundle's
    // entry had run yet: a flag set after the bundle would miss the code that ran before it.
    const spy = `const v8 = require("node:v8"), set = v8.setFlagsFromString, seen = [];
      v8.setFlagsFromString = (flag) => { seen.push([flag, typeof globalThis.__bundleRan]); set(flag); };
      const vm = require("node:vm"), run = vm.Script.prototype.runInThisContext;
      vm.Script.prototype.runInThisContext = function (...a) { globalThis.__bundleRan = true; return run.apply(this, a); };
      process.argv = [process.argv[0], ${JSON.stringify(join(REPO_ROOT, "bin", "locus.js"))}, "--version"];
      process.on("exit", () => process.stderr.write(JSON.stringify(seen)));
      require(process.argv[1]);`;
    const result = spawnSync(process.execPath, ["-e", spy], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stderr), [["--no-allocation-site-pretenuring", "undefined"]]);
  });
});
