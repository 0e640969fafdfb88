// Prints `accepted` or `refused`: whether a start of the CLI (bin/locus.js: Locus' V8 flags set, then the bundle
// compiled with the code cache beside it) accepts that cache. V8 refuses a cache written under other flags, and a
// refused one is compiled again, and rewritten, by every command. Used by the build (bundle-cli.js) and by
// test/cli/code-cache.test.ts.
// Usage: node scripts/cli-cache-accepted.cjs BUNDLE (the cache is BUNDLE.v8cache)
"use strict";
const { readFileSync } = require("node:fs");
const v8 = require("node:v8");
const vm = require("node:vm");
const { applyLocusV8Flags } = require("../bin/v8-flags.js");

applyLocusV8Flags(v8);
const bundle = process.argv[2];
const script = new vm.Script(readFileSync(bundle, "latin1"), {
  filename: bundle,
  cachedData: readFileSync(`${bundle}.v8cache`),
});
process.stdout.write(script.cachedDataRejected ? "refused" : "accepted");
