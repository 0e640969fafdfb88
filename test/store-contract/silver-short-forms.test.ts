// Issue 20, SQLite margin: maintenance stores a packed Silver row's id as 16 bytes, its kind as a code, and its
// Bronze id, model and text hash empty when its WP's search_docs row, the index's model and its texts hold them
// (sqlite-silver-forms.ts), and search_silver has no index on its ids (migration 13). Every row reads back as
// written, the vectors and search answer as before packing, the embedding queue of a new model fills the packed
// rows, a write that moves the WP's Bronze id leaves the chunks their own, and a file of schema 12 is migrated
// (twice: the migration reruns) to the same rows.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { dayWpId, indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { silverTexts } from "../../src/store/sqlite/sqlite-silver.js";
import { silverIdFromColumn, silverRowAsWritten } from "../../src/store/sqlite/sqlite-silver-forms.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { packText } from "../../src/store/stored-json.js";
import { searchView } from "../search/search-support.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });

/** A store after a standard day on 160 WPs (the first ~150 cold), indexed with the hash provider. */
async function indexedDay() {
  const dir = mkdtempSync(join(tmpdir(), "locus-silver-forms-"));
  const path = join(dir, "locus.db");
  const store = SqliteStore.open(path);
  const engine = new LocusEngine(store, {
    config: CONFIG,
    clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
  });
  await runStandardDay(engine, 0, 160);
  await indexDay(store, new HashEmbeddingProvider(512));
  return { dir, path, store };
}

/** Every Silver row as written, by Silver id. */
function writtenRows(store: SqliteStore): Row[] {
  const db = store.rawConnectionForTests();
  const model = (db.prepare("SELECT value FROM search_meta WHERE key = 'model'").get() as Row)
    .value as string;
  const rows = db
    .prepare("SELECT s.*, d.bronze_id AS docs_bronze FROM search_silver s JOIN search_docs d USING (wp_id)")
    .all() as Row[];
  return rows
    .map(({ docs_bronze, ...row }) => silverRowAsWritten(row, { model, bronzeId: docs_bronze }, silverTexts))
    .sort((a, b) => String(a.silver_id).localeCompare(String(b.silver_id)));
}

/** The stored forms of the packed rows, counted. */
function packedForms(store: SqliteStore): Row {
  return store
    .rawConnectionForTests()
    .prepare(
      `SELECT COUNT(*) AS packed, SUM(typeof(silver_id) = 'blob' AND length(silver_id) = 16) AS ids,
         SUM(typeof(kind) = 'blob' AND length(kind) = 1) AS kinds, SUM(bronze_id = X'') AS bronze, SUM(model = X'') AS models,
         SUM(text_hash = X'') AS hashes FROM search_silver WHERE typeof(content) = 'blob'`,
    )
    .get() as Row;
}

describe("short forms of packed Silver rows (issue 20, SQLite margin)", () => {
  it("packed rows keep only what the store does not know elsewhere, and read back and search as before", async () => {
    let { dir, path, store } = await indexedDay();
    try {
      const before = { rows: writtenRows(store), search: await searchView(store, CONFIG) };
      await compactStore(store);
      const forms = packedForms(store);
      assert.ok(Number(forms.packed) >= 256, "the cold WPs' chunks are packed");
      for (const key of ["ids", "kinds", "bronze", "models", "hashes"])
        assert.equal(forms[key], forms.packed, key);
      const indexes = store
        .rawConnectionForTests()
        .prepare("SELECT name, sql FROM sqlite_schema WHERE tbl_name = 'search_silver' AND type = 'index'")
        .all() as Row[];
      assert.ok(!indexes.some((index) => index.sql === null), "no key index on Silver ids");
      assert.deepEqual(writtenRows(store), before.rows);
      await store.close();
      store = SqliteStore.open(path); // a process that starts after packing: no vector cached
      assert.deepEqual(await searchView(store, CONFIG), before.search);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a new model queues the packed rows under their ids, and their embeddings are stored", async () => {
    const { dir, store } = await indexedDay();
    try {
      await compactStore(store);
      const queue = await store.transaction(async (tx) => {
        await tx.search?.useModel("another-model");
        return tx.search?.pendingChunks(10_000);
      });
      assert.equal(queue?.length, writtenRows(store).length);
      assert.ok(queue?.every((chunk) => /^slv_[0-9A-Z]{26}$/.test(chunk.silver_id)));
      const stored = await store.transaction(async (tx) =>
        tx.search?.putEmbeddings(
          "another-model",
          (queue ?? []).map((chunk) => ({
            silver_id: chunk.silver_id,
            wp_id: chunk.wp_id,
            vector: new Float32Array(512).fill(0.5),
          })),
        ),
      );
      assert.equal(stored, queue?.length);
      const state = await store.transaction(async (tx) => tx.search?.state());
      assert.equal(state?.pending, 0);
      const changes = await store.transaction(async (tx) =>
        tx.search?.vectorChanges(0, "another-model", 10_000),
      );
      assert.equal(changes?.vectors.length, queue?.length);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a write that moves a WP's Bronze id without rewriting its chunks leaves them the id they were made from", async () => {
    const { dir, store } = await indexedDay();
    try {
      await compactStore(store);
      const wpId = dayWpId(3);
      const chunks = () => writtenRows(store).filter((row) => row.wp_id === wpId);
      const before = chunks();
      assert.ok(before.length > 0);
      const db = store.rawConnectionForTests();
      const docs = db
        .prepare("SELECT bronze_id, silver_hash FROM search_docs WHERE wp_id = ?")
        .get(wpId) as Row;
      const fields = await store.transaction(async (tx) => tx.search?.documentTexts([wpId]));
      // The same Silver (its hash as stored), another keyword text and a newer snapshot: only search_docs moves.
      await store.transaction(async (tx) =>
        tx.search?.indexDocument(
          {
            wp_id: wpId,
            bronze_id: "brz_01KZZZZZZZZZZZZZZZZZZZZZZZ",
            keyword: { ...(fields?.get(wpId) ?? { title: "", description: "", packet: "" }), packet: "more" },
            keyword_hash: "0".repeat(64),
            chunks: [],
            silver_hash: Buffer.from(docs.silver_hash as Buffer).toString("hex"),
          },
          () => "slv_unused",
        ),
      );
      assert.deepEqual(chunks(), before);
      assert.ok(before.every((row) => row.bronze_id === docs.bronze_id));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a file of schema 12 (Silver ids keyed, packed rows whole) is migrated to the short forms, and again", async () => {
    let { dir, path, store } = await indexedDay();
    try {
      await compactStore(store);
      const written = writtenRows(store);
      const search = await searchView(store, CONFIG);
      // Back to schema 12: the table with its id key, each packed row in the fourth part's form (texts deflated,
      // the text hash as its 32 bytes, every other column as written).
      const db = store.rawConnectionForTests();
      const rows = (db.prepare("SELECT silver_id FROM search_silver ORDER BY rowid").all() as Row[]).map(
        (row) => ({
          packed: Buffer.isBuffer(row.silver_id),
          written: written.find((w) => w.silver_id === silverIdFromColumn(row.silver_id)) as Row,
        }),
      );
      db.exec(`DROP TABLE search_silver; CREATE TABLE search_silver (silver_id TEXT PRIMARY KEY, wp_id TEXT NOT NULL,
        bronze_id TEXT NOT NULL, kind TEXT NOT NULL, ordinal INTEGER NOT NULL, contextual_prefix TEXT NOT NULL,
        content TEXT NOT NULL, text_hash TEXT NOT NULL, model TEXT, embedding BLOB);
        CREATE INDEX search_silver_by_wp ON search_silver (wp_id, kind, ordinal);
        CREATE INDEX search_silver_pending ON search_silver (wp_id) WHERE embedding IS NULL;
        UPDATE meta SET value = '12' WHERE key = 'schema_version';`);
      const insert = db.prepare(
        `INSERT INTO search_silver VALUES (@silver_id, @wp_id, @bronze_id, @kind, @ordinal, @contextual_prefix,
           @content, @text_hash, @model, @embedding)`,
      );
      for (const { packed, written: row } of rows) {
        insert.run({
          ...row,
          contextual_prefix: packed ? "" : row.contextual_prefix,
          content: packed ? packText(JSON.stringify([row.contextual_prefix, row.content])) : row.content,
          text_hash: packed ? Buffer.from(row.text_hash as string, "hex") : row.text_hash,
        });
      }
      const packedBefore = rows.filter((row) => row.packed).length;
      assert.ok(packedBefore >= 256);
      assert.equal(packedForms(store).ids, 0, "schema 12's packed rows keep their ids as text");
      for (let run = 0; run < 2; run++) {
        await store.close();
        store = SqliteStore.open(path);
        const forms = packedForms(store);
        assert.equal(forms.packed, packedBefore);
        for (const key of ["ids", "kinds", "bronze", "models", "hashes"])
          assert.equal(forms[key], packedBefore, key);
        assert.deepEqual(writtenRows(store), written);
        assert.deepEqual(await searchView(store, CONFIG), search);
        store.rawConnectionForTests().exec("UPDATE meta SET value = '12' WHERE key = 'schema_version'");
      }
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
