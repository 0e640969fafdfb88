// Issue 20, ninth part: the contract of event-payload-blocks.test.ts on PostgreSQL (postgres-payload-blocks.ts).
// Maintenance (compactStore) packs cold events' cold columns into event_payload_blocks, never a job; every reader
// (readEvents by page, WP and job; the replica log's pages, WPs and dependency events; verify and replay in pages)
// reads the events as written, a block edited outside Locus fails the read naming the seq, jobs appended after
// packing still chain, a purge removes its events' texts from their blocks, and a sync pull from a packed store
// brings what one from the same store unpacked brought. The unbounded compact rewrites `events` (VACUUM FULL).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { isAboutWp } from "../../src/store/event-derived-columns.js";
import { blockTexts, PAYLOAD_BLOCK } from "../../src/store/event-payload-blocks.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { packText } from "../../src/store/stored-json.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";
import { packColdBlocks } from "../support/postgres-older-forms.js";

type Row = Record<string, unknown>;

/** A PostgreSQL workspace of its own, its engine with a clock a second a job, and raw reads of its blocks. */
async function freshStore(workspace: string) {
  const url = `${await withPostgres()}?workspace=${workspace}`;
  const store = await PostgresStore.open(url);
  const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
  const raw = (sql: string, params: unknown[] = []) => store.rawQueryForTests(sql, [workspace, ...params]);
  const blockFirsts = async () =>
    (await raw("SELECT first_seq FROM event_payload_blocks WHERE workspace_id = $1 ORDER BY first_seq")).map(
      (r: Row) => Number(r.first_seq),
    );
  const packedSeqs = async () =>
    (await raw("SELECT seq FROM events WHERE workspace_id = $1 AND length(payload) = 0 ORDER BY seq")).map(
      (r: Row) => Number(r.seq),
    );
  // The ninth part's packing, which since the sixteenth part only a store written before does not have: its rows
  // still read (postgres-event-packing.ts moves them whole into event_blocks at the next compact).
  const packRowForms = async (blocks = 1_000) => {
    const head = (await store.readEvents()).at(-1)?.seq as number;
    return (await packColdBlocks((sql, values) => raw(sql, values), head, blocks)).packed;
  };
  return { url, store, engine, raw, blockFirsts, packedSeqs, packRowForms };
}

/** Everything the replica log reads (sync's pages, a WP's events, the dependency events). */
async function replicaReads(store: PostgresStore, wpIds: string[]) {
  return store.transaction(async (tx) => ({
    page: await tx.replicaLog.eventsAfter({ afterSeq: 0, limit: 10_000 }),
    ofWps: await tx.replicaLog.eventsOfWps(wpIds),
    dependencies: await tx.replicaLog.dependencyEvents(),
  }));
}

describe("cold event payloads packed in blocks (issue 20, PostgreSQL)", {
  skip: postgresSkipReason(),
}, () => {
  it("compaction packs the cold blocks; every reader reads the events as written; later jobs chain", async () => {
    const s = await freshStore("blocks_read");
    try {
      await runStandardDay(s.engine, 0, 40);
      assert.deepEqual(await s.blockFirsts(), [], "no job packs");
      const events = await s.store.readEvents();
      const wps = [...new Set(events.map((e) => e.payload.wp_id).filter((w) => typeof w === "string"))];
      const replica = await replicaReads(s.store, wps.slice(3, 6) as string[]);
      assert.equal(await s.packRowForms(), 2);
      assert.equal(await s.packRowForms(), 0, "a block is packed once");
      assert.deepEqual(await s.blockFirsts(), [1, 1 + PAYLOAD_BLOCK]);
      assert.deepEqual(
        await s.packedSeqs(),
        Array.from({ length: 2 * PAYLOAD_BLOCK }, (_, i) => i + 1),
      );
      assert.deepEqual(await s.store.readEvents(), events);
      assert.deepEqual(await replicaReads(s.store, wps.slice(3, 6) as string[]), replica);
      const wp = wps[5] as string;
      assert.deepEqual(
        await s.store.readEvents({ wpId: wp }),
        events.filter((e) => isAboutWp(e, wp)),
      );
      assert.deepEqual(await s.store.readEvents({ afterSeq: 100, limit: 50 }), events.slice(100, 150));
      const job = events[200]?.job_id as string;
      assert.deepEqual(
        await s.store.readEvents({ jobIds: [job] }),
        events.filter((e) => e.job_id === job),
      );
      await assertLogSound(s.store);
      // A cold column of a packed row edited with SQL is not what is read: the block is.
      await s.raw("UPDATE events SET actor_id = 'mallory' WHERE workspace_id = $1 AND seq = 3");
      assert.deepEqual(await s.store.readEvents(), events);
      await runStandardDay(s.engine, 40, 50); // jobs after packing chain on the packed rows
      await assertLogSound(s.store);
      assert.deepEqual((await s.store.readEvents()).slice(0, events.length), events);
      // Sixteenth part: compact moves the packed rows whole into event_blocks; they read the same.
      assert.ok((await compactStore(s.store)) >= 2);
      assert.deepEqual(await s.blockFirsts(), [], "the payload blocks leave with their rows");
      assert.deepEqual((await s.store.readEvents()).slice(0, events.length), events);
      await assertLogSound(s.store);
    } finally {
      await s.store.close();
    }
  });

  it("a block edited or dropped outside Locus fails the read, named by its seq", async () => {
    const s = await freshStore("blocks_edit");
    try {
      await runStandardDay(s.engine, 0, 25);
      await s.packRowForms();
      const [first] = await s.blockFirsts();
      const [row] = await s.raw(
        "SELECT body FROM event_payload_blocks WHERE workspace_id = $1 AND first_seq = $2",
        [first],
      );
      const texts = blockTexts((row as Row).body);
      (texts[9] as string[])[4] = "mallory"; // the actor_id the block holds for its event
      await s.raw("UPDATE event_payload_blocks SET body = $3 WHERE workspace_id = $1 AND first_seq = $2", [
        first,
        packText(JSON.stringify(texts)),
      ]);
      const edited = await verifyStore(s.store);
      assert.equal(edited.ok, false);
      assert.equal(edited.first_bad_seq, (first as number) + 9);
      await s.raw("DELETE FROM event_payload_blocks WHERE workspace_id = $1 AND first_seq = $2", [first]);
      const dropped = await verifyStore(s.store);
      assert.equal(dropped.ok, false);
      assert.equal(dropped.first_bad_seq, first, "the first packed row has no payload to read");
      // Sixteenth part: compact leaves a block whose rows do not read in rows, where verify still names it.
      await compactStore(s.store);
      const left = await s.raw("SELECT count(*) AS n FROM events WHERE workspace_id = $1 AND seq <= $2", [
        PAYLOAD_BLOCK,
      ]);
      assert.equal(Number((left[0] as Row).n), PAYLOAD_BLOCK);
      assert.equal((await verifyStore(s.store)).first_bad_seq, first);
    } finally {
      await s.store.close();
    }
  });

  it("a purge removes its events' texts from their blocks; verify and replay still pass", async () => {
    const s = await freshStore("blocks_purge");
    try {
      for (let i = 0; i < 140; i++) await ok(s.engine, "query_ready", { limit: 1 }); // 280 events of reads
      await runStandardDay(s.engine, 0, 10);
      await s.packRowForms();
      assert.deepEqual(await s.blockFirsts(), [1, 1 + PAYLOAD_BLOCK]);
      const done = await ok(s.engine, "purge_events", { older_than: "1s" });
      assert.equal(done.removed, 280, "the 140 reads and their decisions");
      const bodies = await s.raw("SELECT first_seq, body FROM event_payload_blocks WHERE workspace_id = $1");
      const kept = new Set((await s.store.readEvents()).map((e) => e.seq));
      for (const { first_seq, body } of bodies)
        blockTexts(body).forEach((text, i) => {
          if (text !== null)
            assert.ok(kept.has(Number(first_seq) + i), `seq ${Number(first_seq) + i} was purged`);
        });
      await assertLogSound(s.store);
    } finally {
      await s.store.close();
    }
  });

  it("a sync pull from a packed store brings what a pull from it unpacked brought", async () => {
    const source = await freshStore("blocks_source");
    const before = await freshStore("blocks_before");
    const after = await freshStore("blocks_after");
    try {
      await runStandardDay(source.engine, 0, 30);
      await ok(before.engine, "sync_events", { peer: source.url, direction: "pull" });
      assert.ok((await compactStore(source.store)) >= 1);
      await ok(after.engine, "sync_events", { peer: source.url, direction: "pull" });
      const sent = new Set((await source.store.readEvents()).map((e) => e.event_uuid));
      // The source's events as each receiver holds them, without its own chain's seq and hashes (each receiver
      // also records its own sync job's events, so its chain differs).
      const origin = (events: Awaited<ReturnType<PostgresStore["readEvents"]>>) =>
        events.filter((e) => sent.has(e.event_uuid)).map(({ seq, hash, prev_hash, ...origin }) => origin);
      const pulled = origin(await before.store.readEvents());
      assert.equal(pulled.length, sent.size);
      assert.deepEqual(origin(await after.store.readEvents()), pulled);
      await assertLogSound(after.store);
    } finally {
      await source.store.close();
      await before.store.close();
      await after.store.close();
    }
  });

  it("the unbounded compact rewrites events once it packed; migration 14 reruns safely", async () => {
    const s = await freshStore("blocks_vacuum");
    try {
      await runStandardDay(s.engine, 0, 60);
      const client = new pg.Client({ connectionString: s.url.split("?")[0] });
      await client.connect();
      try {
        const file = async () =>
          (await client.query("SELECT pg_relation_filenode('events') AS f")).rows[0].f as string;
        const was = await file();
        assert.equal(await compactStore(s.store, 1), 1);
        assert.equal(await file(), was, "a bounded compact rewrites nothing");
        assert.ok((await compactStore(s.store)) >= 1);
        assert.notEqual(await file(), was, "the unbounded compact rewrote events (VACUUM FULL)");
        await client.query("DELETE FROM locus_schema_version WHERE version >= 14");
      } finally {
        await client.end();
      }
      const again = await PostgresStore.open(s.url);
      await assertLogSound(again);
      await again.close();
    } finally {
      await s.store.close();
    }
  });
});
