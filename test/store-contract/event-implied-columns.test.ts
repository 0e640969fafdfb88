// Issue 20, seventh part: on SQLite a packed event row stores empty (a BLOB of no bytes) two columns its other
// columns give: a timestamp that is the first 6 bytes of its uuid (a UUIDv7, as the engine's real clock gives),
// and a sequence equal to its seq (a store that never pulled another replica's events). Every event reads back as
// written and hashed, verify and replay pass, and retention's time bound and a sync's page of one replica after a
// sequence select the same events as before packing. The engine of event-payload-blocks.test.ts steps its clock,
// so its timestamps are not its uuids'.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { purgeCandidates } from "../../src/store/sqlite/sqlite-retention.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";

type Row = Record<string, unknown>;

describe("packed columns other columns imply (issue 20, seventh part, SQLite)", () => {
  it("timestamps and sequences are stored empty, read back as written, and found by the same queries", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-uuid-ts-"));
    const store = SqliteStore.open(join(dir, "locus.db"));
    try {
      const engine = new LocusEngine(store); // the real clock: uuids and timestamps from the same instant
      for (let i = 0; i < 60; i++) await ok(engine, "query_ready", { limit: 1 }); // purgeable events
      await runStandardDay(engine, 0, 30);
      const db = store.rawConnectionForTests();
      const events = await store.readEvents();
      const middle = events[Math.floor(events.length / 3)]?.timestamp as string;
      const bounds = [middle, "2026-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"];
      const candidates = (before: string) =>
        purgeCandidates((sql) => db.prepare(sql), before).map((c) => c.seq);
      const selected = bounds.map(candidates);
      const replica = events[0]?.replica_id as string;
      const page = (afterSequence: number) =>
        store.transaction((tx) =>
          tx.replicaLog.eventsAfter({ afterSeq: 0, limit: 10_000, replicaId: replica, afterSequence }),
        );
      const pages = [await page(0), await page(100), await page(400)];
      assert.equal(pages[1]?.[0]?.sequence, 101);
      assert.ok((selected[0]?.length ?? 0) > 0, "the middle bound selects some events");
      await compactStore(store);
      const forms = db
        .prepare(
          `SELECT length(timestamp) AS bytes, COUNT(*) AS rows FROM events
            WHERE typeof(timestamp) = 'blob' GROUP BY 1 ORDER BY 1`,
        )
        .all() as Row[];
      assert.equal(forms[0]?.bytes, 0, `timestamps read from the uuid: ${JSON.stringify(forms)}`);
      assert.ok(Number(forms[0]?.rows) > 100, JSON.stringify(forms));
      const sequences = db
        .prepare(
          "SELECT COUNT(*) AS rows FROM events WHERE typeof(sequence) = 'blob' AND length(sequence) = 0",
        )
        .get() as Row;
      assert.ok(Number(sequences.rows) >= 256, `sequences read as the seq: ${sequences.rows}`);
      assert.deepEqual([await page(0), await page(100), await page(400)], pages, "a sync's pages");
      assert.deepEqual(await store.readEvents(), events);
      assert.deepEqual(bounds.map(candidates), selected, "retention selects the same events");
      await assertLogSound(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
