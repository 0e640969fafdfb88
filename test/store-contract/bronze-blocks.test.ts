// Issue 20, third part: on SQLite, cold Bronze rows are packed in blocks of 128 rowids by maintenance
// (compactStore), never by a job. Every snapshot reads back byte for byte, matching its content hash, rows of
// every stored form (whole docs written before issue 20, rows that inherit from the one before), Silver
// regenerated from packed Bronze is the Silver indexed before, and a dropped block fails loudly instead of
// reading as something else. PostgreSQL packs Bronze since the tenth part: postgres-bronze-blocks.test.ts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { rebuildSilver } from "../../src/operations/search/search-maintenance.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { BRONZE_BLOCK, SHORT_CONTENT_HASH } from "../../src/store/bronze-blocks.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { packBlockText, unpackText } from "../../src/store/stored-json.js";
import { assertLogSound } from "../support/log-sound.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });

/** A SQLite store in a fresh folder after a standard day on `wps` WPs, indexed, with its raw connection. */
async function dayStore(wps: number) {
  const dir = mkdtempSync(join(tmpdir(), "locus-bronze-blocks-"));
  const store = SqliteStore.open(join(dir, "locus.db"));
  const engine = new LocusEngine(store, {
    config: CONFIG,
    clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
  });
  await runStandardDay(engine, 0, wps);
  await indexDay(store, new HashEmbeddingProvider(512));
  const db = store.rawConnectionForTests();
  return {
    dir,
    store,
    db,
    blocks: () =>
      (db.prepare("SELECT first_rowid FROM bronze_blocks ORDER BY first_rowid").all() as Row[]).map((r) =>
        Number(r.first_rowid),
      ),
    packedRows: () =>
      Number((db.prepare("SELECT count(*) AS n FROM bronze WHERE length(doc) = 0").get() as Row).n),
    snapshots: () => store.transaction((tx) => tx.bronzeSnapshots()),
    silver: () =>
      db
        .prepare(
          "SELECT wp_id, kind, ordinal, contextual_prefix, content, text_hash FROM search_silver ORDER BY wp_id, kind, ordinal",
        )
        .all(),
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("cold Bronze rows packed in blocks (issue 20, third part, SQLite)", () => {
  it("no job packs; compaction packs blocks 128 rows behind the last; every snapshot reads back byte for byte", async () => {
    const s = await dayStore(60); // 5 snapshots a WP: 300 rows, block 1 cold (its last row + 128 <= 300)
    try {
      assert.deepEqual(s.blocks(), [], "no job packs");
      const before = await s.snapshots();
      await compactStore(s.store);
      assert.deepEqual(s.blocks(), [1]);
      assert.equal(s.packedRows(), BRONZE_BLOCK);
      const after = await s.snapshots();
      assert.equal(JSON.stringify(after), JSON.stringify(before));
      for (const snapshot of after) assert.equal(snapshot.content_hash, canonicalSha256(snapshot.snapshot));
      const wp = before[3]?.wp_id as string;
      assert.equal(
        JSON.stringify(await s.store.transaction((tx) => tx.bronzeSnapshots(wp))),
        JSON.stringify(before.filter((b) => b.wp_id === wp)),
      );
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });

  it("Silver regenerated from packed Bronze is the Silver indexed before", async () => {
    const s = await dayStore(60);
    try {
      const silver = s.silver();
      await compactStore(s.store);
      await rebuildSilver(s.store, { workspaceRoot: s.dir });
      assert.deepEqual(s.silver(), silver);
    } finally {
      await s.close();
    }
  });

  it("rows of the old form (whole docs as text) are packed and read back as they were", async () => {
    const s = await dayStore(60);
    try {
      const before = await s.snapshots();
      const legacy = s.db.prepare("UPDATE bronze SET doc = ? WHERE bronze_id = ?");
      for (const b of before.slice(0, 40)) legacy.run(JSON.stringify(b), b.bronze_id);
      assert.equal(JSON.stringify(await s.snapshots()), JSON.stringify(before));
      await compactStore(s.store);
      assert.equal(s.packedRows(), BRONZE_BLOCK);
      assert.equal(JSON.stringify(await s.snapshots()), JSON.stringify(before));
    } finally {
      await s.close();
    }
  });

  it("superseded packed rows leave their ids to the block; the latest keeps its own, which a new write links to", async () => {
    const s = await dayStore(60);
    try {
      const before = await s.snapshots();
      await compactStore(s.store);
      const ids = s.db
        .prepare("SELECT rowid, wp_id, version, bronze_id FROM bronze WHERE rowid <= ?")
        .all(BRONZE_BLOCK) as Row[];
      const latest = new Map(before.map((b) => [b.wp_id, b.version])); // by version order: the last one stays
      for (const row of ids) {
        const superseded = Number(row.version) < (latest.get(row.wp_id as string) ?? 0);
        assert.equal(row.bronze_id === null, superseded, `rowid ${row.rowid} (${row.wp_id} v${row.version})`);
      }
      assert.ok(ids.filter((row) => row.bronze_id === null).length >= 100);
      assert.equal(JSON.stringify(await s.snapshots()), JSON.stringify(before));
      const wp = before[0]?.wp_id as string; // its five snapshots are all in block 1
      const last = before.filter((b) => b.wp_id === wp).at(-1);
      const engine = new LocusEngine(s.store, { config: CONFIG });
      const done = await engine.run("update_wp", { wp_id: wp, updates: { priority: 3 } });
      assert.equal(done.success, true);
      const written = (await s.store.transaction((tx) => tx.bronzeSnapshots(wp))).at(-1);
      assert.equal(written?.previous_bronze_id, last?.bronze_id);
      await assertLogSound(s.store);
    } finally {
      await s.close();
    }
  });

  it("a block keeps 8 digits of each content hash; a snapshot edited in it reads with a hash it does not have", async () => {
    const s = await dayStore(60);
    try {
      const before = await s.snapshots();
      await compactStore(s.store);
      const body = (s.db.prepare("SELECT body FROM bronze_blocks WHERE first_rowid = 1").get() as Row).body;
      const slots = JSON.parse(unpackText(body)) as ([string, string, ...unknown[]] | null)[];
      assert.ok(slots.every((slot) => slot === null || slot[1].length === SHORT_CONTENT_HASH));
      assert.equal(
        JSON.stringify(await s.snapshots()),
        JSON.stringify(before),
        "read back with whole hashes",
      );
      // A note's text edited in the block: the snapshot still reads, with a content hash its content does not have.
      const slot = slots.find((x) => x?.[0].includes("Looked at")) as [string, string];
      slot[0] = slot[0].replace("Looked at", "Looked past");
      s.db
        .prepare("UPDATE bronze_blocks SET body = ? WHERE first_rowid = 1")
        .run(packBlockText(JSON.stringify(slots)));
      const edited = (await s.snapshots()).filter((b) => b.content_hash !== canonicalSha256(b.snapshot));
      assert.ok(edited.length >= 1, "the edit shows");
      for (const b of edited) assert.ok(b.content_hash.endsWith("0".repeat(64 - SHORT_CONTENT_HASH)));
    } finally {
      await s.close();
    }
  });

  it("a block dropped or edited outside Locus fails the read instead of reading as another snapshot", async () => {
    const s = await dayStore(60);
    try {
      await compactStore(s.store);
      s.db.prepare("UPDATE bronze_blocks SET body = X'00' WHERE first_rowid = 1").run();
      await assert.rejects(s.snapshots());
      s.db.prepare("DELETE FROM bronze_blocks WHERE first_rowid = 1").run();
      await assert.rejects(s.snapshots());
    } finally {
      await s.close();
    }
  });
});
