// Issue 20, fourth part: on SQLite, maintenance deflates the documents of cold WPs (128 at a time, those no event
// of the last 128 is about), never a job. Every WP reads back as it was through every reader (one WP, several, a
// ready page, the whole state, the board's listing), replay equals live, a job that writes a packed WP stores its
// document as text again with the board's token in its own column, and a file of the schema before (the token
// read from the document by wp_board_view) is migrated with its tokens.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { dayWpId, indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { replayCheck } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { silverTexts } from "../../src/store/sqlite/sqlite-silver.js";
import { kindSql, silverRowAsWritten } from "../../src/store/sqlite/sqlite-silver-forms.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { WP_DOC_BATCH } from "../../src/store/sqlite/sqlite-wp-docs.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });

/** A SQLite store after a standard day on 160 WPs (the first ~150 cold), indexed with the hash provider. */
async function indexedDay() {
  const dir = mkdtempSync(join(tmpdir(), "locus-wp-docs-"));
  const store = SqliteStore.open(join(dir, "locus.db"));
  const engine = new LocusEngine(store, {
    config: CONFIG,
    clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
  });
  await runStandardDay(engine, 0, 160);
  await indexDay(store, new HashEmbeddingProvider(512));
  return { dir, store, engine };
}

/** Everything a reader of WPs sees: each WP alone, all at once, a ready page, the state, the board's listing. */
async function everyRead(store: LocusStore, wpIds: readonly string[]) {
  return store.transaction(async (tx) => ({
    one: await Promise.all(wpIds.map((id) => tx.getWp(id))),
    many: (await tx.getWps(wpIds)).sort((a, b) => a.wp_id.localeCompare(b.wp_id)),
    page: await tx.queryWps({
      statuses: ["ready"],
      readiness: "any",
      include_deleted: false,
      sort: "priority",
      now_ms: Date.parse("2026-01-02T00:00:00.000Z"),
      offset: 0,
      limit: 50,
    }),
    board: await tx.listBoardWps(),
    state: await store.loadState(),
  }));
}

describe("cold WP documents deflated by maintenance (issue 20, fourth part, SQLite)", () => {
  it("reads back every WP as it was, packed or not; a job writes a packed WP as text again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-wp-docs-"));
    const store = SqliteStore.open(join(dir, "locus.db"));
    try {
      const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
      await runStandardDay(engine, 0, 160); // the first ~150 WPs are 128 events behind the head
      const db = store.rawConnectionForTests();
      const packedIds = () =>
        (
          db
            .prepare("SELECT wp_id FROM work_packets WHERE typeof(doc) = 'blob' ORDER BY wp_id")
            .all() as Row[]
        ).map((row) => row.wp_id as string);
      const wpIds = Array.from({ length: 160 }, (_, i) => dayWpId(i));
      const before = await everyRead(store, wpIds);
      assert.deepEqual(packedIds(), [], "no job packs");
      await compactStore(store);
      const packed = packedIds();
      assert.equal(packed.length, WP_DOC_BATCH, "one batch of 128 cold WPs");
      assert.ok(!packed.includes(dayWpId(159)), "the WPs written last stay as text");
      assert.deepEqual(await everyRead(store, wpIds), before);
      await assertLogSound(store);
      // A job on a packed WP: its document is text again, and the board's token follows the status.
      const target = packed[3] as string;
      await ok(engine, "update_wp", { wp_id: target, updates: { status: "blocked" } });
      const row = db
        .prepare("SELECT typeof(doc) AS form, board_token FROM work_packets WHERE wp_id = ?")
        .get(target) as Row;
      const wp = await store.transaction((tx) => tx.getWp(target));
      assert.equal(row.form, "text");
      assert.equal(row.board_token, wp?.governance.task_board_token);
      assert.equal(
        (await store.transaction((tx) => tx.listBoardWps())).find((entry) => entry.wp_id === target)
          ?.board_status,
        "BLOCKED",
      );
      assert.deepEqual((await replayCheck(store)).mismatches, []);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("packs the embedded Silver rows of those WPs: the same texts, vectors, keyword rebuild and queue", async () => {
    const { dir, store } = await indexedDay();
    try {
      const db = store.rawConnectionForTests();
      // Every column as written (issue 20, SQLite margin: packed rows keep short forms), in Silver id order.
      const model = (db.prepare("SELECT value FROM search_meta WHERE key = 'model'").get() as Row).value;
      const silver = () =>
        (
          db
            .prepare(
              "SELECT s.*, d.bronze_id AS docs_bronze FROM search_silver s JOIN search_docs d USING (wp_id)",
            )
            .all() as Row[]
        )
          .map(({ docs_bronze, ...row }): Row => {
            const context = { model: model as string, bronzeId: docs_bronze };
            return silverRowAsWritten(row, context, silverTexts);
          })
          .sort((a, b) => String(a.silver_id).localeCompare(String(b.silver_id)));
      const gold = () => db.prepare("SELECT rowid, * FROM search_fts ORDER BY rowid").all();
      const before = { silver: silver(), gold: gold() };
      await compactStore(store);
      const packed = db
        .prepare("SELECT COUNT(*) AS n FROM search_silver WHERE typeof(content) = 'blob'")
        .get() as Row;
      assert.equal(packed.n, 2 * WP_DOC_BATCH, "a title and a description chunk for each WP packed");
      assert.deepEqual(silver(), before.silver);
      // Gold rebuilt from packed Silver is the same; a new model puts every chunk back in the queue with its text.
      await store.transaction(async (tx) => tx.search?.rebuildKeywordIndex());
      assert.deepEqual(gold(), before.gold);
      const queue = await store.transaction(async (tx) => {
        await tx.search?.useModel("another-model");
        return tx.search?.pendingChunks(10_000);
      });
      const texts = new Map(
        before.silver.map((row) => [row.silver_id, `${row.contextual_prefix}\n${row.content}`]),
      );
      assert.equal(queue?.length, before.silver.length);
      for (const chunk of queue ?? []) assert.equal(chunk.text, texts.get(chunk.silver_id));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a packed chunk whose text a job leaves as it was keeps its embedding", async () => {
    const { dir, store, engine } = await indexedDay();
    try {
      await compactStore(store);
      const db = store.rawConnectionForTests();
      const target = dayWpId(5);
      const vectors = () =>
        db
          .prepare(
            `SELECT ${kindSql("s")} AS kind, embedding FROM search_silver s WHERE wp_id = ? ORDER BY 1`,
          )
          .all(target) as Row[];
      const title = vectors().find((row) => row.kind === "title");
      assert.ok(Buffer.isBuffer(title?.embedding));
      // The title chunk's text (prefix and title) is unchanged: its packed row's hash still matches.
      await ok(engine, "update_wp", { wp_id: target, updates: { description: "A new description." } });
      const after = vectors();
      assert.equal(after.find((row) => row.kind === "description")?.embedding, null, "the new text waits");
      assert.deepEqual(after.find((row) => row.kind === "title")?.embedding, title?.embedding);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a file of schema 10 (the token read from the document) is migrated with every token", async () => {
    const dir = mkdtempSync(join(tmpdir(), "locus-wp-docs-"));
    const path = join(dir, "locus.db");
    let store = SqliteStore.open(path);
    try {
      const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
      await runStandardDay(engine, 0, 5);
      await ok(engine, "update_wp", { wp_id: dayWpId(2), updates: { status: "blocked" } });
      const board = await store.transaction((tx) => tx.listBoardWps());
      store.rawConnectionForTests().exec(`
        DROP INDEX wp_board_view; DROP INDEX wp_plain_docs; ALTER TABLE work_packets DROP COLUMN board_token;
        CREATE INDEX wp_board_view ON work_packets (
          created_at, wp_id, status, json_extract(doc, '$.governance.task_board_token'));
        UPDATE meta SET value = '10' WHERE key = 'schema_version';`);
      await store.close();
      store = SqliteStore.open(path);
      assert.deepEqual(await store.transaction((tx) => tx.listBoardWps()), board);
      assert.ok(board.some((entry) => entry.token === "BLOCKED"));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
