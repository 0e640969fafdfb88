// Writes the CLI bundle's V8 code cache (dist/cli/locus.cjs.v8cache) from one process that ran the commands whose
// start matters most, one after the other: `ready --json` (section 12) and `search` (issue 17). The cache holds
// the functions a process compiled, and bin/locus.js writes one only when it finds none, so a cache written by a
// single command leaves the other's functions to be compiled at each of its starts (a search with `ready`'s
// cache compiled its embedding and scan code every time). Compiled and run as bin/locus.js does, under the
// flags every command starts with, so every start accepts the cache.
// Usage: node scripts/warm-cli-cache.cjs STORE_PATH WORKSPACE_DIR (a workspace with a few ready WPs).
"use strict";
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const v8 = require("node:v8");
const vm = require("node:vm");
const { applyLocusV8Flags } = require("../bin/v8-flags.js");

// Before the bundle compiles, as bin/locus.js does: V8 accepts a cache only under the flags it was written with.
applyLocusV8Flags(v8);

const [store, workspace] = process.argv.slice(2);
const bundle = join(__dirname, "..", "dist", "cli", "locus.cjs");
const bin = join(__dirname, "..", "bin", "locus.js");
const argvOf = (...args) => [process.execPath, bin, "--store", store, ...args];

async function main() {
  process.chdir(workspace);
  // Modules read the command line when they initialise (zod-setup.ts): they see the first command's, as at a start.
  process.argv = argvOf("ready", "--json");
  const script = new vm.Script(readFileSync(bundle, "latin1"), { filename: bundle });
  const module_ = { exports: {} };
  script.runInThisContext()(module_.exports, createRequire(bundle), module_, bundle, dirname(bundle));
  const { runCli } = module_.exports;
  const out = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true; // the commands' output is not the build's
  try {
    await runCli(argvOf("ready", "--json"));
    await runCli(argvOf("search", "warm work packet", "--json"));
  } finally {
    process.stdout.write = out;
  }
  if (process.exitCode !== undefined && process.exitCode !== 0) throw new Error("a warming command failed");
  const temporary = `${bundle}.v8cache.${process.pid}`;
  writeFileSync(temporary, script.createCachedData());
  renameSync(temporary, `${bundle}.v8cache`);
}

main().catch((error) => {
  process.stderr.write(`warming the CLI cache failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
