import { EXIT } from "./cli-context.js";

// Issue 21: stdout is often a pipe to a reader that is slow (`| jq`) or stops early (`| head`). Results are
// written with backpressure (a write that fills the pipe waits for `drain`, so memory holds one result, not a
// queue of hundreds of MB that ended in `write ENOBUFS`), and a reader that goes away ends output quietly:
// no stack trace, whatever the error.

let failure: NodeJS.ErrnoException | undefined;
let finishWork = false;

/**
 * Watches stdout for the whole process (called once, at start). A reader that closed (EPIPE) ends the process
 * with its exit code so far, silently; another write error is named in one line on stderr and exits 1. A command
 * that called `finishWorkWhenReaderLeaves` is not ended: it sees `readerGone()` and stops by itself.
 */
export function watchStdout(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (failure !== undefined) return;
    failure = error;
    const closed = error.code === "EPIPE";
    if (!closed) process.stderr.write(`locus: cannot write to stdout: ${error.code ?? error.message}\n`);
    if (!finishWork) process.exit(closed ? (process.exitCode ?? EXIT.ok) : EXIT.failed);
  });
}

/** For `locus exec`: a job already running completes (and commits) when the reader goes away; then it stops. */
export function finishWorkWhenReaderLeaves(): void {
  finishWork = true;
}

/** True once stdout failed (its reader closed): nothing written after that reaches anyone. */
export function readerGone(): boolean {
  return failure !== undefined;
}

/** Why stdout failed (EPIPE: the reader closed), once it did. */
export function stdoutFailure(): string | undefined {
  return failure === undefined ? undefined : (failure.code ?? failure.message);
}

/** Writes `text` to stdout and, when the pipe is full, waits until it drains (or stdout fails). */
export async function writeOut(text: string): Promise<void> {
  if (failure !== undefined) return;
  if (process.stdout.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off("drain", done);
      process.stdout.off("error", done);
      process.stdout.off("close", done);
      resolve();
    };
    process.stdout.on("drain", done);
    process.stdout.on("error", done);
    process.stdout.on("close", done);
  });
}

/** Writes one line per item, a few hundred at a time, with backpressure (issue 21: no one huge string). */
export async function writeLines<T>(items: readonly T[], line: (item: T) => string): Promise<void> {
  const BATCH = 256;
  for (let start = 0; start < items.length && failure === undefined; start += BATCH) {
    const batch = items.slice(start, start + BATCH).map(line);
    await writeOut(`${batch.join("\n")}\n`);
  }
}
