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
 * `locus ready --json`, `locus show`, `locus create` as whole processes, and bare node for reference. `runs`
 * is the count for the targeted `ready` row; with 100 or fewer samples a p99 is the slowest run, so it gets
 * more than the others.
 */
export function benchCli(dir: string, size: number, runs: number): BenchRow[] {
  const at = `@${size >= 1000 ? `${size / 1000}K` : size} WPs`;
  const target = size <= 10_000 ? 150 : 0;
  const note = size <= 10_000 ? "whole process" : "whole process; the target is set at 10K";
  const others = Math.max(5, Math.ceil(runs / 4));
  const locus = (count: number, args: (n: number) => string[]): TimedCommand => ({
    command: process.execPath,
    // Run -1 warms the OS file cache once, as a second command in a session would find it.
    runs: Array.from({ length: count + 1 }, (_, n) => [LOCUS_BIN, ...args(n - 1)]),
  });
  const [ready, show, create, bare] = timeProcesses(dir, [
    locus(runs, () => ["ready", "--json"]),
    locus(others, (n) => ["show", wpIdOf(Math.abs(n * 37) % size), "--json"]),
    locus(others, (n) => ["create", `benchmark CLI create ${n}`, "--json"]),
    { command: process.execPath, runs: Array.from({ length: others + 1 }, () => ["-e", "0"]) },
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
  ];
}
