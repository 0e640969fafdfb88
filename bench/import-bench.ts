// Import benchmark (LOCUS_SPEC section 12: `locus import beads` of 5,700 real issues < 5 s as a whole process;
// issue 14): the real Beads file (3,003 issues), the same grown to 5,700 issues (a second copy of the first 2,697
// under other ids, edges included), and the Backlog.md repository's own folder, each a whole `locus import`
// process into a fresh workspace. Runnable alone: `node dist/bench/import-bench.js [--quick]`.
import "./locus-process.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchRow, rowOf, valueRow } from "./bench-stats.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOCUS = path.resolve(HERE, "../../bin/locus.js");
/** Beside the repository (HERE is dist/bench), as the tests find them. */
const FIXTURES =
  process.env.LOCUS_IMPORT_FIXTURES ?? path.resolve(HERE, "..", "..", "..", "shared", "fixtures", "imports");

/** Milliseconds of one `locus import <format> <source>` process in a fresh workspace (init untimed). */
function timeImport(format: string, source: string): number {
  const dir = mkdtempSync(path.join(tmpdir(), "locus-import-bench-"));
  try {
    const env = { ...process.env, NO_COLOR: "1" };
    spawnSync(process.execPath, [LOCUS, "init"], { cwd: dir, env });
    const started = performance.now();
    const run = spawnSync(process.execPath, [LOCUS, "import", format, source, "--json"], {
      cwd: dir,
      env,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const elapsed = performance.now() - started;
    if (run.status !== 0)
      throw new Error(`locus import ${format} exited ${run.status}: ${run.stderr.slice(0, 500)}`);
    return elapsed;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The real Beads file grown to `count` issues: copies of its first lines under other ids (`bd-` -> `cp-`). */
function grownBeads(file: string, count: number, out: string): void {
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
  const copies = lines
    .slice(0, Math.max(0, count - lines.length))
    .map((line) => line.replaceAll('"bd-', '"cp-'));
  writeFileSync(out, [...lines, ...copies].join("\n"));
}

/** Runs the import benchmark; `quick` takes fewer samples. */
export async function runImportBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const samples = options.quick ? 2 : 5;
  const beads = path.join(FIXTURES, "beads-issues.jsonl");
  const backlog = path.join(FIXTURES, "backlog");
  const scratch = mkdtempSync(path.join(tmpdir(), "locus-import-src-"));
  const grown = path.join(scratch, "issues-5700.jsonl");
  grownBeads(beads, 5_700, grown);
  const rows: BenchRow[] = [];
  try {
    const measure = (format: string, source: string) =>
      Array.from({ length: samples }, () => timeImport(format, source));
    rows.push(
      rowOf(
        "locus import beads, 3,003 real issues (whole process)",
        measure("beads", beads),
        5_000,
        0,
        "fixtures/imports/beads-issues.jsonl",
      ),
    );
    rows.push(
      rowOf(
        "locus import beads, 5,700 issues (whole process)",
        measure("beads", grown),
        5_000,
        0,
        "the real file and copies of its first 2,697 issues",
      ),
    );
    rows.push(
      rowOf(
        "locus import backlog, Backlog.md's own folder (whole process)",
        measure("backlog", backlog),
        0,
        0,
        "432 tasks",
      ),
    );
  } catch (error) {
    rows.push(valueRow("import bench failed", 0, "-", 0, String(error).slice(0, 200)));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const rows = await runImportBench({ quick: process.argv.includes("--quick") });
  for (const row of rows)
    process.stdout.write(
      `${row.name}: p50 ${row.p50} ms, p99 ${row.p99} ms${row.target_ms ? ` (target < ${row.target_ms} ms)` : ""}\n`,
    );
}
