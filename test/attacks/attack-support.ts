// Shared support for the attack suite (test/attacks/): each file is one attacker (a Coder, an Analyst, a person
// editing the board, a hostile import file, an MCP client), and each test replays an attack as it was made, as a
// real `locus` process where the attack was a process. The support checks what every attack must leave behind:
// a store that verifies, replays equal to live, and is unchanged by a refusal.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { type CliRun, LOCUS_BIN, locus, tempWorkspace } from "../support/cli.js";

/** A fresh `locus init` workspace driven as a real process, with a profile per call. */
export interface AttackWorkspace {
  dir: string;
  /** Runs `locus args...` as `profile` (LOCUS_PROFILE), with optional stdin and extra environment. */
  as(profile: string, args: string[], input?: string, env?: Record<string, string>): CliRun;
  /** The stored events, parsed from `locus events --json`. */
  events(): StoredEventLine[];
  /** Asserts `events verify` and `replay` both pass (exit 0). */
  assertIntact(): void;
  cleanup(): void;
}

/** One line of `locus events --json`. */
export interface StoredEventLine {
  seq: number;
  event_name: string;
  actor_id: string;
  job_id: string;
  payload: Record<string, unknown>;
  [key: string]: unknown;
}

/** Makes a workspace for one attack; `cleanup` removes it. */
export function attackWorkspace(): AttackWorkspace {
  const dir = tempWorkspace();
  const as = (profile: string, args: string[], input?: string, env: Record<string, string> = {}) =>
    locus(dir, args, input, { LOCUS_PROFILE: profile, ...env });
  return {
    dir,
    as,
    events() {
      const run = as("Operator", ["events", "--json", "--limit", "100000"]);
      assert.equal(run.status, 0, run.stderr);
      return run.stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as StoredEventLine);
    },
    assertIntact() {
      const verify = as("Operator", ["events", "verify"]);
      assert.equal(verify.status, 0, `events verify: ${verify.stdout}${verify.stderr}`);
      const replay = as("Operator", ["replay"]);
      assert.equal(replay.status, 0, `replay: ${replay.stdout}${replay.stderr}`);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The parsed JSON result of a `--json` run (one LocusResult). */
export function resultOf(run: CliRun): {
  success: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string; details?: Record<string, unknown> };
} {
  const line = run.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(
      `not a JSON result (exit ${run.status}): ${run.stdout.slice(0, 300)} ${run.stderr.slice(0, 300)}`,
    );
  }
}

/** The events of `after` that `before` did not have, without capability decisions (a refusal's only trace). */
export function stateEventsSince(before: StoredEventLine[], after: StoredEventLine[]): string[] {
  const last = before.at(-1)?.seq ?? 0;
  return after
    .filter((event) => event.seq > last && event.event_name !== "capability_decision")
    .map((e) => e.event_name);
}

/** A hung process is killed after this long; a refusal takes well under it. */
const HANG_MS = 15_000;

/** Runs `locus args...` as `profile`, killed after HANG_MS; `hung` says whether it had to be. */
export function runBounded(
  dir: string,
  profile: string,
  args: string[],
): Promise<CliRun & { hung: boolean }> {
  const child = spawn(process.execPath, [LOCUS_BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: "1", LOCUS_PROFILE: profile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let hung = false;
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const timer = setTimeout(() => {
    hung = true;
    child.kill("SIGKILL");
  }, HANG_MS);
  return new Promise((resolve) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status: status ?? -1, stdout, stderr, hung });
    }),
  );
}
