// Issue 20, nineteenth part, on PostgreSQL (postgres-block-jobs.ts): a block of cold events is found by the times
// of its jobs (a range, GiST-indexed) and, for a job whose id does not tell its time, by its tail (GIN, as before).
// A store of jobs made by Locus and by callers (a UUIDv4, a UUIDv7 made years before its job, one made a minute
// ahead) reads the same through every reader of jobs once its events are in blocks; ids that share a used id's
// time or its tail are not taken for it; both indexes serve the condition; and blocks written before migration 23
// read as they did, migrate twice safely, and are rewritten in the new form by the next compact.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import pg from "pg";
import { runStandardDay } from "../../bench/storage-footprint.js";
import type { StoredEvent } from "../../src/domain/events/stored-event.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { decodeBlock } from "../../src/store/event-block-body.js";
import {
  BLOCK_JOBS_MIGRATION,
  blockMayHoldJobs,
  jobTail,
} from "../../src/store/postgres/postgres-block-jobs.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/postgres-schema.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok, refused } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";

type Row = Record<string, unknown>;

/** The schema version that finds blocks by job time (never hard-coded: other migrations are added beside it). */
const JOBS_VERSION = POSTGRES_MIGRATIONS.indexOf(BLOCK_JOBS_MIGRATION) + 1;

/** A UUID of the 16 `bytes`, in text. */
const uuidText = (bytes: Buffer): string =>
  bytes.toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");

/** A UUIDv7 made at `ms`. */
function uuidV7At(ms: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  return uuidText(bytes);
}

/** `id` with its first 8 bytes (or its last 8) from `other`: an id sharing one half of another. */
function withHalf(id: string, other: string, half: "head" | "tail"): string {
  const bytes = Buffer.from(id.replaceAll("-", ""), "hex");
  const from = Buffer.from(other.replaceAll("-", ""), "hex");
  if (half === "head") from.copy(bytes, 0, 0, 8);
  else from.copy(bytes, 8, 8, 16);
  return uuidText(bytes);
}

/** A store on the real clock (its jobs' ids made when their events are), with caller-made job ids among them. */
async function storeWithCallerJobs(workspace: string) {
  const url = `${await withPostgres()}?workspace=${workspace}`;
  const store = await PostgresStore.open(url);
  const engine = new LocusEngine(store);
  const raw = (sql: string, params: unknown[] = []) => store.rawQueryForTests(sql, [workspace, ...params]);
  const callers = [randomUUID(), uuidV7At(Date.UTC(2020, 0, 1)), uuidV7At(Date.now() + 60_000)];
  await runStandardDay(engine, 0, 10);
  for (const [i, jobId] of callers.entries())
    await ok(engine, "create_wp", { wp_id: `WP-CALLER-${i}`, title: `caller ${i}` }, { job_id: jobId });
  await runStandardDay(engine, 10, 55);
  return { url, store, engine, raw, callers };
}

/** Every job's id (decisions left out), and ids near them that name no job. */
function jobIdsOf(events: readonly StoredEvent[], callers: readonly string[]) {
  const used = [
    ...new Set(events.filter((e) => e.event_name !== "capability_decision").map((e) => e.job_id)),
  ];
  const near = [
    ...used.slice(0, 40).map((id) => withHalf(uuidV7At(0), id, "head")), // the time of a used id
    ...callers.map((id) => withHalf(randomUUID(), id, "tail")), // the tail of a caller's id
    uuidV7At(Date.now() - 1000),
  ];
  return { used, near };
}

/** What the readers of jobs give: used or not, each job's events, and retention's candidates. */
async function jobReads(store: PostgresStore, used: readonly string[], near: readonly string[]) {
  return store.transaction(async (tx) => ({
    used: await Promise.all(used.map((id) => tx.jobIdUsed(id))),
    near: await Promise.all(near.map((id) => tx.jobIdUsed(id))),
    ofJobs: await store.readEvents({ jobIds: [...used.slice(0, 7), ...used.slice(-3), ...near.slice(0, 3)] }),
    candidates: await tx.purgeCandidates("2099-01-01T00:00:00.000Z"),
  }));
}

describe("PostgreSQL event blocks found by job time (issue 20, nineteenth part)", {
  skip: postgresSkipReason(),
}, () => {
  it("jobs made by Locus and by callers read the same from rows and from blocks, and near ids are not taken", async () => {
    const s = await storeWithCallerJobs("block_jobs");
    try {
      for (let i = 0; i < 5; i++) await ok(s.engine, "query_ready", { limit: 1 }); // retention candidates
      const events = await s.store.readEvents();
      const { used, near } = jobIdsOf(events, s.callers);
      for (const caller of s.callers) assert.ok(used.includes(caller), "a caller's job is stored");
      const before = await jobReads(s.store, used, near);
      assert.ok(before.used.every(Boolean) && !before.near.some(Boolean), "rows: used ids only");
      assert.ok(before.ofJobs.length >= 10 && before.candidates.length >= 5, "the reads are not empty");

      assert.ok((await compactStore(s.store)) >= 2);
      const blocks = await s.raw(
        `SELECT first_seq, job_times::text AS times, job_tails FROM event_blocks WHERE workspace_id = $1
         ORDER BY first_seq`,
      );
      assert.ok(blocks.length >= 2, "cold events are in blocks");
      // Only the v4 id and the one made years before its job are kept by tail; every block has a range.
      const tails = blocks.flatMap((block: Row) => (block.job_tails as Buffer[] | null) ?? []);
      assert.deepEqual(
        tails.map((tail) => tail.toString("hex")).sort(),
        s.callers
          .slice(0, 2)
          .map((id) => jobTail(id).toString("hex"))
          .sort(),
      );
      assert.ok(blocks.every((block: Row) => /^\[\d+,\d+\)$/.test(block.times as string)));
      assert.deepEqual(await jobReads(s.store, used, near), before, "blocks read as rows did");

      // Each caller's id, and a Locus-made one, is refused again end to end; a near id still writes.
      for (const jobId of [...s.callers, used[3] as string])
        await refused(s.engine, "create_wp", { title: "again" }, "HSK-409-CONFLICT", { job_id: jobId });
      await ok(s.engine, "create_wp", { title: "near" }, { job_id: near[0] });
      await assertLogSound(s.store);
    } finally {
      await s.store.close();
    }
  });

  it("at scale, the condition on blocks is served by the time range's GiST index and the tails' GIN index", async () => {
    const url = await withPostgres();
    await (await PostgresStore.open(`${url}?workspace=block_jobs_plan`)).close(); // the schema
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // 20,000 blocks of ~10 WPs each (a store of 200K WPs), one in 50 with a caller's tail.
      await client.query(
        `INSERT INTO event_blocks (workspace_id, first_seq, last_seq, low_uuid, high_uuid, wp_ids, job_times,
           job_tails, body)
         SELECT 'block_jobs_plan', i * 128 + 1, i * 128 + 128, '\\x00', '\\x00', '{}',
           int8range(i * 1000, i * 1000 + 999),
           CASE WHEN i % 50 = 0 THEN ARRAY[int8send(i)] END, '\\x00'
         FROM generate_series(0, 19999) i`,
      );
      await client.query("ANALYZE event_blocks");
      const plan = await client.query(
        `EXPLAIN SELECT first_seq FROM event_blocks WHERE workspace_id = $1 AND ${blockMayHoldJobs("$2", "$3")}`,
        ["block_jobs_plan", [Buffer.alloc(16)], [5_000_500]],
      );
      const text = plan.rows.map((row: Row) => row["QUERY PLAN"]).join("\n");
      assert.match(text, /event_blocks_by_job_time/);
      assert.match(text, /event_blocks_by_job\b/);
      const found = await client.query(
        `SELECT first_seq FROM event_blocks WHERE workspace_id = $1 AND ${blockMayHoldJobs("$2", "$3")}`,
        [
          "block_jobs_plan",
          [Buffer.concat([Buffer.alloc(8), Buffer.from("0000000000000064", "hex")])],
          [5_000_500],
        ],
      );
      assert.deepEqual(
        found.rows.map((row: Row) => Number(row.first_seq)).sort((a, b) => a - b),
        [12801, 640001],
      );
    } finally {
      await client.end();
    }
  });

  it("blocks written before migration 23 read the same, migrate twice safely, and compact renews them", async () => {
    const s = await storeWithCallerJobs("block_jobs_old");
    try {
      await compactStore(s.store);
      const events = await s.store.readEvents();
      const { used, near } = jobIdsOf(events, s.callers);
      const before = await jobReads(s.store, used, near);
      // The blocks as migration 20 wrote them: every job's tail, no range; one body damaged outside Locus.
      const blocks = await s.raw("SELECT first_seq, body FROM event_blocks WHERE workspace_id = $1");
      assert.ok(blocks.length >= 3);
      await s.store.rawQueryForTests("DROP INDEX event_blocks_by_job_time");
      await s.store.rawQueryForTests("ALTER TABLE event_blocks DROP COLUMN job_times");
      for (const block of blocks) {
        const tails = new Map(
          decodeBlock(block.body as Buffer).map(({ event }) => [event.job_id, jobTail(event.job_id)]),
        );
        await s.raw("UPDATE event_blocks SET job_tails = $3 WHERE workspace_id = $1 AND first_seq = $2", [
          block.first_seq,
          [...tails.values()],
        ]);
      }
      await s.store.rawQueryForTests("ALTER TABLE event_blocks ALTER COLUMN job_tails SET NOT NULL");
      await s.store.rawQueryForTests("DELETE FROM locus_schema_version WHERE version >= $1", [JOBS_VERSION]);
      const damaged = blocks.at(-1) as Row;
      const damagedTails = new Set(decodeBlock(damaged.body as Buffer).map(({ event }) => event.job_id)).size;
      await s.store.close();
      for (const round of [1, 2]) {
        const reopened = await PostgresStore.open(s.url);
        try {
          assert.deepEqual(await jobReads(reopened, used, near), before, `round ${round}: old blocks read`);
        } finally {
          await reopened.rawQueryForTests("DELETE FROM locus_schema_version WHERE version >= $1", [
            JOBS_VERSION,
          ]);
          await reopened.close();
        }
      }
      const migrated = await PostgresStore.open(s.url);
      try {
        const setBody = (body: unknown) =>
          migrated.rawQueryForTests(
            "UPDATE event_blocks SET body = $2 WHERE workspace_id = 'block_jobs_old' AND first_seq = $1",
            [damaged.first_seq, body],
          );
        await setBody(Buffer.from([0]));
        await compactStore(migrated);
        const forms = await migrated.rawQueryForTests(
          `SELECT first_seq, job_times::text AS times, cardinality(job_tails) AS tails FROM event_blocks
           WHERE workspace_id = 'block_jobs_old' ORDER BY first_seq`,
        );
        assert.equal(forms.length, blocks.length);
        for (const form of forms) {
          // A body that does not read keeps every tail (its jobs are still found) and an empty range.
          if (form.first_seq === damaged.first_seq)
            assert.deepEqual([form.times, form.tails], ["empty", damagedTails]);
          else
            assert.ok(
              /^\[\d+,\d+\)$/.test(form.times as string) && Number(form.tails ?? 0) <= 2,
              `${form.first_seq}`,
            );
        }
        await setBody(damaged.body);
        assert.deepEqual(await jobReads(migrated, used, near), before, "renewed blocks read the same");
        await assertLogSound(migrated);
      } finally {
        await migrated.close();
      }
    } finally {
      await s.store.close().catch(() => {});
    }
  });
});
