// Faults on PostgreSQL (issue 16): a client killed mid-job, the server killed mid-batch (`pg_ctl stop -m
// immediate`) and started again, a connection dropped mid-transaction. After each: every acknowledged job is
// there, no job is half there, the chain verifies and replay equals live (crash-invariants.ts); the client got
// HSK-500-STORAGE, never a raw driver error or a stack trace; and sending the same keyed jobs again completes the
// batch without doing anything twice.

import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { ERROR_CODES } from "../../src/domain/errors.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { LOCUS_BIN, tempWorkspace } from "../support/cli.js";
import {
  type PostgresCluster,
  postgresSkipReason,
  startPostgresCluster,
} from "../support/postgres-cluster.js";
import { checkAfterCrash, type PlannedJob, planBatch } from "./crash-invariants.js";

const skip = postgresSkipReason();

interface BatchRun {
  child: ChildProcessWithoutNullStreams;
  acknowledged: Set<string>;
  failures: { code: string; message: string }[];
  stderr: string;
  done: Promise<number | null>;
}

/** Starts `locus exec` on `jobs` against the store; `onAck` sees the running count of acknowledged jobs. */
function runBatch(
  cwd: string,
  store: string,
  jobs: readonly PlannedJob[],
  onAck?: (count: number) => void,
): BatchRun {
  const child = spawn(process.execPath, [LOCUS_BIN, "exec"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", LOCUS_STORE: store },
  });
  const run: BatchRun = {
    child,
    acknowledged: new Set(),
    failures: [],
    stderr: "",
    done: Promise.resolve(null),
  };
  let buffer = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const result = JSON.parse(line) as {
        success: boolean;
        job_id: string;
        error?: { code: string; message: string };
      };
      if (result.success) run.acknowledged.add(result.job_id);
      else if (result.error) run.failures.push(result.error);
      onAck?.(run.acknowledged.size);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    run.stderr += chunk.toString("utf8");
  });
  child.stdin.on("error", () => {});
  child.stdin.end(`${jobs.map((job) => job.line).join("\n")}\n`);
  run.done = new Promise((resolve) => child.on("close", (code) => resolve(code)));
  return run;
}

/**
 * What a client may print when the store fails under it: contract codes only (HSK-500-STORAGE for the jobs the
 * fault hit; a later job about a WP whose creation was lost is refused by the rules, e.g. HSK-404-NOT-FOUND), no
 * driver internals, no stack trace.
 */
function assertCodedFailures(run: BatchRun, label: string, onlyStorage = true): void {
  for (const failure of run.failures) {
    if (onlyStorage)
      assert.equal(failure.code, "HSK-500-STORAGE", `${label}: ${failure.code} ${failure.message}`);
    else
      assert.ok(Object.hasOwn(ERROR_CODES, failure.code), `${label}: ${failure.code} is not a contract code`);
    assert.doesNotMatch(failure.message, /\n\s+at /, `${label}: a stack trace in the message`);
  }
  assert.doesNotMatch(run.stderr, /\n\s+at .*\.js:\d+/, `${label}: a stack trace on stderr: ${run.stderr}`);
}

describe("PostgreSQL under faults", { skip }, () => {
  let cluster: PostgresCluster;
  let dir: string;
  before(async () => {
    cluster = await startPostgresCluster({ durable: true });
    dir = tempWorkspace();
  });
  after(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = (url: string) => () => PostgresStore.open(url);
  const check = async (
    url: string,
    batch: readonly PlannedJob[],
    acknowledged: Set<string>,
    inOrder = true,
  ) => {
    const found = await checkAfterCrash(open(url), batch, acknowledged, { inOrder });
    assert.deepEqual(found.problems, []);
    return found;
  };
  /**
   * Sends the whole batch again (every job keyed). In order, it must finish with every job there exactly once.
   * Out of order (a dropped job made later ones of its WP refused, and the WP moved on without it) some jobs stay
   * refused by the rules; none may fail on storage or on its own job_id, and nothing may be half there.
   */
  const retryAll = async (url: string, batch: readonly PlannedJob[], inOrder = true) => {
    const again = runBatch(dir, url, batch);
    const code = await again.done;
    const found = await check(url, batch, again.acknowledged, inOrder);
    if (inOrder) {
      assert.equal(
        code,
        0,
        `the retry failed: ${JSON.stringify(again.failures.slice(0, 3))} ${again.stderr}`,
      );
      assert.equal(found.committed, batch.length, "after the retry every job is there");
      return;
    }
    for (const failure of again.failures) {
      assert.notEqual(failure.code, "HSK-500-STORAGE", failure.message);
      assert.doesNotMatch(failure.message, /already names another job/);
    }
  };

  it("clients killed mid-job (SIGKILL, 6 times): nothing torn, every acknowledged job kept", async () => {
    const url = `${await cluster.createDatabase("faults_kill")}?workspace=kill`;
    for (let round = 0; round < 6; round++) {
      const batch = planBatch(round, 12);
      const killAt = 3 + round * 4;
      const run = runBatch(dir, url, batch, (count) => {
        if (count === killAt) run.child.kill("SIGKILL");
      });
      await run.done;
      assertCodedFailures(run, `kill round ${round}`);
      await check(url, batch, run.acknowledged);
      await retryAll(url, batch);
    }
  });

  it("the server killed mid-batch and started again: the client is told HSK-500-STORAGE, a retry completes", async () => {
    const url = `${await cluster.createDatabase("faults_server")}?workspace=server`;
    const batch = planBatch(100, 30);
    let crashed: Promise<void> | undefined;
    const run = runBatch(dir, url, batch, (count) => {
      if (count === 20) crashed ??= cluster.crash();
    });
    const code = await run.done;
    await crashed;
    process.stdout.write(
      `server crash: exit ${code}, ${run.acknowledged.size} acked, ${run.failures.length} refused, stderr ${JSON.stringify(run.stderr.slice(0, 500))}\n`,
    );
    assert.ok(
      run.acknowledged.size >= 20 && run.acknowledged.size < batch.length,
      `${run.acknowledged.size} acked`,
    );
    assert.ok(run.failures.length > 0, "the jobs after the crash were refused, not lost silently");
    assertCodedFailures(run, "server crash");
    await cluster.restart();
    await check(url, batch, run.acknowledged);
    await retryAll(url, batch);
  });

  it("connections dropped mid-transaction (pg_terminate_backend): coded refusals, nothing half-applied", async () => {
    const url = `${await cluster.createDatabase("faults_drop")}?workspace=drop`;
    const batch = planBatch(200, 40);
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    let terminated = 0;
    try {
      let working = false;
      const run = runBatch(dir, url, batch, (count) => {
        if (count >= 5) working = true;
      });
      // Once the batch is at work (past opening the store), terminate its backends a few times.
      for (let attempt = 0; attempt < 400 && terminated < 3 && run.child.exitCode === null; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 15));
        if (!working) continue;
        const killed = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = 'faults_drop' AND pid <> pg_backend_pid() AND state <> 'idle'`,
        );
        terminated += killed.rowCount ?? 0;
      }
      await run.done;
      process.stdout.write(
        `dropped: ${terminated} terminated, ${run.acknowledged.size} acked, refused ${JSON.stringify(run.failures.map((f) => f.code))} stderr ${JSON.stringify(run.stderr)}\n`,
      );
      assertCodedFailures(run, "dropped connection", false);
      if (terminated > 0)
        assert.ok(
          run.failures.some((f) => f.code === "HSK-500-STORAGE") || run.acknowledged.size === batch.length,
          "a job whose connection was dropped is told HSK-500-STORAGE",
        );
      // A dropped job is absent while later ones may commit on a new connection: order is not checked here.
      await check(url, batch, run.acknowledged, false);
      await retryAll(url, batch, false);
    } finally {
      await admin.end();
    }
    process.stdout.write(`backends terminated mid-batch: ${terminated}\n`);
  });
});
