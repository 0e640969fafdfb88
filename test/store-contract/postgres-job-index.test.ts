// Issue 20, eleventh part, on PostgreSQL: the events of a job are found through events_by_job_tail, keyed on the
// last 8 bytes of the stored job_id (migration 16, postgres-job-index.ts). Two job ids that share those bytes are
// still two jobs (a new one is not refused, a job's events are its own); a reused job_id is refused; every lookup
// by job can use the index; a store made before migration 16 migrates (again, safely) and its log stays sound;
// the WP indexes lose their seq.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { steppingClock } from "../../src/domain/clock.js";
import { auditWp } from "../../src/operations/audit-trail.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { jobIs, jobIsAnyOf } from "../../src/store/postgres/postgres-job-index.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok, refused } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";

const JOB_A = "0190a5c2-0000-7000-8000-00000000000a";
// The last 8 bytes of JOB_A (the index's key), with other first 8.
const JOB_B = "0190a5c2-1111-7111-8000-00000000000a";

/** Runs `sql` on a client of `url`. */
async function onClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The names of the indexes on events. */
async function eventIndexes(url: string): Promise<string[]> {
  return onClient(url, async (c) =>
    (await c.query("SELECT indexname FROM pg_indexes WHERE tablename = 'events' ORDER BY 1")).rows.map(
      (r) => r.indexname as string,
    ),
  );
}

describe("PostgreSQL job index on the job_id's last 8 bytes (issue 20, eleventh part)", {
  skip: postgresSkipReason(),
}, () => {
  it("job ids sharing the key stay two jobs; a reused one is refused; lookups use the index", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=jobs`);
    try {
      const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
      await ok(engine, "create_wp", { wp_id: "WP-A", title: "a" }, { job_id: JOB_A });
      await ok(engine, "create_wp", { wp_id: "WP-B", title: "b" }, { job_id: JOB_B });
      await refused(engine, "create_wp", { title: "again" }, "HSK-409-CONFLICT", { job_id: JOB_A });
      for (const job of [JOB_A, JOB_B]) {
        const events = await store.readEvents({ jobIds: [job] });
        assert.ok(events.length >= 2, `${job}: its decision and its event`);
        assert.ok(
          events.every((e) => e.job_id === job),
          `${job}: only its own events`,
        );
      }
      const audit = await auditWp(store, "WP-B");
      assert.equal(audit.changes.length, 1);
      assert.ok(audit.changes[0]?.decisions.length, "WP-B's change keeps its job's decisions");
      await onClient(url, async (c) => {
        // On a table this small the planner may prefer any index on workspace_id: the keys other lookups use are
        // taken away for the question (rolled back), so what is asked is whether the job index can serve it.
        await c.query("BEGIN");
        for (const key of ["events_pkey", "events_workspace_id_event_uuid_key"])
          await c.query(`ALTER TABLE events DROP CONSTRAINT ${key}`);
        await c.query("SET LOCAL enable_seqscan = off");
        // The conditions Locus's lookups are made of (jobIdUsed, readEvents({ jobIds }), retention).
        for (const [condition, value] of [
          [jobIs("$1"), Buffer.alloc(16)],
          [jobIsAnyOf("$1"), [Buffer.alloc(16)]],
        ] as const) {
          const plan = await c.query(
            `EXPLAIN SELECT 1 FROM events WHERE workspace_id = 'jobs' AND ${condition}`,
            [value],
          );
          const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
          assert.match(text, /events_by_job_tail/, text);
        }
        await c.query("ROLLBACK");
      });
      assert.deepEqual(
        (await eventIndexes(url)).filter((n) => n.includes("job")),
        ["events_by_job_tail"],
      );
      await assertLogSound(store);
    } finally {
      await store.close();
    }
  });

  it("a store made before migration 16 migrates, twice safely, with its log sound", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=old`);
    const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
    await ok(engine, "create_wp", { wp_id: "WP-1", title: "one" }, { job_id: JOB_A });
    await ok(engine, "update_wp", { wp_id: "WP-1", note: "a note" });
    const written = await store.readEvents();
    await store.close();
    // The database as Locus left it before migration 16.
    await onClient(url, async (c) => {
      await c.query("DROP INDEX events_by_job_tail");
      await c.query("CREATE INDEX events_by_job ON events (workspace_id, job_id)");
      await c.query("DROP INDEX events_by_wp");
      await c.query("CREATE INDEX events_by_wp ON events (workspace_id, wp_id, seq) WHERE wp_id IS NOT NULL");
      await c.query("DELETE FROM locus_schema_version WHERE version >= 16");
    });
    for (const round of [1, 2]) {
      const reopened = await PostgresStore.open(`${url}?workspace=old`);
      try {
        assert.deepEqual(await reopened.readEvents(), written, `round ${round}: every event as written`);
        const jobs = (await eventIndexes(url)).filter((n) => n.includes("job"));
        assert.deepEqual(jobs, ["events_by_job_tail"], `round ${round}`);
        const wpIndex = await onClient(url, (c) =>
          c.query("SELECT indexdef FROM pg_indexes WHERE indexname = 'events_by_wp'"),
        );
        assert.doesNotMatch(
          String(wpIndex.rows[0]?.indexdef),
          /seq/,
          `round ${round}: the WP index without seq`,
        );
        assert.equal(
          (await reopened.readEvents({ wpId: "WP-1" })).length,
          2,
          `round ${round}: WP-1's events`,
        );
        await refused(new LocusEngine(reopened), "create_wp", { title: "again" }, "HSK-409-CONFLICT", {
          job_id: JOB_A,
        });
        await assertLogSound(reopened);
      } finally {
        await reopened.close();
      }
      // Set back again: migration 16 reruns over its own result.
      await onClient(url, (c) => c.query("DELETE FROM locus_schema_version WHERE version >= 16"));
    }
  });
});
