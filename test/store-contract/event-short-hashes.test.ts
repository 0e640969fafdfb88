// Issue 20, sixth part: on SQLite a packed event row keeps 4 bytes of its hash (sqlite-event-reads.ts), all but
// the last row of each block and one row in 16, which keep their 32. Every event reads back with its whole hash (every way of
// reading: all, a page from mid-block, a WP's, one seq's hash), verify and replay pass, a purge keeps the whole
// hashes of what it removes, and an edit is named by verify at the row edited: its kept bytes, its payload in
// the block, or a row edited before packing (which keeps its hash whole).
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
import { isAboutWp } from "../../src/store/event-derived-columns.js";
import { PAYLOAD_BLOCK } from "../../src/store/event-payload-blocks.js";
import { ANCHOR_EVERY, SHORT_HASH_BYTES } from "../../src/store/sqlite/sqlite-event-reads.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";

type Row = Record<string, unknown>;

/** A SQLite store with `wps` WPs of the standard day (12 events a WP), its raw connection, and a closer. */
async function dayStore(wps: number, reads = 0) {
  const dir = mkdtempSync(join(tmpdir(), "locus-short-hashes-"));
  const store = SqliteStore.open(join(dir, "locus.db"));
  const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
  for (let i = 0; i < reads; i++) await ok(engine, "query_ready", { limit: 1 });
  await runStandardDay(engine, 0, wps);
  const db = store.rawConnectionForTests();
  const hashLengths = () =>
    new Map(
      (db.prepare("SELECT seq, length(hash) AS n FROM events ORDER BY seq").all() as Row[]).map((r) => [
        Number(r.seq),
        Number(r.n),
      ]),
    );
  return {
    store,
    engine,
    db,
    hashLengths,
    hashAt: (seq: number) => store.transaction((tx) => tx.eventHashAt(seq)),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("packed events keep 4 bytes of their hash (issue 20, sixth part, SQLite)", () => {
  it("all but each block's last row keep 4 bytes; every read returns the whole hashes as written", async () => {
    const s = await dayStore(40); // 478 events: blocks 1-128 and 129-256 are cold
    try {
      const events = await s.store.readEvents();
      await compactStore(s.store);
      const lengths = s.hashLengths();
      for (let seq = 1; seq <= 2 * PAYLOAD_BLOCK; seq++)
        assert.equal(lengths.get(seq), seq % ANCHOR_EVERY === 0 ? 32 : SHORT_HASH_BYTES, `seq ${seq}`);
      assert.equal(lengths.get(2 * PAYLOAD_BLOCK + 1), 32, "a row not packed keeps its hash");
      assert.deepEqual(await s.store.readEvents(), events);
      assert.deepEqual(await s.store.readEvents({ afterSeq: 150, limit: 20 }), events.slice(150, 170));
      const wp = events.find((e) => e.seq > 140 && typeof e.payload.wp_id === "string")?.payload
        .wp_id as string;
      assert.deepEqual(
        await s.store.readEvents({ wpId: wp }),
        events.filter((e) => isAboutWp(e, wp)),
      );
      for (const seq of [1, 2, 77, 128, 129, 200, 256, 257])
        assert.equal(await s.hashAt(seq), events[seq - 1]?.hash, `hash at ${seq}`);
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });

  it("an edit of the bytes a packed row keeps is named at that row", async () => {
    const s = await dayStore(25);
    try {
      await compactStore(s.store);
      const kept = (s.db.prepare("SELECT hash FROM events WHERE seq = 40").get() as Row).hash as Buffer;
      assert.equal(kept.length, SHORT_HASH_BYTES);
      s.db.prepare("UPDATE events SET hash = X'00000000' WHERE seq = 40").run();
      const edited = await verifyStore(s.store);
      assert.equal(edited.ok, false);
      assert.equal(edited.first_bad_seq, 40);
      s.db.prepare("UPDATE events SET hash = ? WHERE seq = 40").run(kept);
      assert.equal((await verifyStore(s.store)).ok, true);
      // Its payload edited in the block: event-payload-blocks.test.ts (named at that row too).
    } finally {
      await s.close();
    }
  });

  it("a row edited before packing keeps its 32 bytes and is still named", async () => {
    const s = await dayStore(25);
    try {
      s.db.prepare("UPDATE events SET sequence = sequence + 1000 WHERE seq = 30").run();
      await compactStore(s.store);
      const lengths = s.hashLengths();
      assert.equal(lengths.get(30), 32, "its stored hash is not what it computes to: kept whole");
      assert.equal(lengths.get(29), SHORT_HASH_BYTES);
      assert.equal(lengths.get(31), SHORT_HASH_BYTES);
      assert.equal((await verifyStore(s.store)).first_bad_seq, 30);
    } finally {
      await s.close();
    }
  });

  it("a purge of packed rows keeps their whole hashes; verify and replay pass", async () => {
    const s = await dayStore(10, 140); // 280 events of reads, then 118 of the day
    try {
      const events = await s.store.readEvents();
      await compactStore(s.store);
      assert.equal(s.hashLengths().get(5), SHORT_HASH_BYTES);
      const done = await ok(s.engine, "purge_events", { older_than: "1s" });
      assert.equal(done.removed, 280);
      const purged = s.db.prepare("SELECT seq, hash FROM purged_events ORDER BY seq").all() as Row[];
      for (const row of purged) assert.equal(row.hash, events[Number(row.seq) - 1]?.hash, `seq ${row.seq}`);
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });
});
