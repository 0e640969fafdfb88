// Whole-process measures (section 12: `locus ready --json` < 150 ms at 10K WPs): the real `locus` command
// started as a child process in the generated workspace, as a person or an agent would run it, timed by a
// small process of its own (cli-timer.ts).
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { wpIdOf } from "./bench-shape.js";
import { type BenchRow, rowOf } from "./bench-stats.js";
import type { TimedCommand } from "./cli-timer.js";

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
  const [ready, show, create, bare, bareWithCa] = timeProcesses(dir, [
    locus(runs, () => ["ready", "--json"]),
    locus(others, (n) => ["show", wpIdOf(Math.abs(n * 37) % size), "--json"]),
    locus(others, (n) => ["create", `benchmark CLI create ${n}`, "--json"]),
    bareNode(env),
    ...(extraCa ? [bareNode({ ...env, NODE_EXTRA_CA_CERTS: extraCa })] : []),
  ]);
  return [
    rowOf(`locus ready --json ${at}`, ready ?? [], target, 0, note),
    rowOf(`locus show --json ${at}`, show ?? [], target, 0, note),
    rowOf(`locus create --json ${at}`, create ?? [], target, 0, `${note}; board auto-sync included`),
    rowOf(
      "node -e 0 (process start, reference)",
      bare ?? [],
      0,
      0,
      "what every command pays before Locus runs",
    ),
    ...(bareWithCa
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
