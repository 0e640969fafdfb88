import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Database from "better-sqlite3";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

// Opening an up-to-date SQLite store only reads its schema version: a command started while another process
// holds a long write transaction opens at once, and its job then waits for the lock like any job (every job,
// reads included, appends Flight Recorder events).
test("opening an up-to-date store takes no write lock: it opens while another writer holds one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "locus-open-"));
  const path = join(dir, "locus.db");
  try {
    const first = new LocusEngine(SqliteStore.open(path));
    const created = await first.run("create_wp", { wp_id: "WP-open", title: "Committed before the lock" });
    assert.equal(created.success, true);
    await first.close();

    const writer = new Database(path);
    writer.exec("BEGIN IMMEDIATE");
    let reader: LocusEngine;
    try {
      // A short busy timeout: waiting for the writer would fail this open with HSK-500-STORAGE.
      reader = new LocusEngine(SqliteStore.open(path, { busyTimeoutMs: 300 }));
    } finally {
      writer.exec("ROLLBACK");
      writer.close();
    }
    const status = await reader.run("get_wp_status", { wp_id: "WP-open" });
    assert.equal(status.success, true, JSON.stringify(status));
    await reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
