import assert from "node:assert/strict";
import { it } from "node:test";
import { steppingClock } from "../../src/domain/clock.js";
import { verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { postgresBackend } from "../support/stores.js";

// Issue 16 (DECISIONS "Queries do not queue on the workspace lock"): on PostgreSQL a query reads without the
// workspace lock and takes it only to append its events, after the head that other jobs' commits moved meanwhile.
// Here a write job holds the lock (its afterApply hook waits) until the query is seen waiting for that lock with
// its reads done; then the write commits, and the query's events must follow the write's in a valid chain.

const LOCK_STATEMENT = "SELECT 1 FROM workspaces";
/** A read-only transaction ends its snapshot in the message that takes the lock to append (lockForWrite). */
const SNAPSHOT_END = "COMMIT;";

it("a query reads while a write holds the workspace lock, then appends after it", {
  skip: postgresBackend.skip,
}, async () => {
  const { url, cleanup } = await postgresBackend.location();
  const store = await PostgresStore.open(url);
  try {
    const clock = steppingClock("2026-01-01T00:00:00.000Z", 1000);
    const reader = new LocusEngine(store, { clock });
    await reader.run("create_wp", { wp_id: "WP-SEEN", title: "there before the query" });
    let waiting: string | undefined;
    const writer = new LocusEngine(store, {
      clock,
      // Inside the write's transaction, holding the lock: wait until the query waits for it.
      afterApply: async () => {
        for (let poll = 0; poll < 500 && waiting === undefined; poll++) {
          const rows = await store.rawQueryForTests(
            `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          waiting = rows.map((row) => String(row.query)).find((query) => query.includes("FOR NO KEY UPDATE"));
          if (waiting === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
    });
    const write = writer.run("create_wp", { wp_id: "WP-WRITTEN", title: "written while the query reads" });
    // The write job holds the lock before the query starts (its BEGIN took it).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const query = reader.run("query_ready", { limit: 20 });
    const [written, queried] = await Promise.all([write, query]);
    assert.equal(written.success, true, JSON.stringify(written));
    assert.equal(queried.success, true, JSON.stringify(queried));
    // The query waited at the lock it takes to append, its reads done and its snapshot ended: not at the BEGIN
    // that starts a write's transaction.
    assert.ok(waiting?.trimStart().startsWith(SNAPSHOT_END), `the query waited at: ${waiting}`);
    assert.ok(waiting?.includes(LOCK_STATEMENT), `the query waited at: ${waiting}`);
    const events = await store.readEvents();
    const seqOf = (jobId: string) => events.filter((e) => e.job_id === jobId).map((e) => e.seq);
    assert.ok(Math.min(...seqOf(queried.job_id)) > Math.max(...seqOf(written.job_id)));
    assert.ok(events.some((e) => e.job_id === queried.job_id && e.event_name === "work_query_executed"));
    assert.equal((await verifyStore(store)).ok, true);
  } finally {
    await store.close();
    await cleanup();
  }
});

// Issue 16, sixth part: a query starts from the head its store last saw instead of reading it (PostgresStore
// `knownHead`). Another store's jobs move the head meanwhile, and one of them raises the hybrid-logical-time floor
// (13: as a pull of events from a replica ahead of this clock would); the query's events must follow that head,
// at a time not before that floor.
it("a query started from a head its store saw earlier appends after the jobs of another store, at the floor", {
  skip: postgresBackend.skip,
}, async () => {
  const { url, cleanup } = await postgresBackend.location();
  const mine = await PostgresStore.open(url);
  const other = await PostgresStore.open(url);
  try {
    const reader = new LocusEngine(mine, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
    const writer = new LocusEngine(other, { clock: steppingClock("2026-01-01T00:01:00.000Z", 1000) });
    assert.equal(
      (await reader.run("create_wp", { wp_id: "WP-MINE", title: "seen by this store" })).success,
      true,
    );
    for (const n of [1, 2, 3]) {
      const made = await writer.run("create_wp", { wp_id: `WP-OTHER-${n}`, title: "made by another store" });
      assert.equal(made.success, true, JSON.stringify(made));
    }
    const floor = Date.parse("2026-06-01T00:00:00.000Z");
    await other.rawQueryForTests(
      `INSERT INTO meta (workspace_id, key, value) VALUES ($1, 'hlc_floor', $2)
       ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value`,
      [other.workspace, String(floor)],
    );
    const queried = await reader.run("query_ready", { limit: 20 });
    assert.equal(queried.success, true, JSON.stringify(queried));
    const events = await mine.readEvents();
    const own = events.filter((e) => e.job_id === queried.job_id);
    const othersLast = Math.max(...events.filter((e) => e.job_id !== queried.job_id).map((e) => e.seq));
    assert.ok(
      own.length >= 2 && own.every((e) => e.seq > othersLast),
      "the query's events follow the others'",
    );
    for (const event of own)
      assert.ok(Date.parse(event.timestamp) >= floor, `${event.timestamp} before the floor`);
    assert.equal((await verifyStore(mine)).ok, true);
  } finally {
    await mine.close();
    await other.close();
    await cleanup();
  }
});
