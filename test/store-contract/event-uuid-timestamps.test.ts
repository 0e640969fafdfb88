// Issue 20, seventh part: on SQLite a packed event row whose timestamp is the first 6 bytes of its uuid (a UUIDv7,
// as the engine's real clock gives) stores it as an empty BLOB and reads it back from the uuid. Every event reads
// back as written and hashed, verify and replay pass, and retention's time bound selects the same events as before
// packing. The engine of event-payload-blocks.test.ts steps its clock, so its timestamps are not its uuids'.
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

describe("packed timestamps held by the event uuid (issue 20, seventh part, SQLite)", () => {
  it("are stored empty, read back as written, and found by retention's bound as before", async () => {
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
      assert.deepEqual(await store.readEvents(), events);
      assert.deepEqual(bounds.map(candidates), selected, "retention selects the same events");
      await assertLogSound(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
