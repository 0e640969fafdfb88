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

rmSync("dist/cli", { recursive: true, force: true });
await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/cli/locus.cjs",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: ["better-sqlite3", "pg", "@modelcontextprotocol/sdk", "@energetic-ai/*"],
  define: { LOCUS_VERSION: JSON.stringify(JSON.parse(readFileSync("package.json", "utf8")).version) },
  logLevel: "warning",
});

// Warm the code cache with a common command on a throwaway workspace, so the first real start is fast too.
const scratch = mkdtempSync(join(tmpdir(), "locus-build-"));
try {
  const store = ["--store", join(scratch, "warm.db")];
  for (const args of [["init"], ["ready", "--json"]]) {
    const run = spawnSync(process.execPath, [join(process.cwd(), "bin", "locus.js"), ...store, ...args], {
      cwd: scratch,
      encoding: "utf8",
    });
    if (run.status !== 0)
      throw new Error(`warming the CLI cache failed: locus ${args.join(" ")}\n${run.stderr}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
