// Issue 20, fifth part: on SQLite a packed events row whose job_id is the row before's stores it empty, and the
// job index holds only the rows that hold one (sqlite-event-jobs.ts, migration 12). Every event reads back with
// the job_id it was sealed with, every lookup by job finds packed events through the partial index, an edited
// job_id is named by verify, and retention never leaves a row reading its job_id through a removed one.
// PostgreSQL does not pack (DECISIONS, issue 20, second part), so this contract is SQLite's.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { jobEventSeqsSqlite } from "../../src/store/sqlite/sqlite-event-jobs.js";
import { purgeEvents } from "../../src/store/sqlite/sqlite-retention.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { assertLogSound } from "../support/log-sound.js";

type Row = Record<string, unknown>;

/** A SQLite store with the standard day on 40 WPs (478 events), compacted: seqs 1-256 packed. */
async function packedDay() {
  const dir = mkdtempSync(join(tmpdir(), "locus-event-jobs-"));
  const store = SqliteStore.open(join(dir, "locus.db"));
  const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
  await runStandardDay(engine, 0, 40);
  const written = await store.readEvents();
  await compactStore(store);
  const db = store.rawConnectionForTests();
  const emptied = () =>
    (db.prepare("SELECT seq FROM events WHERE job_id = X'' ORDER BY seq").all() as Row[]).map((r) =>
      Number(r.seq),
    );
  return {
    store,
    db,
    written,
    emptied,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("a packed job_id stored once (issue 20, fifth part, SQLite)", () => {
  it("packed rows repeat no job_id; every event reads back as sealed; the job index holds the rest", async () => {
    const s = await packedDay();
    try {
      const emptied = s.emptied();
      assert.ok(emptied.length > 100, `${emptied.length} rows read their job_id through the row before`);
      assert.ok(
        emptied.every((seq) => seq <= 256 && (seq - 1) % 128 !== 0),
        "packed rows, never a block's first",
      );
      assert.deepEqual(await s.store.readEvents(), s.written);
      const indexed = s.db.prepare(
        "SELECT COUNT(*) AS n FROM events INDEXED BY events_by_job WHERE job_id <> X''",
      );
      assert.equal(Number((indexed.get() as Row).n), s.written.length - emptied.length);
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });

  it("lookups by job find the packed events of each job, through the partial index", async () => {
    const s = await packedDay();
    try {
      const jobs = [...new Set(s.written.filter((e) => e.seq <= 260).map((e) => e.job_id))];
      for (const job of jobs) {
        const expected = s.written.filter((e) => e.job_id === job);
        assert.deepEqual(await s.store.readEvents({ jobIds: [job] }), expected, job);
        const used = await s.store.transaction((tx) => tx.jobIdUsed(job));
        assert.equal(
          used,
          expected.some((e) => e.event_name !== "capability_decision"),
          job,
        );
      }
      const plan = s.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT seq FROM events WHERE seq IN (${jobEventSeqsSqlite("jh.job_id IN (?, ?)")})`,
        )
        .all(Buffer.alloc(16), "x") as Row[];
      assert.ok(
        plan.some((row) => /USING COVERING INDEX events_by_job/.test(String(row.detail))),
        JSON.stringify(plan),
      );
    } finally {
      await s.close();
    }
  });

  it("a job_id edited on a row that holds it is named by verify at that row", async () => {
    const s = await packedDay();
    try {
      const [after] = s.emptied();
      const holder = (after as number) - 1;
      s.db.prepare("UPDATE events SET job_id = ? WHERE seq = ?").run(Buffer.alloc(16, 7), holder);
      const report = await verifyStore(s.store);
      assert.equal(report.ok, false);
      assert.equal(report.first_bad_seq, holder);
    } finally {
      await s.close();
    }
  });

  it("retention removing a row another reads its job_id through gives that row the job_id first", async () => {
    const s = await packedDay();
    try {
      const [after] = s.emptied();
      const holder = s.written.find((e) => e.seq === (after as number) - 1);
      assert.ok(holder !== undefined);
      const prepared = (sql: string) => s.db.prepare(sql);
      purgeEvents(prepared, [{ ...holder, event_name: "capability_decision" }], 9999);
      const read = (await s.store.readEvents()).find((e) => e.seq === after);
      assert.equal(read?.job_id, holder.job_id);
      assert.ok(!s.emptied().includes(after as number));
    } finally {
      await s.close();
    }
  });
});
