import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LocusEngine } from "../../operations/locus-engine.js";
import { parseWorkspaceConfig } from "../../operations/workspace-config.js";
import { SQLITE_MIGRATIONS } from "./sqlite-schema.js";
import { SqliteStore } from "./sqlite-store.js";

type Row = Record<string, unknown>;

describe("SQLite schema migrations", () => {
  it("a store written at version 3 gains the title index, filled from its keyword index, when opened", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-migrate-"));
    const file = join(dir, "locus.db");
    try {
      const store = SqliteStore.open(file);
      const engine = new LocusEngine(store, {
        config: parseWorkspaceConfig({ search: { provider: "hash" } }),
      });
      const titles = ["Fix login error", "Add billing export", "Speed up search index"];
      for (const [i, title] of titles.entries()) {
        const result = await engine.run("create_wp", { wp_id: `WP-M${i}`, title });
        assert.equal(result.success, true, JSON.stringify(result));
      }
      // Back to version 3: what migrations 4, 6, 7 and 11 add is gone (5's, 8's, 9's and 10's tables and index are
      // created only when missing).
      const db = store.rawConnectionForTests();
      db.exec(`DROP INDEX wp_board_view; DROP INDEX wp_plain_docs; ALTER TABLE work_packets DROP COLUMN board_token;
        CREATE INDEX wp_board_view ON work_packets (
          created_at, wp_id, status, json_extract(doc, '$.governance.task_board_token'));
        DROP TABLE search_titles; DROP TABLE purged_events; DROP INDEX wp_by_readiness;
        ALTER TABLE work_packets DROP COLUMN defer_ms; ALTER TABLE work_packets DROP COLUMN lease_expires_ms;
        CREATE INDEX wp_by_readiness ON work_packets (deleted, open_blockers, status, priority, created_at, wp_id, created_ms, blocks_out);
        UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
      await store.close();

      const reopened = SqliteStore.open(file);
      const raw = reopened.rawConnectionForTests();
      const version = raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as Row;
      assert.equal(Number(version.value), SQLITE_MIGRATIONS.length);
      // Each title under its WP's doc_id.
      const rowids = (sql: string) => (raw.prepare(sql).all() as Row[]).map((row) => row.rowid);
      assert.deepEqual(
        rowids("SELECT rowid FROM search_titles ORDER BY rowid"),
        rowids("SELECT rowid FROM search_fts ORDER BY rowid"),
      );
      assert.equal(rowids("SELECT rowid FROM search_titles").length, titles.length);
      const match = raw.prepare(
        `SELECT d.wp_id FROM search_titles JOIN search_docs d ON d.doc_id = search_titles.rowid
         WHERE search_titles MATCH ?`,
      );
      assert.deepEqual(match.all('"billing"'), [{ wp_id: "WP-M1" }]);
      assert.deepEqual(match.all('"index"'), [{ wp_id: "WP-M2" }]);
      // It holds everything up to the newest change, so the first query that needs it copies nothing again.
      const seq = raw.prepare("SELECT value FROM search_meta WHERE key = 'titles_seq'").get() as Row;
      const newest = raw.prepare("SELECT MAX(change_seq) AS n FROM search_docs").get() as Row;
      assert.equal(Number(seq.value), newest.n);
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
