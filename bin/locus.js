#!/usr/bin/env node
// Locus command line entry. The CLI is one CommonJS bundle (dist/cli/locus.cjs, built by `npm run build`);
// it is compiled through V8's code cache (locus.cjs.v8cache beside it), so a start deserializes compiled code
// instead of parsing the whole bundle again. A missing or stale cache (another Node version, other V8 flags)
// only costs one normal compile, after which the cache is written again.
// This file is CommonJS (bin/package.json): Node starts it without its ES module loader.
"use strict";
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const v8 = require("node:v8");
const vm = require("node:vm");
const { commandOf, keywordMode } = require("./command-word.js");
const { applyLocusV8Flags } = require("./v8-flags.js");

// Before the bundle compiles, so its code cache is checked and written under the same flags.
applyLocusV8Flags(v8);

const bundle = join(__dirname, "..", "dist", "cli", "locus.cjs");

/**
 * Issue 17, fifth round: `locus search` runs once and exits, and V8's optimizing compiler only costs it. Its first
 * query runs the encoder's ~290 graph nodes once, and with the optimizing compiler on, compiling the interpreter's
 * loops (on background threads) for calls that never come took most of it: 170-230 ms of CPU for the query in a
 * fresh process, against 50-75 without it. Set after the bundle is compiled, so the code cache is checked (and
 * written, below) under the flags every command shares. Long-running commands (serve, mcp, index, ...) keep the optimizing compiler, and so
 * does a keyword search (measured ~20 ms of CPU slower without it).
 */
const baselineOnly = commandOf(process.argv) === "search" && !keywordMode(process.argv);

const cacheFile = `${bundle}.v8cache`;
let source;
try {
  // The bundle is pure ASCII (the build checks), so Latin-1 reads it exactly, without UTF-8 decoding.
  source = readFileSync(bundle, "latin1");
} catch {
  process.stderr.write("locus: the CLI is not built; run `npm run build` in the Locus folder\n");
  process.exit(2);
}
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// The bundle is one function expression of (exports, require, module, __filename, __dirname).
const script = new vm.Script(source, { filename: bundle, cachedData });
if (cachedData === undefined || script.cachedDataRejected) {
  // Written at exit, so the cache also holds the functions this command compiled; written to a private
  // temporary file and renamed, so processes starting at the same time never read half a cache.
  process.once("exit", () => {
    try {
      if (baselineOnly) v8.setFlagsFromString("--turbofan");
      const temporary = `${cacheFile}.${process.pid}`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // A read-only installation keeps working, just without the cache.
    }
  });
}
if (baselineOnly) v8.setFlagsFromString("--no-turbofan");
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, createRequire(bundle), module_, bundle, dirname(bundle));
module_.exports.runCli(process.argv).catch((error) => {
  process.stderr.write(`locus: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
