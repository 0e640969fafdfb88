// Runs the real `locus` command as a child process (STYLE 12: the CLI is tested as a real process).
import { spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchDir } from "./scratch.js";

/** The repository root (tests run from dist/test/...). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
/** The CLI entry point. */
export const LOCUS_BIN = join(REPO_ROOT, "bin", "locus.js");

/** The outcome of one CLI run. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `locus args...` synchronously in `cwd` with optional stdin. */
export function locus(cwd: string, args: string[], input?: string, env: Record<string, string> = {}): CliRun {
  const run = spawnSync(process.execPath, [LOCUS_BIN, ...args], {
    cwd,
    input: input ?? "",
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/**
 * Starts `locus args...` now, its stdin held until `release`: the process loads while its input waits (for
 * tests that line several processes up before any of them reads its job).
 */
export function startLocus(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): { release(input: string): void; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [LOCUS_BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve) =>
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr })),
  );
  return { release: (input) => child.stdin.end(input), done };
}

/** Runs `locus args...` asynchronously (for concurrent processes). */
export function locusAsync(
  cwd: string,
  args: string[],
  input?: string,
  env: Record<string, string> = {},
): Promise<CliRun> {
  const started = startLocus(cwd, args, env);
  started.release(input ?? "");
  return started.done;
}

/** A fresh temp folder with `locus init` already run (removed when the test process exits). */
export function tempWorkspace(): string {
  const dir = scratchDir("locus-cli-");
  const init = locus(dir, ["init"]);
  if (init.status !== 0) throw new Error(`locus init failed: ${init.stderr}`);
  return dir;
}

/** A LocusJob for `operation` as a JSON line. */
export function jobLine(
  operation: string,
  params: Record<string, unknown>,
  capabilities: string[],
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    job_kind: "locus_operation",
    protocol_id: `locus_${operation}_v1`,
    ...extra,
    input: { operation, params, capabilities_requested: capabilities },
  });
}
