import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { LOCUS_BIN, locus, newWorkspace, testEnv } from "./cli-process.js";

// Issue 4: start-up stays fast because commands load only what they use. `ready` and `show` on a SQLite
// workspace must not load the PostgreSQL driver, the embedding model or the MCP SDK. Each command runs as a
// real process under a module probe (module-probe.ts) that logs every ESM resolution and CommonJS module.

const PROBE = fileURLToPath(new URL("./module-probe.js", import.meta.url));

/** Modules a plain read on a SQLite workspace must never load. */
const HEAVY = [
  { name: "pg", pattern: /node_modules\/(pg|pg-[a-z-]+)\// },
  { name: "@energetic-ai", pattern: /node_modules\/@energetic-ai\// },
  { name: "@modelcontextprotocol/sdk", pattern: /node_modules\/@modelcontextprotocol\/sdk\// },
];

/** Runs `locus args` under the probe; returns the exit status and every module the process loaded. */
function probe(cwd: string, args: readonly string[]): { status: number; stdout: string; modules: string[] } {
  const log = join(cwd, `modules-${args.join("-").replace(/\W+/g, "_")}.log`);
  const run = spawnSync(process.execPath, ["--import", PROBE, LOCUS_BIN, ...args], {
    cwd,
    encoding: "utf8",
    input: "",
    env: testEnv({ LOCUS_MODULE_LOG: log }),
  });
  const modules = readFileSync(log, "utf8").trim().split("\n");
  return { status: run.status ?? -1, stdout: run.stdout, modules };
}

describe("lazy loading", () => {
  let dir = "";
  before(() => {
    dir = newWorkspace("locus-lazy-");
    assert.equal(locus(dir, ["create", "Lazy", "--wp-id", "WP-lazy"]).status, 0);
    assert.equal(locus(dir, ["update", "WP-lazy", "--status", "ready"]).status, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const args of [
    ["--json", "ready"],
    ["show", "WP-lazy"],
  ]) {
    it(`locus ${args.join(" ")} loads no pg, no @energetic-ai, no MCP SDK`, () => {
      const run = probe(dir, args);
      assert.equal(run.status, 0, run.stdout);
      // The probe works: it saw the bundled CLI and the SQLite driver this command needs.
      assert.ok(
        run.modules.some((url) => url.includes("/bin/locus.js")),
        "probe saw the CLI",
      );
      assert.ok(
        run.modules.some((url) => /node_modules\/better-sqlite3\//.test(url)),
        "probe saw better-sqlite3",
      );
      for (const { name, pattern } of HEAVY) {
        const loaded = run.modules.filter((url) => pattern.test(url));
        assert.deepEqual(loaded, [], `${name} was loaded`);
      }
    });
  }

  it("the probe does see a lazily loaded package: locus mcp loads the MCP SDK", () => {
    const run = probe(dir, ["mcp"]); // stdin is empty: the server starts, sees the end of input, and stops
    assert.equal(run.status, 0);
    assert.ok(run.modules.some((url) => HEAVY[2]?.pattern.test(url)));
    assert.ok(!run.modules.some((url) => HEAVY[0]?.pattern.test(url)), "mcp on SQLite loads no pg either");
  });
});
