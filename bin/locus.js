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
const vm = require("node:vm");

const bundle = join(__dirname, "..", "dist", "cli", "locus.cjs");

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
      const temporary = `${cacheFile}.${process.pid}`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // A read-only installation keeps working, just without the cache.
    }
  });
}
const module_ = { exports: {} };
script.runInThisContext()(module_.exports, createRequire(bundle), module_, bundle, dirname(bundle));
module_.exports.runCli(process.argv).catch((error) => {
  process.stderr.write(`locus: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
