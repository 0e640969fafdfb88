#!/usr/bin/env node
// Bundles the CLI into dist/cli/ (ESM, code-split so lazy commands stay lazy). One file per entry instead of
// ~150 modules cuts `locus` start-up by about a third: section 12 asks `locus ready --json` for < 150 ms.
// Native and heavy packages stay external and load only when a command needs them.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names are content hashes: clear the folder so stale chunks do not pile up.
rmSync("dist/cli", { recursive: true, force: true });

await build({
  entryPoints: ["src/cli/main.ts"],
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "pg", "@modelcontextprotocol/sdk", "@energetic-ai/*"],
  // Bundled CommonJS dependencies (commander) call require() for node built-ins.
  banner: {
    js: "import { createRequire as __locusRequire } from 'node:module'; const require = __locusRequire(import.meta.url);",
  },
  logLevel: "warning",
});
