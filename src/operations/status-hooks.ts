import type * as ChildProcess from "node:child_process";
import { createRequire } from "node:module";
import { z } from "zod";
import type { StatusChange } from "../domain/events/status-changes.js";
import { defineOperation } from "./operation.js";

// Section 17: status hooks. Config `hooks.on_status_change` lists shell commands; after a job that changed a WP's
// status has committed, each runs once per change with LOCUS_WP_ID, LOCUS_FROM, LOCUS_TO and LOCUS_ACTOR in its
// environment. A hook never blocks or undoes the job: the job's result is already returned, each hook is killed at
// `hooks.timeout_ms`, at most MAX_RUNS_PER_JOB run per job, and a failure (exit code, signal, timeout, spawn error)
// is recorded as a `diagnostic` event, by a job of its own. The CLI waits for running hooks (bounded by the timeout)
// before it exits, so their failures are recorded.

/** The most hook runs one job starts (changes x commands): a board sync moving hundreds of WPs must not fork-bomb. */
export const MAX_RUNS_PER_JOB = 20;

/** How much of a failing hook's stderr its diagnostic quotes. */
const STDERR_TAIL = 300;

/**
 * The job that records a hook's failure: not in the catalog (no surface offers it), run by the engine with the
 * actor of the job whose change the hook heard about. It needs only locus.read, which every profile that can
 * change a status holds.
 */
export const recordHookFailure = defineOperation({
  name: "record_hook_failure",
  summary: "Record that a status hook failed (internal)",
  kind: "write",
  mcp: false,
  http: false,
  params: () =>
    z.strictObject({
      code: z.string().max(100),
      message: z.string().max(2_000),
      subject: z.string().max(1_000).optional(),
    }),
  capabilities: ["locus.read"],
  events: ["diagnostic"],
  async run(ctx, p) {
    ctx.emit("diagnostic", {
      code: p.code,
      message: p.message,
      ...(p.subject ? { subject: p.subject } : {}),
    });
    return { recorded: true };
  },
});

/** A failure to record: the diagnostic's code, message and subject (the WP). */
export interface HookFailure {
  code: "status_hook_failed" | "status_hook_timeout" | "status_hooks_skipped";
  message: string;
  subject: string;
}

/** Runs the configured hooks for committed changes, in the background; `settled` waits for the running ones. */
export class StatusHookRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly commands: readonly string[],
    private readonly timeoutMs: number,
    private readonly cwd: string | undefined,
    private readonly recordFailure: (failure: HookFailure, actor: string) => Promise<void>,
  ) {}

  /** Starts the hooks for `changes` made by `actor`; returns at once. */
  start(changes: readonly StatusChange[], actor: string): void {
    const runs = changes.flatMap((change) =>
      this.commands.map((command, index) => ({ change, command, index })),
    );
    for (const run of runs.slice(0, MAX_RUNS_PER_JOB))
      this.track(this.runOne(run.command, run.index, run.change, actor));
    if (runs.length > MAX_RUNS_PER_JOB) {
      const first = runs[MAX_RUNS_PER_JOB]?.change.wp_id ?? "";
      const failure: HookFailure = {
        code: "status_hooks_skipped",
        message: `${runs.length - MAX_RUNS_PER_JOB} status hook run(s) skipped: at most ${MAX_RUNS_PER_JOB} per job`,
        subject: first,
      };
      this.track(this.recordFailure(failure, actor).catch(() => {}));
    }
  }

  /** Resolves when every hook started so far has ended (each is bounded by the timeout) and its failure is recorded. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private track(promise: Promise<void>): void {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
  }

  private async runOne(command: string, index: number, change: StatusChange, actor: string): Promise<void> {
    const outcome = await this.spawn(command, {
      LOCUS_WP_ID: change.wp_id,
      LOCUS_FROM: change.from,
      LOCUS_TO: change.to,
      LOCUS_ACTOR: actor,
    });
    if (outcome.ok) return;
    const what = `hooks.on_status_change[${index}] for ${change.wp_id} ${change.from} -> ${change.to}`;
    const failure: HookFailure = {
      code: outcome.timedOut ? "status_hook_timeout" : "status_hook_failed",
      message: `${what}: ${outcome.reason}${outcome.stderr ? `; stderr: ${outcome.stderr}` : ""}`.slice(
        0,
        2_000,
      ),
      subject: change.wp_id,
    };
    // Recording is best effort: a store that cannot take the diagnostic must not turn a hook into a crash.
    await this.recordFailure(failure, actor).catch(() => {});
  }

  private spawn(
    command: string,
    env: Record<string, string>,
  ): Promise<{ ok: boolean; timedOut?: boolean; reason?: string; stderr?: string }> {
    // Loaded here: child_process costs every command's start-up several ms, and most workspaces have no hooks.
    const { spawn } = createRequire(import.meta.url)("node:child_process") as typeof ChildProcess;
    return new Promise((resolve) => {
      let stderr = "";
      let timedOut = false;
      const child = spawn("/bin/sh", ["-c", command], {
        cwd: this.cwd,
        env: { ...process.env, ...env },
        stdio: ["ignore", "ignore", "pipe"],
        detached: true, // its own process group: a timeout kills the hook and whatever it started
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL);
      });
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      }, this.timeoutMs);
      child.on("error", (error) => {
        clearTimeout(timer);
        resolve({ ok: false, reason: `could not start: ${error.message}` });
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const tail = stderr.trim();
        if (timedOut)
          resolve({ ok: false, timedOut: true, reason: `killed after ${this.timeoutMs} ms`, stderr: tail });
        else if (code === 0) resolve({ ok: true });
        else resolve({ ok: false, reason: signal ? `ended by ${signal}` : `exited ${code}`, stderr: tail });
      });
    });
  }
}
