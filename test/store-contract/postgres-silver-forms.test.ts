// Issue 20, thirteenth part, on PostgreSQL: Silver rows in short forms (migration 18, postgres-silver-forms.ts):
// the id as 16 bytes, the kind as a code, the Bronze id, the model, the text hash and every chunk's prefix but the
// title chunk's NULL when the WP's search row, the index's model, its texts and its title chunk hold them; no index
// on Silver ids (the embedding queue finds its rows by WP). Every row reads back as written (the chunks search-document.ts cuts
// from the WP's snapshot), vectors and hybrid searches are the same after `locus compact` and from a process
// started after it, a new model queues every row under its `slv_` id, a write that moves the WP's Bronze id
// leaves the chunks theirs, and a store set back before migration 18 (the table of migration 3, every value
// whole) migrates, twice, with every row, vector and search answer as before. The PostgreSQL twin of
// silver-short-forms.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { dayWpId, indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { textToEmbed } from "../../src/search/chunking.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { searchDocumentOf } from "../../src/search/search-document.js";
import { hashFromColumn } from "../../src/store/event-rows.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/postgres-schema.js";
import {
  SILVER_FORMS_MIGRATION,
  silverRowsAsWritten,
} from "../../src/store/postgres/postgres-silver-forms.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { searchView } from "../search/search-support.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });
const WORKSPACE = "silver";
/** Migration 18 wherever it stands in the list (other migrations are added beside it). */
const VERSION = POSTGRES_MIGRATIONS.indexOf(SILVER_FORMS_MIGRATION) + 1;

/** A store after a standard day on 120 WPs, indexed with the hash provider, and a client on its database. */
async function indexedDay() {
  const url = await withPostgres();
  const open = () => PostgresStore.open(`${url}?workspace=${WORKSPACE}`);
  const store = await open();
  const engine = new LocusEngine(store, {
    config: CONFIG,
    clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
  });
  await runStandardDay(engine, 0, 120);
  await indexDay(store, new HashEmbeddingProvider(512));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows = async (sql: string, values: unknown[] = []) =>
    (await client.query(sql, [WORKSPACE, ...values])).rows as Row[];
  return { store, open, client, rows };
}

/** Every Silver row as written (silverRowsAsWritten), each checked against the chunk its WP's snapshot gives. */
async function writtenRows(store: PostgresStore, rows: (sql: string) => Promise<Row[]>): Promise<Row[]> {
  const written = await silverRowsAsWritten(rows);
  const snapshots = await store.transaction((tx) => tx.bronzeSnapshots());
  for (const row of written) {
    const snapshot = snapshots.find((s) => s.bronze_id === row.bronze_id);
    assert.ok(snapshot !== undefined && snapshot.wp_id === row.wp_id, `${row.silver_id}: its WP's snapshot`);
    const chunk = searchDocumentOf(snapshot.snapshot, snapshot.bronze_id).chunks.find(
      (c) => c.kind === row.kind && c.ordinal === row.ordinal,
    );
    assert.ok(chunk, `${row.silver_id}: a chunk of its snapshot`);
    for (const key of ["contextual_prefix", "content", "text_hash"] as const)
      assert.equal(row[key], chunk[key], `${row.silver_id}: ${key}`);
    assert.match(String(row.silver_id), /^slv_[0-9A-Z]{26}$/);
  }
  return written;
}

/** The stored forms, counted: rows, and how many hold each short form. */
async function storedForms(rows: (sql: string) => Promise<Row[]>): Promise<Row> {
  const found = await rows(
    `SELECT COUNT(*)::int AS rows, COUNT(*) FILTER (WHERE octet_length(silver_id) = 16)::int AS ids,
       COUNT(*) FILTER (WHERE kind IN (1, 2, 3))::int AS kinds, COUNT(*) FILTER (WHERE bronze_id IS NULL)::int AS bronze,
       COUNT(*) FILTER (WHERE model IS NULL AND embedding IS NOT NULL)::int AS models,
       COUNT(*) FILTER (WHERE text_hash IS NULL)::int AS hashes,
       COUNT(*) FILTER (WHERE kind = 1 AND ordinal = 0 AND contextual_prefix IS NOT NULL
         OR NOT (kind = 1 AND ordinal = 0) AND contextual_prefix IS NULL)::int AS prefixes
     FROM search_silver WHERE workspace_id = $1`,
  );
  return found[0] as Row;
}

/** Asserts every row holds every short form. */
async function assertShort(rows: (sql: string) => Promise<Row[]>, label: string): Promise<void> {
  const forms = await storedForms(rows);
  assert.ok(Number(forms.rows) >= 240, `${label}: two chunks a WP`);
  for (const key of ["ids", "kinds", "bronze", "models", "hashes", "prefixes"])
    assert.equal(forms[key], forms.rows, `${label}: ${key}`);
}

describe("short forms of Silver rows (issue 20, thirteenth part, PostgreSQL)", {
  skip: postgresSkipReason(),
}, () => {
  it("rows are short, read back as written, and vectors and searches are the same after compact", async () => {
    const day = await indexedDay();
    let store = day.store;
    try {
      await assertShort(day.rows, "written by jobs");
      const indexes = (
        await day.client.query("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_silver'")
      ).rows as Row[];
      assert.deepEqual(
        indexes.filter((index) => /silver_id/.test(String(index.indexdef))),
        [],
        "no index on Silver ids",
      );
      const before = { rows: await writtenRows(store, day.rows), search: await searchView(store, CONFIG) };
      await compactStore(store);
      await store.close();
      store = await day.open(); // a process started after compact: no vector cached
      await assertShort(day.rows, "after compact");
      assert.deepEqual(await writtenRows(store, day.rows), before.rows);
      assert.deepEqual(await searchView(store, CONFIG), before.search);
    } finally {
      await day.client.end();
      await store.close();
    }
  });

  it("a new model queues every row under its id with its text, and stores their embeddings", async () => {
    const { store, client, rows } = await indexedDay();
    try {
      const written = await writtenRows(store, rows);
      const queue = await store.transaction(async (tx) => {
        await tx.search?.useModel("another-model");
        return tx.search?.pendingChunks(10_000);
      });
      const queued = (queue ?? [])
        .map((chunk) => ({ ...chunk }))
        .sort((a, b) => a.silver_id.localeCompare(b.silver_id));
      const expected = written
        .map((row) => ({
          silver_id: row.silver_id,
          wp_id: row.wp_id,
          text: textToEmbed(row as unknown as Parameters<typeof textToEmbed>[0]),
        }))
        .sort((a, b) => String(a.silver_id).localeCompare(String(b.silver_id)));
      assert.deepEqual(queued, expected);
      const stored = await store.transaction(async (tx) =>
        tx.search?.putEmbeddings(
          "another-model",
          queued.map((chunk) => ({
            silver_id: chunk.silver_id,
            wp_id: chunk.wp_id,
            vector: new Float32Array(512).fill(0.5),
          })),
        ),
      );
      assert.equal(stored, queued.length);
      assert.equal((await store.transaction(async (tx) => tx.search?.state()))?.pending, 0);
      const changes = await store.transaction(async (tx) =>
        tx.search?.vectorChanges(0, "another-model", 10_000),
      );
      assert.deepEqual(
        changes?.vectors.map((v) => v.silver_id).sort(),
        queued.map((chunk) => chunk.silver_id),
      );
      await assertShort(rows, "embedded with the new model");
      assert.ok((await silverRowsAsWritten(rows)).every((row) => row.model === "another-model"));
    } finally {
      await client.end();
      await store.close();
    }
  });

  it("a write that moves a WP's Bronze id without rewriting its chunks leaves them the id they were made from", async () => {
    const { store, client, rows } = await indexedDay();
    try {
      for (const [i, many] of [
        [3, false],
        [4, true],
      ] as const) {
        const wpId = dayWpId(i);
        const chunks = async () => (await silverRowsAsWritten(rows)).filter((row) => row.wp_id === wpId);
        const before = await chunks();
        assert.ok(before.length > 0);
        const docs = (
          await rows("SELECT * FROM search_docs WHERE workspace_id = $1 AND wp_id = $2", [wpId])
        )[0] as Row;
        const fields = await store.transaction(async (tx) => tx.search?.documentTexts([wpId]));
        // The same Silver (its hash as stored), another keyword text and a newer snapshot: only search_docs moves.
        const doc = {
          wp_id: wpId,
          bronze_id: "brz_01KZZZZZZZZZZZZZZZZZZZZZZZ",
          keyword: { ...(fields?.get(wpId) ?? { title: "", description: "", packet: "" }), packet: "more" },
          keyword_hash: "0".repeat(64),
          chunks: [],
          silver_hash: hashFromColumn(docs.silver_hash), // bytes since migration 22
        };
        await store.transaction(async (tx) =>
          many
            ? tx.search?.indexDocuments?.([doc], () => "slv_unused")
            : tx.search?.indexDocument(doc, () => "slv_unused"),
        );
        const moved = await rows("SELECT bronze_id FROM search_docs WHERE workspace_id = $1 AND wp_id = $2", [
          wpId,
        ]);
        assert.equal(moved[0]?.bronze_id, doc.bronze_id, "search_docs took the new id");
        assert.deepEqual(await chunks(), before, many ? "indexDocuments" : "indexDocument");
        assert.ok(before.every((row) => row.bronze_id === docs.bronze_id));
      }
    } finally {
      await client.end();
      await store.close();
    }
  });

  it("a store set back before migration 18 (every value whole) migrates to the short forms, and again", async () => {
    const day = await indexedDay();
    let store: PostgresStore | undefined = day.store;
    try {
      await compactStore(store);
      const written = await writtenRows(store, day.rows);
      const search = await searchView(store, CONFIG);
      await store.close();
      store = undefined;
      // The table of migration 3: ids and kinds as text with the id key, every value stored whole.
      await day.client.query(`DROP TABLE search_silver;
        CREATE TABLE search_silver (workspace_id TEXT COLLATE "C" NOT NULL, silver_id TEXT COLLATE "C" NOT NULL,
          wp_id TEXT COLLATE "C" NOT NULL, bronze_id TEXT NOT NULL, kind TEXT COLLATE "C" NOT NULL,
          ordinal INTEGER NOT NULL, contextual_prefix TEXT NOT NULL, content TEXT NOT NULL, text_hash TEXT NOT NULL,
          model TEXT, embedding BYTEA, PRIMARY KEY (workspace_id, silver_id));
        CREATE INDEX search_silver_by_wp ON search_silver (workspace_id, wp_id, kind, ordinal);
        CREATE INDEX search_silver_pending ON search_silver (workspace_id, wp_id) WHERE embedding IS NULL;`);
      const columns = ["silver_id", "wp_id", "bronze_id", "kind", "ordinal", "contextual_prefix", "content"];
      for (const row of written)
        await day.rows(
          `INSERT INTO search_silver VALUES ($1, ${[...columns, "text_hash", "model", "embedding"].map((_, i) => `$${i + 2}`).join(", ")})`,
          [...columns.map((key) => row[key]), row.text_hash, row.model, row.embedding],
        );
      const types = async () =>
        (
          await day.client.query(
            `SELECT string_agg(atttypid::regtype::text, ' ' ORDER BY attname) AS types FROM pg_attribute
             WHERE attrelid = 'search_silver'::regclass AND attname IN ('silver_id', 'kind')`,
          )
        ).rows[0]?.types;
      assert.equal(await types(), "text text", "ids and kinds as text before the migration");
      for (let run = 0; run < 2; run++) {
        await day.client.query("DELETE FROM locus_schema_version WHERE version >= $1", [VERSION]);
        store = await day.open();
        await assertShort(day.rows, `run ${run}`);
        assert.equal(await types(), "smallint bytea", `run ${run}: kinds and ids as codes and bytes`);
        assert.deepEqual(await writtenRows(store, day.rows), written, `run ${run}: every row as written`);
        assert.deepEqual(await searchView(store, CONFIG), search, `run ${run}: vectors and searches`);
        await store.close();
        store = undefined;
      }
    } finally {
      await day.client.end();
      await store?.close();
    }
  });
});
