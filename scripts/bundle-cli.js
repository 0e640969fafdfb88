#!/usr/bin/env node
// Bundles the CLI into one CommonJS file, dist/cli/locus.cjs, that bin/locus.js loads through V8's code cache
// (section 12: `locus ready --json` < 150 ms as a whole process). One file instead of ~150 modules, and
// compiled code read from the cache instead of ~1.3 MB of JavaScript parsed at every start. Lazy commands stay
// lazy: their modules are bundled but initialised only when imported. Native and heavy packages stay external
// and are required only when a command needs them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

/**
 * Zod's public namespace re-exports every locale (about 390 KB of the bundle) while Locus speaks English only,
 * which zod registers by itself: the locale index becomes one that offers English alone.
 */
const englishOnlyZod = {
  name: "english-only-zod",
  setup(build) {
    build.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes("/node_modules/zod/") ? { path: "zod-locales", namespace: "locus" } : undefined,
    );
    build.onLoad({ filter: /^zod-locales$/, namespace: "locus" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: process.cwd(),
    }));
  },
};

/**
 * Commander requires child_process (which loads net, dgram and the streams) at start-up, only to spawn
 * stand-alone executable subcommands, which Locus does not have: it gets a stand-in that loads the module on
 * first use. That saves every command several milliseconds of start-up.
 */
const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes("/node_modules/commander/")
        ? { path: "child-process", namespace: "locus" }
        : undefined,
    );
    build.onLoad({ filter: /^child-process$/, namespace: "locus" }, () => ({
      contents: 'exports.spawn = (...args) => require("node:child_process").spawn(...args);',
      loader: "js",
    }));
  },
};

rmSync("dist/cli", { recursive: true, force: true });
await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli/locus.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // better-sqlite3's JavaScript is bundled (a dozen small modules Node would otherwise resolve and compile at
  // every start); its addon is loaded from the installed package (src/store/sqlite/sqlite-addon.ts).
  external: ["pg", "@modelcontextprotocol/sdk", "@energetic-ai/*"],
  // The bundle is one function expression of the CommonJS module parameters, which bin/locus.js compiles as
  // it is (no wrapping copy of 0.7 MB at every start) and calls with the bundle's own path as __filename.
  // Modules that locate files beside themselves (import.meta.url) see the bundle.
  banner: {
    js: '(function (exports, require, module, __filename, __dirname) {"use strict";var __locusBundleUrl = require("node:url").pathToFileURL(__filename).href;',
  },
  footer: { js: "})" },
  plugins: [englishOnlyZod, lazyChildProcessForCommander],
  // Whitespace and syntax only: identifiers keep their names, so stack traces stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  charset: "ascii",
  define: {
    "import.meta.url": "__locusBundleUrl",
    LOCUS_VERSION: JSON.stringify(JSON.parse(readFileSync("package.json", "utf8")).version),
  },
  logLevel: "warning",
});

const bundled = readFileSync("dist/cli/locus.cjs", "latin1");

// Node 20 loses the dynamic import() callback of functions that come from V8's code cache, so an import()
// left in the bundle fails once the cache exists: modules the bundle does not hold are required instead.
const leftImport = /\bimport\((["'`])[^"'`]*\1\)/.exec(bundled);
if (leftImport) throw new Error(`dist/cli/locus.cjs keeps a dynamic ${leftImport[0]}; use require for it`);

// bin/locus.js reads the bundle as Latin-1 (a copy, no UTF-8 decoding); that is only right for pure ASCII.
if (/[^\x00-\x7f]/.test(bundled))
  throw new Error("dist/cli/locus.cjs is not pure ASCII; bin/locus.js reads it as Latin-1");

// Warm the code cache: the cache is written by the first start that finds none, with the functions that
// start compiled. After `init` and a few WPs, the cache is dropped and written again by one process that runs
// `ready` (the command section 12 times) and then `search` (issue 17), so both paths are compiled code at the
// next start (scripts/warm-cli-cache.cjs).
const scratch = mkdtempSync(join(tmpdir(), "locus-build-"));
try {
  const store = ["--store", join(scratch, "warm.db")];
  const locus = (...args) => {
    const run = spawnSync(process.execPath, [join(process.cwd(), "bin", "locus.js"), ...store, ...args], {
      cwd: scratch,
      encoding: "utf8",
    });
    if (run.status !== 0)
      throw new Error(`warming the CLI cache failed: locus ${args.join(" ")}\n${run.stderr}`);
  };
  locus("init");
  for (const id of ["WP-WARM-1", "WP-WARM-2"]) {
    locus("create", `Warm ${id}`, "--wp-id", id, "--json");
    locus("update", id, "--status", "ready", "--json");
  }
  rmSync("dist/cli/locus.cjs.v8cache");
  const warm = spawnSync(
    process.execPath,
    [join(process.cwd(), "scripts", "warm-cli-cache.cjs"), store[1], scratch],
    { encoding: "utf8" },
  );
  if (warm.status !== 0) throw new Error(`warming the CLI cache failed\n${warm.stderr}`);
  // A start compiles the bundle under Locus' V8 flags (bin/v8-flags.js) and V8 refuses a cache written under
  // others: one no start accepts would be compiled again, and rewritten, by every command.
  const accepted = spawnSync(
    process.execPath,
    [join(process.cwd(), "scripts", "cli-cache-accepted.cjs"), "dist/cli/locus.cjs"],
    { encoding: "utf8" },
  );
  if (accepted.status !== 0 || accepted.stdout !== "accepted")
    throw new Error(`the CLI's code cache is refused at start\n${accepted.stderr}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
