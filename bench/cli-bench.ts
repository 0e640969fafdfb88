// Whole-process measures (section 12: `locus ready --json` < 150 ms at 10K WPs): the real `locus` command
// started as a child process in the generated workspace, as a person or an agent would run it.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { wpIdOf } from "./bench-shape.js";
import { type BenchRow, rowOf } from "./bench-stats.js";

/** bin/locus.js, from dist/bench/ or bench/. */
const LOCUS_BIN = join(resolve(fileURLToPath(import.meta.url), "../../.."), "bin", "locus.js");

function runOnce(cwd: string, args: string[]): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [LOCUS_BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const elapsed = performance.now() - started;
  if (run.status !== 0)
    throw new Error(`locus ${args.join(" ")} exited ${run.status}: ${run.stderr}${run.stdout.slice(0, 500)}`);
  return elapsed;
}

/** `locus ready --json`, `locus show`, `locus create` as whole processes, and bare node for reference. */
export function benchCli(dir: string, size: number, runs: number): BenchRow[] {
  const at = `@${size >= 1000 ? `${size / 1000}K` : size} WPs`;
  const target = size <= 10_000 ? 150 : 0;
  const note = size <= 10_000 ? "whole process" : "whole process; the target is set at 10K";
  const measure = (args: (n: number) => string[]) => {
    runOnce(dir, args(-1)); // warm the OS file cache once, as a second command in a session would find it
    return Array.from({ length: runs }, (_, n) => runOnce(dir, args(n)));
  };
  const baseline: number[] = [];
  for (let n = 0; n < runs; n++) {
    const started = performance.now();
    spawnSync(process.execPath, ["-e", "0"]);
    baseline.push(performance.now() - started);
  }
  return [
    rowOf(
      `locus ready --json ${at}`,
      measure(() => ["ready", "--json"]),
      target,
      0,
      note,
    ),
    rowOf(
      `locus show --json ${at}`,
      measure((n) => ["show", wpIdOf(Math.abs(n * 37) % size), "--json"]),
      target,
      0,
      note,
    ),
    rowOf(
      `locus create --json ${at}`,
      measure((n) => ["create", `benchmark CLI create ${n}`, "--json"]),
      target,
      0,
      `${note}; board auto-sync included`,
    ),
    rowOf(
      "node -e 0 (process start, reference)",
      baseline,
      0,
      0,
      "what every command pays before Locus runs",
    ),
  ];
}
