import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { LocusResult } from "../operations/envelope.js";
import { EXIT, openEngine } from "./cli-context.js";
import { finishWorkWhenReaderLeaves, readerGone, stdoutFailure, writeOut } from "./stdout-writer.js";
import { Progress } from "./terminal-style.js";

/** Reads all of stdin. */
function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

/** Splits input into jobs: one JSON document, or JSON Lines (one job per non-empty line). */
export function splitJobs(text: string): { raw: string; line: number }[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) return [];
  try {
    const whole = JSON.parse(trimmed);
    if (whole !== null && typeof whole === "object" && !Array.isArray(whole))
      return [{ raw: trimmed, line: 1 }];
  } catch {
    // Not one document: JSON Lines.
  }
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ raw: raw.trim(), line: index + 1 }))
    .filter((entry) => entry.raw.length > 0);
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
      const text = options.file ? readFileSync(options.file, "utf8") : readStdin();
      const jobs = splitJobs(text);
      if (jobs.length === 0) {
        process.stderr.write("locus exec: no job given on stdin or --file\n");
        process.exitCode = EXIT.usage;
        return;
      }
      const { engine } = await openEngine(command);
      // Issue 21: when the reader of the results goes away, the job running completes and no further job runs.
      finishWorkWhenReaderLeaves();
      let failed = false;
      // A batch of JSON Lines shows progress on stderr (a terminal, or LOCUS_PROGRESS=1); stdout carries only
      // the results, one JSON line per job.
      const bar = new Progress("exec", jobs.length > 1 ? jobs.length : 0);
      let done = 0;
      try {
        for (const { raw, line } of jobs) {
          if (readerGone()) break;
          bar.update(done++);
          let job: unknown;
          try {
            job = JSON.parse(raw);
          } catch (error) {
            failed = true;
            const result: LocusResult = {
              success: false,
              job_id: "",
              trace_id: "",
              error: {
                code: "HSK-400-INVALID-JOB",
                message: `line ${line} is not JSON: ${(error as Error).message}`,
                details: { field: "job", line },
              },
              events_emitted: [],
              duration_ms: 0,
            };
            await writeOut(`${JSON.stringify(result)}\n`);
            continue;
          }
          const result = await engine.execute(job);
          if (!result.success) failed = true;
          await writeOut(`${JSON.stringify(result)}\n`);
        }
        bar.finish();
      } finally {
        await engine.close();
      }
      if (readerGone() && done < jobs.length) {
        // Nobody reads the results: stop, and say which jobs ran (each committed in its own transaction).
        process.stderr.write(
          `locus exec: stdout closed (${stdoutFailure()}) after ${done} of ${jobs.length} jobs: those ran (each committed or refused on its own), the other ${jobs.length - done} were not run\n`,
        );
        failed = true;
      }
      process.exitCode = failed ? EXIT.failed : EXIT.ok;
    });
}
