// Issue 20, eighteenth part, on PostgreSQL: Gold without a second copy of its texts (migration 22,
// postgres-gold-forms.ts). A keyword row is its tsvector, computed from the texts its WP's Bronze snapshot gives,
// with its hashes as bytes and no text column; the texts search shows are read from Silver; search_titles follows
// the tsvector's title part (and is left alone when only the body changes); a rebuild from Silver gives the same
// rows; a store set back before migration 22 (texts, the generated tsvector, hex hashes, migration 8's trigger)
// migrates, twice, with every row, text and search answer as before.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import pg from "pg";
import { dayWpId, indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { readTaskPacketText } from "../../src/operations/search/index-on-write.js";
import { rebuildGold } from "../../src/operations/search/search-maintenance.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { searchDocumentOf } from "../../src/search/search-document.js";
import type { SearchDocument } from "../../src/search/search-index-port.js";
import { hashFromColumn } from "../../src/store/event-rows.js";
import { GOLD_FORMS_MIGRATION } from "../../src/store/postgres/postgres-gold-forms.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/postgres-schema.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { search, searchView } from "../search/search-support.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });
const WORKSPACE = "gold";
/** Migration 22 wherever it stands in the list (other migrations are added beside it). */
const VERSION = POSTGRES_MIGRATIONS.indexOf(GOLD_FORMS_MIGRATION) + 1;
/** Keyword queries: rare and common words (the latter ranked on titles), a phrase term, an id, a packet word. */
const QUERIES = [
  "parser cache",
  "the path",
  "sign-in",
  "wp-000007",
  "marmalade",
  "paragraph seven",
  "report",
];
const PACKET =
  "# Task Packet: WP-PKT\n\n**Status:** Ready\nWhat: tidy the pantry\n\nEvery marmalade jar is labelled.\n";
const LONG = Array.from(
  { length: 12 },
  (_, i) =>
    `Paragraph ${["one", "two", "three", "four", "five", "six", "seven"][i % 7]} ${"of the long description ".repeat(8)}`,
).join("\n\n");

/** Migration 3's generated tsvector, as it was written (what keywordTsvSql must compute). */
const generatedTsv = (title: string, description: string, packet: string, wpId: string): string =>
  `setweight(to_tsvector('locus_english'::regconfig, ${title}), 'A') ||
    setweight(to_tsvector('locus_english'::regconfig, coalesce(${description}, '')), 'B') ||
    setweight(to_tsvector('locus_english'::regconfig, coalesce(${packet}, '')), 'C') ||
    setweight(to_tsvector('locus_english'::regconfig, ${wpId}), 'D')`;

/** A store after a standard day on 40 WPs and a few unusual ones, indexed, and a client on its database. */
async function goldDay() {
  const url = await withPostgres();
  const root = realpathSync(mkdtempSync(join(tmpdir(), "locus-gold-")));
  mkdirSync(join(root, "docs", "task_packets"), { recursive: true });
  writeFileSync(join(root, "docs", "task_packets", "WP-PKT.md"), PACKET);
  const open = () => PostgresStore.open(`${url}?workspace=${WORKSPACE}`);
  const store = await open();
  const engine = (s: PostgresStore) =>
    new LocusEngine(s, {
      config: CONFIG,
      workspaceRoot: root,
      clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
    });
  const run = async (s: PostgresStore, operation: string, params: Record<string, unknown>) => {
    const result = await engine(s).run(operation, params);
    assert.ok(result.success, `${operation}: ${JSON.stringify(result.success ? "" : result.error)}`);
  };
  await runStandardDay(engine(store), 0, 40);
  await run(store, "create_wp", {
    wp_id: "WP-PKT",
    title: "Kitchen",
    task_packet_path: "docs/task_packets/WP-PKT.md",
  });
  await run(store, "create_wp", { wp_id: "WP-LONG", title: "Long one", description: LONG });
  await run(store, "create_wp", {
    wp_id: "WP-PUNCT",
    title: "sign-in fails for wp-7 users",
    description: "",
  });
  await run(store, "create_wp", { wp_id: "WP-GONE", title: "parser cache gone" });
  await run(store, "delete_wp", { wp_id: "WP-GONE" });
  await indexDay(store, new HashEmbeddingProvider(512));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows = async (sql: string, values: unknown[] = []) =>
    (await client.query(sql, [WORKSPACE, ...values])).rows as Row[];
  const done = async () => {
    await client.end();
    rmSync(root, { recursive: true, force: true });
  };
  return { store, open, run, root, client, rows, done };
}

/** The search document of every live WP, from its latest Bronze snapshot (what its rows must come from). */
async function expectedDocs(store: PostgresStore, root: string): Promise<Map<string, SearchDocument>> {
  const snapshots = await store.transaction(async (tx) => tx.search?.latestSnapshots("", 10_000));
  const docs = new Map<string, SearchDocument>();
  for (const { bronze_id, snapshot } of snapshots ?? []) {
    if (snapshot.tombstone !== undefined) continue;
    const packet = readTaskPacketText(root, snapshot.governance.task_packet_path);
    docs.set(snapshot.wp_id, searchDocumentOf(snapshot, bronze_id, packet));
  }
  return docs;
}

/** search_docs and search_titles as read: hashes as text, tsvectors as text, by WP. */
async function goldRows(rows: (sql: string) => Promise<Row[]>) {
  const hash = (value: unknown) => (value == null ? null : hashFromColumn(value));
  const docs = await rows(
    `SELECT wp_id, bronze_id, keyword_hash, silver_hash, change_seq::text, tsv::text FROM search_docs
     WHERE workspace_id = $1 ORDER BY wp_id`,
  );
  const titles = await rows(
    "SELECT wp_id, title_tsv::text FROM search_titles WHERE workspace_id = $1 ORDER BY wp_id",
  );
  return {
    docs: docs.map(
      (r): Row => ({ ...r, keyword_hash: hash(r.keyword_hash), silver_hash: hash(r.silver_hash) }),
    ),
    titles,
  };
}

/** What search gives: the texts of every WP, keyword answers with scores and snippets, vectors and hybrid answers. */
async function searchAnswers(store: PostgresStore) {
  const ids = [...(await store.loadState()).wps.keys()].sort();
  const texts = await store.transaction(async (tx) => tx.search?.documentTexts(ids));
  const engine = new LocusEngine(store, { config: CONFIG });
  const keyword = [];
  for (const query of QUERIES)
    keyword.push(
      (await search(engine, query, { mode: "keyword", limit: 10 })).map((r) => [r.wp_id, r.score, r.snippet]),
    );
  return { texts: [...(texts ?? new Map())].sort(), keyword, view: await searchView(store, CONFIG) };
}

describe("Gold without its texts (issue 20, eighteenth part, PostgreSQL)", {
  skip: postgresSkipReason(),
}, () => {
  it("a keyword row is the tsvector of its snapshot's texts with hashes as bytes; titles follow; a rebuild gives the same", async () => {
    const day = await goldDay();
    try {
      const columns = await day.client.query(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'search_docs'::regclass AND attnum > 0 AND NOT attisdropped",
      );
      assert.deepEqual(columns.rows.map((r) => r.attname).sort(), [
        "bronze_id",
        "change_seq",
        "keyword_hash",
        "silver_hash",
        "tsv",
        "workspace_id",
        "wp_id",
      ]);
      const expected = await expectedDocs(day.store, day.root);
      assert.equal(expected.size, 43);
      assert.ok((expected.get("WP-LONG")?.chunks.length ?? 0) > 3, "a description of several chunks");
      assert.match(expected.get("WP-PKT")?.keyword.packet ?? "", /marmalade/);
      for (const [wpId, doc] of expected) {
        const { title, description, packet } = doc.keyword;
        const found = await day.rows(
          `SELECT tsv = ${generatedTsv("$3::text", "$4::text", "$5::text", "$2")} AS same_tsv, keyword_hash,
             silver_hash, octet_length(keyword_hash) AS k, octet_length(silver_hash) AS s,
             (SELECT title_tsv = to_tsvector('locus_english', $3) FROM search_titles t
              WHERE t.workspace_id = $1 AND t.wp_id = $2) AS same_title
           FROM search_docs WHERE workspace_id = $1 AND wp_id = $2`,
          [wpId, title, description, packet],
        );
        const row = found[0] as Row;
        assert.equal(row.same_tsv, true, `${wpId}: the tsvector of its texts`);
        assert.equal(row.same_title, true, `${wpId}: its titles' tsvector`);
        assert.deepEqual([row.k, row.s], [32, 32], `${wpId}: hashes as 32 bytes`);
        assert.equal(hashFromColumn(row.keyword_hash), doc.keyword_hash, `${wpId}: keyword hash`);
        assert.equal(hashFromColumn(row.silver_hash), doc.silver_hash, `${wpId}: Silver hash`);
      }
      const gone = await day.rows(
        `SELECT tsv, keyword_hash, (SELECT COUNT(*)::int FROM search_titles t WHERE t.workspace_id = $1
           AND t.wp_id = d.wp_id) AS titles FROM search_docs d WHERE workspace_id = $1 AND wp_id = 'WP-GONE'`,
      );
      assert.deepEqual(gone, [{ tsv: null, keyword_hash: null, titles: 0 }], "a deleted WP is not indexed");
      const texts = await day.store.transaction(async (tx) =>
        tx.search?.documentTexts([...expected.keys(), "WP-GONE"]),
      );
      assert.deepEqual(
        [...(texts ?? [])].sort(),
        [...expected].map(([wpId, doc]) => [wpId, doc.keyword]).sort(),
        "the texts search shows",
      );

      // A write of the body only leaves the titles' row alone; a new title rewrites it.
      const titleRow = async () =>
        (
          await day.rows(
            "SELECT xmin::text AS x, title_tsv::text AS t FROM search_titles WHERE workspace_id = $1 AND wp_id = $2",
            [dayWpId(3)],
          )
        )[0];
      const before = await titleRow();
      await day.run(day.store, "update_wp", {
        wp_id: dayWpId(3),
        updates: { description: "a zeppelin note" },
      });
      assert.deepEqual(await titleRow(), before, "the body changed, not the title");
      await day.run(day.store, "update_wp", { wp_id: dayWpId(3), updates: { title: "zeppelin hangar" } });
      assert.notEqual((await titleRow())?.x, before?.x);
      const engine = new LocusEngine(day.store, { config: CONFIG });
      assert.deepEqual(
        (await search(engine, "zeppelin hangar", { mode: "keyword" })).map((r) => r.wp_id),
        [dayWpId(3)],
      );

      // Gold from Silver: the rebuild writes every row as the jobs did.
      const written = await goldRows(day.rows);
      assert.equal(await rebuildGold(day.store), 43);
      assert.deepEqual(await goldRows(day.rows), written);
    } finally {
      await day.done();
      await day.store.close();
    }
  });

  it("a store set back before migration 22 (texts, generated tsvector, hex hashes) migrates and searches the same, twice", async () => {
    const day = await goldDay();
    let store: PostgresStore | undefined = day.store;
    try {
      await compactStore(store);
      const expected = await expectedDocs(store, day.root);
      const written = await goldRows(day.rows);
      const answers = await searchAnswers(store);
      await store.close();
      store = undefined;
      // Migration 3's table, written as jobs wrote it before: texts, a generated tsvector, hashes as hex text. Two
      // hashes in other forms (32 characters of text, a short one) must read back as they were.
      await day.client.query(`DROP TABLE search_docs;
        CREATE TABLE search_docs (workspace_id TEXT COLLATE "C" NOT NULL, wp_id TEXT COLLATE "C" NOT NULL,
          bronze_id TEXT, keyword_hash TEXT, silver_hash TEXT, change_seq BIGINT NOT NULL, title TEXT,
          description TEXT, packet TEXT,
          tsv TSVECTOR GENERATED ALWAYS AS (CASE WHEN title IS NULL THEN NULL ELSE
            ${generatedTsv("title", "description", "packet", "wp_id")} END) STORED,
          PRIMARY KEY (workspace_id, wp_id));
        CREATE INDEX search_docs_by_change ON search_docs (workspace_id, change_seq);
        CREATE INDEX search_docs_keyword ON search_docs USING GIN (tsv);`);
      const odd = new Map([
        [dayWpId(5), "k".repeat(32)],
        [dayWpId(6), "legacy"],
      ]);
      for (const row of written.docs) {
        const keyword = expected.get(row.wp_id as string)?.keyword;
        await day.rows(
          `INSERT INTO search_docs (workspace_id, wp_id, bronze_id, keyword_hash, silver_hash, change_seq, title,
             description, packet) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            row.wp_id,
            row.bronze_id,
            odd.get(row.wp_id as string) ?? row.keyword_hash,
            row.silver_hash,
            row.change_seq,
            keyword?.title ?? null,
            keyword?.description ?? null,
            keyword?.packet ?? null,
          ],
        );
      }
      await day.client.query(POSTGRES_MIGRATIONS[7] as string); // migration 8: its trigger on titles
      const asWritten = written.docs.map((row) => ({
        ...row,
        keyword_hash: odd.get(row.wp_id as string) ?? row.keyword_hash,
      }));
      assert.deepEqual((await goldRows(day.rows)).docs, asWritten, "the set-back table holds the same");
      for (const run of [1, 2]) {
        // The second run also meets migration 8 run again on the new table (as a store set back before it does):
        // it leaves the titles as they are, and this migration puts its own trigger back.
        if (run === 2) await day.client.query(POSTGRES_MIGRATIONS[7] as string);
        await day.client.query("DELETE FROM locus_schema_version WHERE version >= $1", [VERSION]);
        store = await day.open();
        const label = `run ${run}`;
        assert.deepEqual(await goldRows(day.rows), { docs: asWritten, titles: written.titles }, label);
        assert.deepEqual(await searchAnswers(store), answers, `${label}: texts and answers`);
        await store.close();
        store = undefined;
      }
      // Jobs after the migration: the row with the short hash is rewritten whole, titles follow.
      store = await day.open();
      await day.run(store, "update_wp", { wp_id: dayWpId(6), updates: { title: "zeppelin hangar" } });
      const engine = new LocusEngine(store, { config: CONFIG });
      assert.deepEqual(
        (await search(engine, "zeppelin", { mode: "keyword" })).map((r) => r.wp_id),
        [dayWpId(6)],
      );
      const row = (await goldRows(day.rows)).docs.find((r) => r.wp_id === dayWpId(6));
      assert.equal(row?.keyword_hash, (await expectedDocs(store, day.root)).get(dayWpId(6))?.keyword_hash);
    } finally {
      await day.done();
      await store?.close();
    }
  });
});
