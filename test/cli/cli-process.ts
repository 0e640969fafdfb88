import { type SpawnSyncReturns, spawn, spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchDir } from "../support/scratch.js";
import type { StoreBackend } from "../support/stores.js";

/** The `locus` entry point (bin/locus.js) of this checkout. */
export const LOCUS_BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/locus.js");

/** The outcome of one `locus` process. */
export interface LocusRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Environment for test processes: no colour, no inherited LOCUS_* settings. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of ["LOCUS_STORE", "LOCUS_PROFILE", "LOCUS_ACTOR", "LOCUS_PROGRESS", "FORCE_COLOR"])
    delete env[key];
  return { ...env, ...extra };
}

/** Runs `locus args` in `cwd` synchronously. */
export function locus(
  cwd: string,
  args: readonly string[],
  input?: string,
  env: Record<string, string> = {},
): LocusRun {
  const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [LOCUS_BIN, ...args], {
    cwd,
    encoding: "utf8",
    env: testEnv(env),
    ...(input !== undefined ? { input } : {}),
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `locus args` in `cwd` as a child process (for concurrent runs). */
export function locusAsync(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<LocusRun> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [LOCUS_BIN, ...args], { cwd, env: testEnv(env) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolvePromise({ status: code ?? -1, stdout, stderr }));
  });
}

/** Runs `locus --json args` and parses its single JSON line. */
export function locusJson(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): {
  run: LocusRun;
  body: Record<string, unknown>;
} {
  const run = locus(cwd, ["--json", ...args], undefined, env);
  const line = run.stdout.trim().split("\n").pop() ?? "";
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (exit ${run.status}): ${run.stdout}\n${run.stderr}`);
  }
  return { run, body };
}

/** A fresh folder with `locus init` done (removed when the test process exits). */
export function newWorkspace(prefix = "locus-cli-"): string {
  const dir = scratchDir(prefix);
  const init = locus(dir, ["init"]);
  if (init.status !== 0) throw new Error(`locus init failed: ${init.stderr}`);
  return dir;
}

/**
 * The environment that points `locus` processes at a fresh store of `backend` (none for SQLite: the workspace's
 * own file), and how to drop that store.
 */
export async function backendEnv(
  backend: StoreBackend,
): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (backend.name === "sqlite") return { env: {}, cleanup: async () => {} };
  const location = await backend.location();
  return { env: { LOCUS_STORE: location.url }, cleanup: location.cleanup };
}
