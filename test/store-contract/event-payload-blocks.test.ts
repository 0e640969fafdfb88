// Issue 20, second and third parts: on SQLite the payloads of cold events are packed in blocks of 128 seqs, by
// maintenance (compactStore: `locus compact`, the git hooks, the idle time of serve and mcp), never by a job: a
// block is packed once the head is 128 events past its last seq. Every event reads back as it was written and hashed (verify passes:
// each hash was computed from the payload before it was packed), replay equals live, `--wp` reads and a sync find
// packed events, a purge removes its events' texts from their blocks, rows written before issue 20 are packed and
// read as they were, and a block edited outside Locus is named by verify. PostgreSQL's twin of this contract, over
// its own raw tables, is postgres-payload-blocks.test.ts (ninth part).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore, idleCompactor } from "../../src/operations/maintenance/compact-store.js";
import { isAboutWp } from "../../src/store/event-derived-columns.js";
import { blockTexts, PAYLOAD_BLOCK } from "../../src/store/event-payload-blocks.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { packText } from "../../src/store/stored-json.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";

type Row = Record<string, unknown>;

/** A SQLite store in a fresh folder, its engine with a clock a second a job, and its raw connection. */
function freshStore() {
  const dir = mkdtempSync(join(tmpdir(), "locus-blocks-"));
  const path = join(dir, "locus.db");
  const store = SqliteStore.open(path);
  const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
  const db = store.rawConnectionForTests();
  const packedSeqs = () =>
    (db.prepare("SELECT seq FROM events WHERE length(payload) = 0 ORDER BY seq").all() as Row[]).map((r) =>
      Number(r.seq),
    );
  const blockFirsts = () =>
    (db.prepare("SELECT first_seq FROM event_payload_blocks ORDER BY first_seq").all() as Row[]).map((r) =>
      Number(r.first_seq),
    );
  return {
    path,
    store,
    engine,
    db,
    packedSeqs,
    blockFirsts,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("cold event payloads packed in blocks (issue 20, SQLite)", () => {
  it("no job packs; compaction packs the blocks 128 events behind the head; events read back as hashed", async () => {
    const s = freshStore();
    try {
      await runStandardDay(s.engine, 0, 40); // 12 events a WP: 480 events
      assert.deepEqual(s.blockFirsts(), [], "no job packs (issue 20, third part)");
      const events = await s.store.readEvents();
      assert.equal(events.length, 478); // 12 a WP, but the first WP has no WP before it to block it
      assert.equal(await compactStore(s.store), 2);
      assert.equal(await compactStore(s.store), 0, "a block is packed once");
      assert.deepEqual(await s.store.readEvents(), events);
      // Blocks 1-128 and 129-256 are 128 events behind the head (480 >= 256 + 128); 257-384 is not yet.
      assert.deepEqual(s.blockFirsts(), [1, 1 + PAYLOAD_BLOCK]);
      assert.deepEqual(
        s.packedSeqs(),
        Array.from({ length: 2 * PAYLOAD_BLOCK }, (_, i) => i + 1),
      );
      await assertLogSound(s.store);
      // A cold column of a packed row edited with SQL is not what is read: the block is.
      s.db.prepare("UPDATE events SET actor_id = 'mallory' WHERE seq = 3").run();
      assert.deepEqual(await s.store.readEvents(), events);
      // Every way of reading finds the packed events: by WP, by page, by job.
      const wp = events.find((e) => e.seq > 40 && typeof e.payload.wp_id === "string")?.payload
        .wp_id as string;
      const ofWp = await s.store.readEvents({ wpId: wp });
      assert.ok(ofWp.length >= 6);
      assert.deepEqual(
        ofWp,
        events.filter((e) => isAboutWp(e, wp)),
      );
      assert.deepEqual(await s.store.readEvents({ afterSeq: 100, limit: 50 }), events.slice(100, 150));
      const job = events[200]?.job_id as string;
      assert.deepEqual(
        await s.store.readEvents({ jobIds: [job] }),
        events.filter((e) => e.job_id === job),
      );
    } finally {
      await s.close();
    }
  });

  it("packed rows keep name, replica and timestamp in small forms, found by every query as before", async () => {
    const s = freshStore();
    try {
      // A refused job leaves only its capability decisions: its id is not taken (section 3).
      const refused = await s.engine.run("update_wp", { wp_id: "WP-none", updates: { title: "t" } });
      assert.equal(refused.success, false);
      await runStandardDay(s.engine, 0, 40);
      const events = await s.store.readEvents();
      await compactStore(s.store);
      const forms = s.db
        .prepare(
          `SELECT typeof(event_name) AS name, typeof(replica_id) AS replica, typeof(timestamp) AS ts,
             length(event_name) + length(replica_id) + length(timestamp) AS bytes FROM events WHERE seq = 3`,
        )
        .get() as Row;
      assert.deepEqual(
        { ...forms, bytes: undefined },
        { name: "blob", replica: "blob", ts: "blob", bytes: undefined },
        "issue 20, fourth part",
      );
      // Seventh part: a timestamp the row's UUIDv7 holds is stored empty (event-uuid-timestamps.test.ts).
      assert.ok([2, 8].includes(Number(forms.bytes)), `${forms.bytes} bytes`);
      assert.deepEqual(await s.store.readEvents(), events);
      const replica = events[0]?.replica_id as string;
      const packedJob = events.find((e) => e.event_name === "work_packet_created")?.job_id as string;
      const found = await s.store.transaction(async (tx) => ({
        ofReplica: await tx.replicaLog.eventsAfter({ afterSeq: 0, limit: 1000, replicaId: replica }),
        ofOther: await tx.replicaLog.eventsAfter({ afterSeq: 0, limit: 1000, replicaId: "rep_other" }),
        dependencies: await tx.replicaLog.dependencyEvents(),
        jobUsed: await tx.jobIdUsed(packedJob),
        refusedUsed: await tx.jobIdUsed(refused.job_id),
      }));
      assert.deepEqual(found.ofReplica, events);
      assert.deepEqual(found.ofOther, []);
      assert.deepEqual(
        found.dependencies,
        events.filter((e) => e.event_name === "dependency_added" || e.event_name === "dependency_removed"),
      );
      assert.ok((found.dependencies[0]?.seq ?? Infinity) < 256, "packed dependency events are found");
      assert.equal(found.jobUsed, true, "a packed job's id is still refused to a new job");
      assert.equal(found.refusedUsed, false, "a packed refused job's decisions do not take its id");
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });

  it("a sync from a store with packed blocks brings every event; the receiver packs its own", async () => {
    const source = freshStore();
    const target = freshStore();
    try {
      await runStandardDay(source.engine, 0, 30);
      await compactStore(source.store); // the source reads its packed events out to the pull
      await source.store.close();
      await ok(target.engine, "sync_events", { peer: source.path, direction: "pull" });
      await assertLogSound(target.store);
      assert.deepEqual(target.blockFirsts(), [], "the pull packs nothing itself");
      assert.ok((await compactStore(target.store)) >= 1, "compaction packs what the pull made cold");
      assert.equal((await verifyStore(target.store)).ok, true);
      const again = SqliteStore.open(source.path);
      try {
        const sent = await again.readEvents();
        const got = await target.store.readEvents();
        const received = new Set(got.map((e) => e.event_uuid));
        assert.ok(sent.every((e) => received.has(e.event_uuid)));
        for (const e of sent) {
          const mine = got.find((g) => g.event_uuid === e.event_uuid);
          assert.deepEqual(mine?.payload, e.payload);
        }
      } finally {
        await again.close();
      }
    } finally {
      await source.close().catch(() => {});
      await target.close();
    }
  });

  it("rows written before issue 20 are packed and read as they were", async () => {
    const s = freshStore();
    try {
      await runStandardDay(s.engine, 0, 10); // 120 events, none cold
      assert.equal(await compactStore(s.store), 0);
      const written = await s.store.readEvents();
      const legacy = s.db.prepare(
        "UPDATE events SET payload = ?, prev_hash = ?, hash = ?, event_uuid = ? WHERE seq = ?",
      );
      for (const e of written)
        legacy.run(JSON.stringify(e.payload), e.prev_hash, e.hash, e.event_uuid, e.seq);
      await runStandardDay(s.engine, 10, 22); // past 256: block 1 cold
      assert.equal(await compactStore(s.store), 1);
      assert.deepEqual(s.blockFirsts(), [1]);
      assert.deepEqual((await s.store.readEvents()).slice(0, written.length), written);
      assert.equal((await verifyStore(s.store)).ok, true);
    } finally {
      await s.close();
    }
  });

  it("a purge removes its events' texts from their blocks; verify and replay still pass", async () => {
    const s = freshStore();
    try {
      for (let i = 0; i < 140; i++) await ok(s.engine, "query_ready", { limit: 1 }); // 280 events of reads
      await runStandardDay(s.engine, 0, 10);
      await compactStore(s.store);
      assert.deepEqual(s.blockFirsts(), [1, 1 + PAYLOAD_BLOCK]);
      const done = await ok(s.engine, "purge_events", { older_than: "1s" });
      assert.equal(done.removed, 280, "the 140 reads and their decisions");
      const bodies = s.db.prepare("SELECT first_seq, body FROM event_payload_blocks").all() as Row[];
      const kept = new Set((await s.store.readEvents()).map((e) => e.seq));
      for (const { first_seq, body } of bodies)
        blockTexts(body).forEach((text, i) => {
          if (text !== null)
            assert.ok(kept.has(Number(first_seq) + i), `seq ${Number(first_seq) + i} was purged`);
        });
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });

  it("a block edited (an actor_id it holds) or dropped outside Locus is named by verify", async () => {
    const s = freshStore();
    try {
      await runStandardDay(s.engine, 0, 25);
      await compactStore(s.store);
      const [first] = s.blockFirsts();
      const bodies = s.db
        .prepare("SELECT body FROM event_payload_blocks WHERE first_seq = ?")
        .get(first) as Row;
      const texts = blockTexts(bodies.body);
      const slot = texts[9] as string[];
      slot[4] = "mallory"; // the actor_id a block holds for its event
      s.db
        .prepare("UPDATE event_payload_blocks SET body = ? WHERE first_seq = ?")
        .run(packText(JSON.stringify(texts)), first);
      const edited = await verifyStore(s.store);
      assert.equal(edited.ok, false);
      assert.equal(edited.first_bad_seq, (first as number) + 9);
      s.db.prepare("DELETE FROM event_payload_blocks WHERE first_seq = ?").run(first);
      const dropped = await verifyStore(s.store);
      assert.equal(dropped.ok, false);
      assert.equal(dropped.first_bad_seq, first, "the first packed row has no payload to read");
    } finally {
      await s.close();
    }
  });

  it("packs at most the blocks asked, a few per transaction, and in a long-running process's idle time", async () => {
    const s = freshStore();
    try {
      await runStandardDay(s.engine, 0, 60); // ~718 events: blocks 1, 129, 257, 385 cold
      assert.equal(await compactStore(s.store, 1), 1);
      assert.deepEqual(s.blockFirsts(), [1]);
      const idle = idleCompactor(s.store, 20);
      idle.touch();
      await ok(s.engine, "query_ready", { limit: 1 }); // a job meanwhile: the timer waits for quiet again
      idle.touch();
      for (let i = 0; i < 100 && s.blockFirsts().length < 4; i++) await new Promise((r) => setTimeout(r, 20));
      await idle.stop();
      assert.deepEqual(s.blockFirsts(), [1, 129, 257, 385]);
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });
});
