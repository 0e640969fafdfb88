// Several processes on one SQLite workspace file (issue 7, LOCUS_SPEC sections 4 and 9): compare-and-set
// loses no update, a claim is never given twice, SQLITE_BUSY never reaches a user, and a writer that waits
// past the bound gets a clear HSK-500-STORAGE with nothing committed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { ok } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";

const WORKER = fileURLToPath(new URL("./concurrency-worker.js", import.meta.url));

interface WorkerSummary {
  worker: string;
  writes: number;
  conflicts: number;
  claimed: string[];
  other: string[];
  startedMs: number;
  endedMs: number;
}

/** Starts one worker; resolves `ready` when its engine is open, and `done` with its summary after `go()`. */
function startWorker(args: string[]): { ready: Promise<void>; go(): void; done: Promise<WorkerSummary> } {
  const child = spawn(process.execPath, [WORKER, ...args]);
  let out = "";
  let err = "";
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (out.startsWith("ready\n")) signalReady();
  });
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const done = new Promise<WorkerSummary>((resolve, fail) =>
    child.on("close", (code) => {
      signalReady();
      if (code !== 0) fail(new Error(`worker exited ${code}: ${err}`));
      else resolve(JSON.parse(out.slice(out.indexOf("\n") + 1)) as WorkerSummary);
    }),
  );
  return { ready, go: () => child.stdin.end("go\n"), done };
}

/** Runs the workers together: all open their engine first, then all are told to go at once. */
async function runWorkers(argsList: string[][]): Promise<WorkerSummary[]> {
  const workers = argsList.map(startWorker);
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const summaries = await Promise.all(workers.map((w) => w.done));
  // Every worker was still writing when the last one started: their runs overlapped in time.
  const lastStart = Math.max(...summaries.map((s) => s.startedMs));
  const firstEnd = Math.min(...summaries.map((s) => s.endedMs));
  assert.ok(lastStart < firstEnd, `workers did not overlap (last start ${lastStart}, first end ${firstEnd})`);
  return summaries;
}

async function withDb(fn: (dbPath: string, engine: LocusEngine) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "locus-concurrency-"));
  const dbPath = join(dir, "locus.db");
  const engine = new LocusEngine(SqliteStore.open(dbPath));
  try {
    await fn(dbPath, engine);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("4 processes compare-and-set one WP: no lost update, no SQLITE_BUSY", async () => {
  await withDb(async (dbPath, engine) => {
    await ok(engine, "create_wp", { wp_id: "WP-hot", title: "contended" });
    const summaries = await runWorkers(["a", "b", "c", "d"].map((w) => [dbPath, "cas", w, "40", "WP-hot"]));
    for (const summary of summaries) assert.deepEqual(summary.other, [], `worker ${summary.worker}`);
    const writes = summaries.reduce((sum, s) => sum + s.writes, 0);
    const conflicts = summaries.reduce((sum, s) => sum + s.conflicts, 0);
    const wp = (await ok(engine, "get_wp_status", { wp_id: "WP-hot" })).wp as { version: number };
    // 2: version +1 per change; every successful write counted, none lost.
    assert.equal(wp.version, 1 + writes);
    assert.ok(
      writes >= 40,
      `at least one worker's worth of writes succeeds (${writes}, ${conflicts} conflicts)`,
    );
    // A conflict means another process wrote between a worker's read and its write: the writes interleaved.
    assert.ok(conflicts > 0, `no compare-and-set conflict: the processes never raced (${writes} writes)`);
    const events = await engine.store.readEvents({ wpId: "WP-hot" });
    assert.equal(events.filter((e) => e.event_name === "work_packet_updated").length, writes);
  });
});

test("4 processes claim the same 30 WPs: each WP claimed exactly once", async () => {
  await withDb(async (dbPath, engine) => {
    const ids = Array.from({ length: 30 }, (_, i) => `WP-claim-${i}`);
    for (const wp_id of ids) await ok(engine, "create_wp", { wp_id, title: `claimable ${wp_id}` });
    const summaries = await runWorkers(
      ["a", "b", "c", "d"].map((w, k) => [dbPath, "claim", w, "0", ...(k % 2 ? [...ids].reverse() : ids)]),
    );
    for (const summary of summaries) assert.deepEqual(summary.other, [], `worker ${summary.worker}`);
    const claims = summaries.flatMap((s) => s.claimed);
    assert.equal(new Set(claims).size, claims.length, "no WP is claimed twice");
    assert.equal(claims.length, ids.length, "every WP is claimed by someone");
    for (const summary of summaries) {
      for (const wp_id of summary.claimed) {
        const wp = (await ok(engine, "get_wp_status", { wp_id })).wp as { assignee: string; version: number };
        assert.equal(wp.assignee, `agent-${summary.worker}`);
        assert.equal(wp.version, 2);
      }
    }
  });
});

test("a writer blocked past busyTimeoutMs gets HSK-500-STORAGE, bounded, with nothing committed", async () => {
  await withDb(async (dbPath, engine) => {
    await ok(engine, "create_wp", { wp_id: "WP-before", title: "before the lock" });
    const impatient = new LocusEngine(SqliteStore.open(dbPath, { busyTimeoutMs: 100 }));
    const holder = new Database(dbPath);
    try {
      const before = await snapshot(engine.store);
      holder.exec("BEGIN EXCLUSIVE");
      const started = performance.now();
      const result = await impatient.run("create_wp", { wp_id: "WP-during", title: "while locked" });
      const waited = performance.now() - started;
      assert.equal(result.success, false);
      if (!result.success) {
        assert.equal(result.error.code, "HSK-500-STORAGE");
        assert.match(result.error.message, /busy/);
        assert.doesNotMatch(result.error.message, /SQLITE_BUSY/, "the driver code stays in details");
      }
      assert.ok(waited >= 90 && waited < 3_000, `bounded wait (${waited.toFixed(0)} ms)`);
      holder.exec("COMMIT");
      assert.equal(await snapshot(engine.store), before, "nothing committed");
      // Once the lock is gone the same job goes through.
      await ok(impatient, "create_wp", { wp_id: "WP-during", title: "while locked" });
    } finally {
      if (holder.inTransaction) holder.exec("ROLLBACK");
      holder.close();
      await impatient.close();
    }
  });
});
