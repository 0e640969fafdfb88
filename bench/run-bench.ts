// `npm run bench` (issue 7, LOCUS_SPEC section 12): builds workspaces of 10,000 and 100,000 WPs, measures
// every operation of the table in process and the CLI as whole processes, adds the search, board and PostgreSQL
// benches (each in a process of its own, bench/bench-part.ts) when their files exist, prints one table with
// the spec's target and ours beside each figure, and writes the same figures as JSON under bench/results/.
// Options: --scale 10000|100000 (one scale only), --quick (few samples, 10K only unless --scale: a smoke run
// for CI), --keep (keep the generated workspaces and print their folders).

import "./locus-process.js";
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchRow, misses, renderTable, valueRow } from "./bench-stats.js";
import { benchCli, prepareSearchVectors } from "./cli-bench.js";
import { benchEngine, SAMPLES } from "./engine-bench.js";
import { generateWorkspace } from "./workspace-generator.js";

const HERE = resolve(fileURLToPath(import.meta.url), "..");
const RESULTS = resolve(HERE, "../../bench/results");
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Parsed command line. */
interface BenchOptions {
  scales: number[];
  quick: boolean;
  keep: boolean;
}

function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes("--quick");
  const scaleAt = argv.indexOf("--scale");
  // A quick run is a smoke test: the 10K scale only, unless --scale says otherwise.
  let scales = quick ? [10_000] : [10_000, 100_000];
  if (scaleAt >= 0) {
    const scale = Number(argv[scaleAt + 1]);
    if (!Number.isInteger(scale) || scale < 100) {
      log("usage: run-bench [--scale 10000|100000] [--quick] [--keep]");
      process.exit(2);
    }
    scales = [scale];
  }
  return { scales, quick, keep: argv.includes("--keep") };
}

/** Bytes of the SQLite file after a full checkpoint (the WAL folded in), and of the board file. */
function diskUse(generated: Awaited<ReturnType<typeof generateWorkspace>>): { db: number; board: number } {
  const db = generated.store.rawConnectionForTests();
  db.pragma("wal_checkpoint(TRUNCATE)");
  const path = join(generated.dir, ".locus", "locus.db");
  const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);
  return {
    db: size(path) + size(`${path}-wal`) + size(`${path}-shm`),
    board: size(join(generated.dir, "docs", "TASK_BOARD.md")),
  };
}

/**
 * Puts the freshly generated workspace at rest before anything is timed: the WAL folded into the database and
 * the database file flushed to disk, so the first measures do not share the disk with the kernel writing back
 * the hundreds of MB generation wrote.
 */
function settle(generated: Awaited<ReturnType<typeof generateWorkspace>>): void {
  generated.store.rawConnectionForTests().pragma("wal_checkpoint(TRUNCATE)");
  const file = openSync(join(generated.dir, ".locus", "locus.db"), "r+");
  try {
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
}

/** The largest tables and indexes by bytes (SQLite's dbstat), for the disk rows; empty without dbstat. */
function largestObjects(
  generated: Awaited<ReturnType<typeof generateWorkspace>>,
): { name: string; bytes: number }[] {
  try {
    return generated.store
      .rawConnectionForTests()
      .prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 4")
      .all() as { name: string; bytes: number }[];
  } catch {
    return [];
  }
}

/**
 * The `scale` each bench takes: search multiplies its sizes (10K and 100K; quick runs the first only), the
 * board bench runs one size, 10K times scale (its target is set at 10K WPs).
 */
function scaleFor(file: string, options: BenchOptions): number {
  const only = options.scales.length === 1 ? (options.scales[0] as number) : undefined;
  // The board and PostgreSQL benches count in 10K WPs; the search bench in 100K.
  if (file.startsWith("board") || file.startsWith("postgres")) return only === undefined ? 1 : only / 10_000;
  return only === undefined ? 1 : options.quick ? only / 10_000 : only / 100_000;
}

/**
 * Runs bench/<file> when it exists, in a process of its own (bench/bench-part.ts): the first export named
 * run...Bench, with the scales wanted. Its rows come back on the child's stdout.
 */
function externalBench(file: string, options: BenchOptions): BenchRow[] {
  if (!existsSync(join(HERE, file))) {
    log(`${file}: not present, skipped`);
    return [];
  }
  const scale = scaleFor(file, options);
  log(`${file}: running in its own process`);
  const child = spawnSync(
    process.execPath,
    [
      join(HERE, "bench-part.js"),
      file,
      JSON.stringify({ scale, quick: options.quick, sizes: options.scales }),
    ],
    { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const last = child.stdout?.trimEnd().split("\n").at(-1) ?? "";
  if (child.status !== 0 || !last.startsWith("[")) {
    const reason = child.error ? String(child.error) : `exit ${child.status ?? child.signal}`;
    log(`${file} failed: ${reason}`);
    return [valueRow(`${file} failed`, 0, "-", 0, reason.slice(0, 200))];
  }
  const rows = JSON.parse(last) as BenchRow[];
  return rows.map((row) => ({ ...row, note: [row.note, `from ${file}`].filter(Boolean).join("; ") }));
}

const options = parseOptions(process.argv.slice(2));
const counts = options.quick ? SAMPLES.quick : SAMPLES.full;
const started = performance.now();
const rows: BenchRow[] = [];
const boardBenchPresent = existsSync(join(HERE, "board-bench.js"));
const generation: Record<string, unknown>[] = [];

for (const size of options.scales) {
  log(`generating ${size} WPs`);
  const generated = await generateWorkspace(size, log);
  generation.push({ size, jobs: generated.jobs, edges: generated.edges, seconds: generated.seconds });
  log(
    `  done: ${generated.jobs} jobs, ${generated.edges} edges in ${generated.seconds.toFixed(1)} s; measuring`,
  );
  rows.push(
    valueRow(
      `generate ${size / 1000}K WPs (${generated.jobs} jobs, ${generated.edges} edges)`,
      generated.seconds,
      "s",
      0,
      "through the envelope, batched commits (bench/batching-store.ts)",
    ),
  );
  settle(generated);
  rows.push(...(await benchEngine(generated, counts, !boardBenchPresent)));
  const disk = diskUse(generated);
  rows.push(
    valueRow(
      `bytes on disk per WP @${size / 1000}K`,
      disk.db / size,
      "bytes",
      0,
      `${(disk.db / 1e6).toFixed(0)} MB database (events, Bronze, search index included); board ${(disk.board / 1e6).toFixed(1)} MB`,
    ),
  );
  for (const { name, bytes } of largestObjects(generated)) {
    rows.push(valueRow(`  of which ${name}`, bytes / size, "bytes", 0, `${(bytes / 1e6).toFixed(0)} MB`));
  }
  await prepareSearchVectors(generated.dir, generated.store);
  await generated.store.close();
  log("  CLI processes");
  rows.push(...benchCli(generated.dir, size, options.quick ? 5 : size <= 10_000 ? 120 : 20));
  rows.push(
    valueRow(
      `peak RSS after the ${size / 1000}K part`,
      process.resourceUsage().maxRSS / 1024,
      "MB",
      0,
      "this process, generation included",
    ),
  );
  if (options.keep) log(`  kept: ${generated.dir}`);
  else rmSync(generated.dir, { recursive: true, force: true });
}
// Storage (issue 20): bytes per WP by layer for a standard day at the scales asked, on SQLite and PostgreSQL, and
// the local model's index time (bench/storage-bench.ts).
rows.push(...externalBench("storage-bench.js", options));
rows.push(...externalBench("search-bench.js", options));
rows.push(...externalBench("board-bench.js", options));
// Replica sync (issue 12): 10K new events SQLite -> SQLite and SQLite -> PostgreSQL (bench/sync-bench.ts).
rows.push(...externalBench("sync-bench.js", options));
// The team server (issue 13): HTTP overhead, live updates, the board in Chromium, 32 clients (bench/http-bench.ts).
rows.push(...externalBench("http-bench.js", options));
// Tracker imports (issue 14): `locus import beads` / `backlog` on the real fixtures as whole processes.
rows.push(...externalBench("import-bench.js", options));
// PostgreSQL (issue 6): section 12 operations on a throwaway cluster, rows suffixed "(postgres)"; the bench
// prints its reason and adds a skip row when PostgreSQL is not installed (bench/postgres-bench.ts).
rows.push(...externalBench("postgres-bench.js", options));
// PostgreSQL at team scale (issue 16): 100 agents on one workspace and on ten, then nothing lost
// (bench/postgres-load-bench.ts).
rows.push(...externalBench("postgres-load-bench.js", options));
// One PostgreSQL server holding 1,000 workspaces (issue 16, docs/SCALING.md): per-job cost, sizes, isolation
// (bench/postgres-workspaces-sim.ts).
rows.push(...externalBench("postgres-workspaces-sim.js", options));
const heap = process.memoryUsage();
rows.push(
  valueRow(
    "peak RSS of this process",
    process.resourceUsage().maxRSS / 1024,
    "MB",
    0,
    `the 10K and 100K parts; search, board and PostgreSQL ran in their own; heap used now ${(heap.heapUsed / 1e6).toFixed(0)} MB`,
  ),
);

const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `\nLocus benchmark (${options.quick ? "quick" : "full"}, ${options.scales.join(" and ")} WPs, ${seconds.toFixed(0)} s)\n\n`,
);
process.stdout.write(`${renderTable(rows)}\n`);
const missed = rows.filter(misses);
process.stdout.write(
  missed.length === 0
    ? "\nEvery target is met.\n"
    : `\n${missed.length} target(s) MISSED:\n${missed.map((row) => `  MISS ${row.name}: p99 ${row.p99} ms, target < ${row.target_ms} ms`).join("\n")}\n`,
);
mkdirSync(RESULTS, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const report = {
  started_at: new Date(Date.now() - seconds * 1000).toISOString(),
  seconds,
  options,
  node: process.version,
  generation,
  rows,
};
writeFileSync(join(RESULTS, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(RESULTS, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
log(`figures written to bench/results/bench-${stamp}.json`);
