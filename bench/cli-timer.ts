// Times whole `locus` processes for bench/cli-bench.ts, from a small process of its own: spawning from the
// bench process, which holds a generated workspace of 10K or 100K WPs in memory, would add the cost of
// forking that large process to every sample. Input (argv[2], JSON): the folder and, per measure, the argument
// lists and environment of its runs (the first run only warms the OS file cache). The measures take turns, run by run, so a
// slow moment of the machine falls on all of them alike. Output (stdout, JSON): milliseconds per run.
import { spawnSync } from "node:child_process";

/** One measure: the command, the argument lists of its runs (warm-up first), and its environment. */
export interface TimedCommand {
  command: string;
  runs: string[][];
  env: Record<string, string>;
}

function timeOnce(cwd: string, command: string, args: string[], env: Record<string, string>): number {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd, encoding: "utf8", env });
  const elapsed = performance.now() - started;
  if (run.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited ${run.status}: ${run.stderr}${run.stdout.slice(0, 500)}`,
    );
  return elapsed;
}

const { cwd, measures } = JSON.parse(process.argv[2] ?? "{}") as { cwd: string; measures: TimedCommand[] };
const times: number[][] = measures.map(() => []);
const rounds = Math.max(...measures.map((measure) => measure.runs.length));
for (let round = 0; round < rounds; round++) {
  measures.forEach((measure, index) => {
    const args = measure.runs[round];
    if (args === undefined) return;
    const elapsed = timeOnce(cwd, measure.command, args, measure.env);
    if (round > 0) times[index]?.push(elapsed);
  });
}
process.stdout.write(`${JSON.stringify(times)}\n`);
