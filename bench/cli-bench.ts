// Whole-process measures (section 12: `locus ready --json` < 150 ms at 10K WPs): the real `locus` command
// started as a child process in the generated workspace, as a person or an agent would run it, timed by a
// small process of its own (cli-timer.ts).
import "./locus-process.js";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { drainEmbeddingQueue } from "../src/operations/search/search-maintenance.js";
import { HashEmbeddingProvider } from "../src/search/hash-embedding-provider.js";
import { LOCAL_MODEL_DIMENSIONS, LOCAL_MODEL_ID } from "../src/search/local-embedding-provider.js";
import type { LocusStore } from "../src/store/store-port.js";
import { wpIdOf } from "./bench-shape.js";
import { type BenchRow, rowOf } from "./bench-stats.js";
import type { TimedCommand } from "./cli-timer.js";

/** Query words for the search rows (tracker words the generated WPs use, and some they do not). */
const SEARCH_WORDS = [
  "login failure",
  "slow dashboard",
  "payment retry",
  "export report",
  "cannot upload image",
  "session timeout",
  "billing webhook",
  "audit permissions",
];

const HERE = resolve(fileURLToPath(import.meta.url), "..");
/** bin/locus.js, from dist/bench/ or bench/. */
const LOCUS_BIN = join(resolve(HERE, "../.."), "bin", "locus.js");
const TIMER = join(HERE, "cli-timer.js");

/** Runs the measures in the timer process; returns milliseconds per run, per measure. */
function timeProcesses(cwd: string, measures: TimedCommand[]): number[][] {
  const run = spawnSync(process.execPath, [TIMER, JSON.stringify({ cwd, measures })], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`the CLI timer failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as number[][];
}

/**
 * The environment of the measured processes: NODE_EXTRA_CA_CERTS makes Node read and parse that certificate
 * file at every start, before any JavaScript runs (on the benchmark machine, where it names the system bundle,
 * about 55 ms per process). Commands on a SQLite workspace make no TLS connection, so the measures leave it
 * out, and a reference row shows what it costs when it is set.
 */
function measuredEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && key !== "NODE_EXTRA_CA_CERTS") env[key] = value;
  return env;
}

/**
 * `locus ready --json`, `locus show`, `locus create` as whole processes, and bare node for reference. `runs`
 * is the count for the targeted `ready` row; with 100 or fewer samples a p99 is the slowest run, so it gets
 * more than the others.
 */
export function benchCli(dir: string, size: number, runs: number): BenchRow[] {
  const at = `@${size >= 1000 ? `${size / 1000}K` : size} WPs`;
  const target = size <= 10_000 ? 150 : 0;
  const note = size <= 10_000 ? "whole process" : "whole process; the target is set at 10K";
  const others = Math.max(5, Math.ceil(runs / 4));
  const env = measuredEnv();
  const locus = (count: number, args: (n: number) => string[]): TimedCommand => ({
    command: process.execPath,
    env,
    // Run -1 warms the OS file cache once, as a second command in a session would find it.
    runs: Array.from({ length: count + 1 }, (_, n) => [LOCUS_BIN, ...args(n - 1)]),
  });
  const bareNode = (nodeEnv: Record<string, string>): TimedCommand => ({
    command: process.execPath,
    env: nodeEnv,
    runs: Array.from({ length: others + 1 }, () => ["-e", "0"]),
  });
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  // Issue 17: `locus search` in each mode, a different query every run (no query is ever repeated, so nothing
  // it could cache helps), the default local model embedding each one (see prepareSearchVectors).
  const search = (mode: string) =>
    locus(others, (n) => [
      "search",
      `${SEARCH_WORDS[(n + 7) % SEARCH_WORDS.length]} ${mode} run ${n}`,
      "--mode",
      mode,
      "--json",
    ]);
  const [ready, show, create, bare, bareWithCa, hybrid, keyword, vector] = timeProcesses(dir, [
    locus(runs, () => ["ready", "--json"]),
    locus(others, (n) => ["show", wpIdOf(Math.abs(n * 37) % size), "--json"]),
    locus(others, (n) => ["create", `benchmark CLI create ${n}`, "--json"]),
    bareNode(env),
    extraCa ? bareNode({ ...env, NODE_EXTRA_CA_CERTS: extraCa }) : { ...bareNode(env), runs: [] },
    search("hybrid"),
    search("keyword"),
    search("vector"),
  ]);
  const bareMedian = [...(bare ?? [])].sort((a, b) => a - b)[Math.floor((bare ?? []).length / 2)] ?? 0;
  const searchTarget = size <= 10_000 ? Math.round(bareMedian + 300) : 0;
  const searchNote = `whole process, default local model; target: node -e 0's median (${bareMedian.toFixed(0)} ms) + 300 ms, on p50`;
  return [
    rowOf(`locus ready --json ${at}`, ready ?? [], target, 0, note),
    rowOf(`locus show --json ${at}`, show ?? [], target, 0, note),
    rowOf(`locus create --json ${at}`, create ?? [], target, 0, `${note}; board auto-sync included`),
    rowOf(`locus search (hybrid) --json ${at}`, hybrid ?? [], searchTarget, 200, searchNote),
    rowOf(`locus search --mode keyword --json ${at}`, keyword ?? [], searchTarget, 0, searchNote),
    rowOf(`locus search --mode vector --json ${at}`, vector ?? [], searchTarget, 0, searchNote),
    rowOf(
      "node -e 0 (process start, reference)",
      bare ?? [],
      0,
      0,
      "what every command pays before Locus runs",
    ),
    ...(bareWithCa && bareWithCa.length > 0
      ? [
          rowOf(
            "node -e 0 with NODE_EXTRA_CA_CERTS (reference)",
            bareWithCa,
            0,
            0,
            `set on this machine (${extraCa}) and left out of the rows above; each would pay this minus node -e 0`,
          ),
        ]
      : []),
  ];
}

/**
 * Makes the generated workspace search with the default (local) model, as a fresh workspace does: its config
 * leaves the provider at the default, and every Silver chunk gets a vector stored under the local model's id.
 * Those vectors come from the feature-hash provider (embedding 20,000 chunks with the model would take tens of
 * minutes on the 2-core machine): same count, size and storage as the model's, so loading and scanning them
 * costs the same; each measured search embeds its query with the real model.
 */
export async function prepareSearchVectors(dir: string, store: LocusStore): Promise<void> {
  writeFileSync(
    join(dir, ".locus", "config.json"),
    `${JSON.stringify({ default_profile: "Operator" }, null, 2)}\n`,
  );
  const hash = new HashEmbeddingProvider(LOCAL_MODEL_DIMENSIONS);
  const provider = {
    model_id: LOCAL_MODEL_ID,
    dimensions: LOCAL_MODEL_DIMENSIONS,
    embed: (texts: string[]) => hash.embed(texts),
  };
  await drainEmbeddingQueue(store, provider, { batchSize: 2_000 });
}

/**
 * Run alone (`node dist/bench/cli-bench.js [--dir FOLDER] [--runs N] [--keep]`): the CLI rows at 10K WPs on a
 * generated workspace, or on FOLDER when given (one this command generated and kept before, so repeated
 * measures skip the minutes of generation); the rows are printed as a table.
 */
async function main(argv: string[]): Promise<void> {
  const option = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const runs = Number(option("--runs") ?? 9);
  let dir = option("--dir");
  if (dir === undefined) {
    const { generateWorkspace } = await import("./workspace-generator.js");
    const generated = await generateWorkspace(10_000, (line) => process.stderr.write(`${line}\n`));
    generated.store.rawConnectionForTests().pragma("wal_checkpoint(TRUNCATE)");
    await prepareSearchVectors(generated.dir, generated.store);
    await generated.store.close();
    dir = generated.dir;
  }
  const rows = benchCli(dir, 10_000, runs);
  const { renderTable } = await import("./bench-stats.js");
  process.stdout.write(`${renderTable(rows)}\n`);
  if (option("--dir") === undefined) {
    if (argv.includes("--keep")) process.stderr.write(`kept: ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
