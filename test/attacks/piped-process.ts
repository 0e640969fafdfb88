// Support for attacks whose output is large or whose reader misbehaves (issue 21 hole 5): `locus` as a real
// process with its stdout streamed (spawnSync keeps at most 1 MiB of it), read whole, or dropped early.
import { spawn } from "node:child_process";
import { LOCUS_BIN } from "../support/cli.js";

/** How a piped run ended. */
export interface PipedRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  /** What was read of stdout (all of it, or what arrived before the reader closed). */
  stdout: string;
  stderr: string;
  /** Bytes of stdout read. */
  stdoutBytes: number;
}

/**
 * Runs `locus args...` in `cwd` with `input` on stdin. The reader keeps all of stdout, or with `closeAfterBytes`
 * closes its end once that many bytes arrived (like `| head -c N`); `pauseMs` makes a slow reader that reads
 * nothing for that long first.
 */
export function runPiped(
  cwd: string,
  args: string[],
  input: string,
  options: { env?: Record<string, string>; closeAfterBytes?: number; pauseMs?: number } = {},
): Promise<PipedRun> {
  const child = spawn(process.execPath, [LOCUS_BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
  });
  const chunks: Buffer[] = [];
  let bytes = 0;
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    bytes += chunk.length;
    if (options.closeAfterBytes !== undefined && bytes >= options.closeAfterBytes) child.stdout.destroy();
  });
  if (options.pauseMs !== undefined) {
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), options.pauseMs);
  }
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdin.on("error", () => {}); // a child that stops reading its jobs is what some attacks test
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on("close", (status, signal) =>
      resolve({ status, signal, stdout: Buffer.concat(chunks).toString("utf8"), stderr, stdoutBytes: bytes }),
    ),
  );
}

/** True when `stderr` shows a JavaScript stack trace or an uncaught error (what a person must never see). */
export function hasStackTrace(stderr: string): boolean {
  return /^\s+at .+\(|node:internal|Uncaught|^\w*Error: /m.test(stderr);
}
