import { createReadStream } from "node:fs";
import type { Command } from "commander";
import type { LocusResult } from "../operations/envelope.js";
import type { LocusEngine } from "../operations/locus-engine.js";
import { EXIT, openEngine } from "./cli-context.js";
import { type JobInput, JobReader } from "./job-reader.js";
import { finishWorkWhenReaderLeaves, readerGone, stdoutFailure, writeOut } from "./stdout-writer.js";
import { Progress } from "./terminal-style.js";
import { UsageError } from "./zod-options.js";

export { splitJobs } from "./job-reader.js";

/** The refusal of a piece of input that never became a job (not JSON, or over the size bound). */
function unreadJob(input: JobInput, limit: number, parseError?: Error): LocusResult {
  const error =
    "tooLarge" in input
      ? {
          code: "HSK-413-LIMIT",
          message: `line ${input.line} is ${input.tooLarge} bytes; a job may be at most ${limit} bytes (limits.job_bytes)`,
          details: { field: "job", line: input.line, limit, actual: input.tooLarge },
        }
      : {
          code: "HSK-400-INVALID-JOB",
          message: `line ${input.line} is not JSON: ${parseError?.message}`,
          details: { field: "job", line: input.line },
        };
  return { success: false, job_id: "", trace_id: "", error, events_emitted: [], duration_ms: 0 };
}

/** Parses one line (or document) and runs it as a job. */
async function runLine(
  engine: LocusEngine,
  input: JobInput & { raw: string },
  limit: number,
): Promise<LocusResult> {
  let job: unknown;
  try {
    job = JSON.parse(input.raw);
  } catch (error) {
    return unreadJob(input, limit, error as Error);
  }
  return engine.execute(job);
}

/** `locus exec [--file F]`: one LocusJob (or JSON Lines of jobs) in, one LocusResult per job out. */
export function registerExec(program: Command): void {
  program
    .command("exec")
    .description(
      "Run LocusJob JSON from stdin or --file; JSON Lines give one result per line, each its own transaction",
    )
    .option("--file <path>", "read the job(s) from this file instead of stdin")
    .action(async (options: { file?: string }, command: Command) => {
      // Streamed, never read whole: each job is bounded before it is parsed (job-reader.ts).
      const reader = new JobReader(options.file ? createReadStream(options.file) : process.stdin);
      let hasInput: boolean;
      try {
        hasInput = await reader.hasInput();
      } catch (error) {
        // A --file that cannot be read is the caller's mistake (exit 2), not a store failure.
        if (options.file === undefined) throw error;
        throw new UsageError(`--file ${options.file}: ${(error as Error).message}`);
      }
      if (!hasInput) {
        process.stderr.write("locus exec: no job given on stdin or --file\n");
        process.exitCode = EXIT.usage;
        return;
      }
      const { engine } = await openEngine(command);
      const limit = engine.config.limits.job_bytes;
      // Issue 21: when the reader of the results goes away, the job running completes and no further job runs.
      finishWorkWhenReaderLeaves();
      let failed = false;
      let stoppedEarly = false;
      // A batch of JSON Lines shows progress on stderr (a terminal, or LOCUS_PROGRESS=1) when its size is known;
      // stdout carries only the results, one JSON line per job.
      let bar: Progress | undefined;
      let done = 0;
      try {
        for await (const input of reader.jobs(limit)) {
          if (readerGone()) {
            stoppedEarly = true;
            break;
          }
          bar ??= new Progress("exec", (reader.knownTotal ?? 0) > 1 ? (reader.knownTotal as number) : 0);
          bar.update(done++);
          const result = "tooLarge" in input ? unreadJob(input, limit) : await runLine(engine, input, limit);
          if (!result.success) failed = true;
          await writeOut(`${JSON.stringify(result)}\n`);
        }
        bar?.finish();
      } finally {
        await engine.close();
      }
      if (stoppedEarly) {
        // Nobody reads the results: stop, and say which jobs ran (each committed in its own transaction).
        process.stderr.write(
          `locus exec: stdout closed (${stdoutFailure()}) after ${done}${reader.knownTotal === undefined ? "" : ` of ${reader.knownTotal}`} jobs: those ran (each committed or refused on its own), the rest were not run\n`,
        );
        failed = true;
      }
      process.exitCode = failed ? EXIT.failed : EXIT.ok;
    });
}
