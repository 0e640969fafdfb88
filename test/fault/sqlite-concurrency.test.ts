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
}

function runWorker(args: string[]): Promise<WorkerSummary> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [WORKER, ...args]);
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    child.on("close", (code) => {
      if (code !== 0) fail(new Error(`worker exited ${code}: ${err}`));
      else done(JSON.parse(out) as WorkerSummary);
    });
  });
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
    const summaries = await Promise.all(
      ["a", "b", "c", "d"].map((w) => runWorker([dbPath, "cas", w, "40", "WP-hot"])),
    );
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
    const events = await engine.store.readEvents({ wpId: "WP-hot" });
    assert.equal(events.filter((e) => e.event_name === "work_packet_updated").length, writes);
  });
});

test("4 processes claim the same 30 WPs: each WP claimed exactly once", async () => {
  await withDb(async (dbPath, engine) => {
    const ids = Array.from({ length: 30 }, (_, i) => `WP-claim-${i}`);
    for (const wp_id of ids) await ok(engine, "create_wp", { wp_id, title: `claimable ${wp_id}` });
    const summaries = await Promise.all(
      ["a", "b", "c", "d"].map((w, k) =>
        runWorker([dbPath, "claim", w, "0", ...(k % 2 ? [...ids].reverse() : ids)]),
      ),
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
