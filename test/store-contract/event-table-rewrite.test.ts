// Issue 20, seventh part: `locus compact` without a bound writes the events rows packed since its last run (and
// the rows after them) again in seq order, so the table's pages are as full as rows appended in order fill them,
// and rebuilds every index; the hooks and idle time (bounded) never do. Every event reads back as written and hashed, verify and replay
// pass, jobs append after it, and a run with nothing packed since moves nothing.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type Database from "better-sqlite3";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { rewritePackedRows } from "../../src/store/sqlite/sqlite-payload-blocks.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { assertLogSound } from "../support/log-sound.js";

type Row = Record<string, unknown>;

/** The leaf pages of the events table, and of the same rows copied in seq order into a fresh table. */
function leafPages(db: Database.Database): { events: number; inOrder: number } {
  db.exec(
    "DROP TABLE IF EXISTS events_in_order; CREATE TABLE events_in_order AS SELECT * FROM events WHERE 0",
  );
  db.exec("INSERT INTO events_in_order SELECT * FROM events ORDER BY seq");
  const pages = (name: string) =>
    Number(
      (db.prepare("SELECT COUNT(*) AS n FROM dbstat WHERE name = ? AND pagetype = 'leaf'").get(name) as Row)
        .n,
    );
  const result = { events: pages("events"), inOrder: pages("events_in_order") };
  db.exec("DROP TABLE events_in_order");
  return result;
}

describe("events rows written again in order by an unbounded compaction (issue 20, seventh part, SQLite)", () => {
  it("fills the table's pages, reads back as written, and moves only what was packed since", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-rewrite-"));
    const store = SqliteStore.open(join(dir, "locus.db"));
    try {
      const engine = new LocusEngine(store);
      const db = store.rawConnectionForTests();
      await runStandardDay(engine, 0, 60);
      await compactStore(store, 64); // bounded, as the hooks: packs, does not rewrite
      const events = await store.readEvents();
      const bounded = leafPages(db);
      assert.ok(
        bounded.events > bounded.inOrder,
        `packing leaves pages part empty: ${JSON.stringify(bounded)}`,
      );
      await runStandardDay(engine, 60, 100);
      await compactStore(store);
      const all = await store.readEvents();
      assert.deepEqual(all.slice(0, events.length), events);
      const rewritten = leafPages(db);
      assert.ok(rewritten.events <= rewritten.inOrder, `as full as in order: ${JSON.stringify(rewritten)}`);
      assert.equal(
        await store.transaction(async () => rewritePackedRows((sql) => db.prepare(sql))),
        0,
        "nothing packed since: nothing moved",
      );
      await runStandardDay(engine, 100, 130); // jobs append after the rows written again
      assert.deepEqual((await store.readEvents()).slice(0, all.length), all);
      await compactStore(store);
      await assertLogSound(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rebuilds every index, not only the events and Bronze ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-reindex-"));
    const store = SqliteStore.open(join(dir, "locus.db"));
    try {
      const db = store.rawConnectionForTests();
      // An index filled out of key order, as jobs fill the WP, dependency and Silver indexes: pages part empty.
      db.exec(`CREATE TABLE probe (k BLOB); CREATE INDEX probe_by_k ON probe (k);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
        INSERT INTO probe SELECT randomblob(24) FROM n`);
      const pages = () =>
        Number((db.prepare("SELECT COUNT(*) AS n FROM dbstat WHERE name = 'probe_by_k'").get() as Row).n);
      const scattered = pages();
      await store.transaction(async (tx) => tx.rebuildPackedIndexes?.());
      const rebuilt = pages();
      db.exec("REINDEX probe_by_k");
      assert.ok(rebuilt < scattered, `${scattered} -> ${rebuilt} pages`);
      assert.equal(rebuilt, pages(), "as a rebuild of that index leaves it");
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
