#!/usr/bin/env node
// Locus command line entry. The CLI is one CommonJS bundle (dist/cli/locus.cjs, built by `npm run build`);
// it is compiled through V8's code cache (locus.cjs.v8cache beside it), so a start deserializes compiled code
// instead of parsing the whole bundle again. A missing or stale cache (another Node version, other V8 flags)
// only costs one normal compile, after which the cache is written again.
// This file is CommonJS (bin/package.json): Node starts it without its ES module loader.
"use strict";
const fs = require("node:fs");
const { readFileSync, renameSync, writeFileSync } = fs;
const { createRequire } = require("node:module");
const { dirname, join } = require("node:path");
const vm = require("node:vm");

const bundle = join(__dirname, "..", "dist", "cli", "locus.cjs");

/**
 * A search that embeds its query reads the encoder's half-float weights (10 MB) before its first answer (issue 17).
 * This starts that read now, on libuv's thread pool, straight into a fresh WebAssembly memory, so it runs while
 * this thread loads the bundle; the encoder takes it from src/search/local-model/file-prefetch.ts and checks the
 * bytes as it would check the file. Only the open is synchronous. A keyword search or any other command reads
 * nothing; a search whose workspace uses another provider leaves the read unused.
 */
function prefetchEncoderWeights(argv) {
  const valued = new Set(["--store", "--profile", "--actor", "--token"]);
  let at = 2;
  while (at < argv.length && argv[at].startsWith("-")) at += valued.has(argv[at]) ? 2 : 1;
  if (argv[at] !== "search" || typeof WebAssembly === "undefined") return undefined;
  const mode = argv.findIndex((word) => word === "--mode" || word.startsWith("--mode="));
  if (mode >= 0 && (argv[mode] === "--mode=keyword" || argv[mode + 1] === "keyword")) return undefined;
  const path = join(__dirname, "..", "dist", "model", "encoder-weights-f16.bin");
  let fd;
  try {
    fd = fs.openSync(path, "r");
    const bytes = fs.fstatSync(fd).size;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    const read = new Promise((resolve) => {
      // A regular file's pread returns all it is asked for; a short read is given up, not retried (the encoder
      // then reads the file itself).
      fs.read(fd, new Uint8Array(memory.buffer, 0, bytes), 0, bytes, 0, (error, done) => {
        fs.close(fd, () => {});
        resolve(error || done !== bytes ? undefined : { memory, bytes });
      });
    });
    return { path, read };
  } catch {
    if (fd !== undefined) fs.closeSync(fd);
    return undefined;
  }
}
const prefetched = prefetchEncoderWeights(process.argv);
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
// A bundle built before read-ahead existed has no taker: the read is then left unused.
if (prefetched !== undefined) module_.exports.offerPrefetchedFile?.(prefetched.path, prefetched.read);
module_.exports.runCli(process.argv).catch((error) => {
  process.stderr.write(`locus: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
