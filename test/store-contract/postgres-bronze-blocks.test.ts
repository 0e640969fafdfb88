// Issue 20, tenth part: the contract of bronze-blocks.test.ts on PostgreSQL (postgres-bronze-blocks.ts). Maintenance
// (compactStore) packs cold Bronze rows into bronze_blocks by bronze_order (migration 15), never a job; every
// snapshot reads back byte for byte with its content hash, Silver regenerated from packed Bronze is the Silver
// indexed before, a packed block is packed once, a block edited or dropped outside Locus shows, workspaces sharing
// a database each pack and read their own rows, a purge and a sync pull from a packed store work, and a store
// of version 14 migrates (its rows ordered) and packs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { rebuildSilver } from "../../src/operations/search/search-maintenance.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { SHORT_CONTENT_HASH } from "../../src/store/bronze-blocks.js";
import { silverRowsAsWritten } from "../../src/store/postgres/postgres-silver-forms.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { packBlockText, unpackText } from "../../src/store/stored-json.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });

/** A PostgreSQL workspace of its own (one database holds every test's), its engine, and raw reads of its Bronze. */
async function freshStore(workspace: string) {
  const url = `${await withPostgres()}?workspace=${workspace}`;
  const store = await PostgresStore.open(url);
  const engine = new LocusEngine(store, {
    config: CONFIG,
    clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
  });
  const raw = (sql: string, params: unknown[] = []) => s.store.rawQueryForTests(sql, [workspace, ...params]);
  const s = {
    url,
    store, // set again when a test reopens it
    engine,
    raw,
    blocks: async () =>
      (await raw("SELECT first_order FROM bronze_blocks WHERE workspace_id = $1 ORDER BY first_order")).map(
        (r: Row) => Number(r.first_order),
      ),
    packedRows: async () =>
      Number(
        (await raw("SELECT count(*) AS n FROM bronze WHERE workspace_id = $1 AND length(doc) = 0"))[0]?.n,
      ),
    snapshots: (wpId?: string) => s.store.transaction((tx) => tx.bronzeSnapshots(wpId)),
    // Every column as written but the id and vector (a rebuild makes new ids, queued): thirteenth part's short forms.
    silver: async () =>
      (await silverRowsAsWritten(raw)).map(({ silver_id, embedding, model, ...row }) => row),
  };
  return s;
}

describe("cold Bronze rows packed in blocks (issue 20, tenth part, PostgreSQL)", {
  skip: postgresSkipReason(),
}, () => {
  it("compaction packs cold rows once; every snapshot reads back byte for byte; Silver regenerates; jobs link", async () => {
    const s = await freshStore("bronze_read");
    try {
      await runStandardDay(s.engine, 0, 100); // 5 snapshots a WP: 500 rows, the oldest ~250 cold
      await indexDay(s.store, new HashEmbeddingProvider(512));
      assert.deepEqual(await s.blocks(), [], "no job packs");
      const before = await s.snapshots();
      await rebuildSilver(s.store, { workspaceRoot: "." }); // from unpacked Bronze: the ids it links to as well
      const silver = await s.silver();
      assert.ok((await compactStore(s.store)) >= 1);
      const blocks = await s.blocks();
      const packed = await s.packedRows();
      // Seventeenth part: of the packed snapshots only each WP's latest keeps a row (postgres-bronze-rows.ts).
      assert.ok(blocks.length >= 1 && packed >= 40, `${blocks.length} blocks, ${packed} rows packed`);
      const bodies = await s.raw("SELECT first_order, body FROM bronze_blocks WHERE workspace_id = $1");
      assert.equal(await compactStore(s.store), 0, "a block is packed once");
      assert.deepEqual(
        await s.raw("SELECT first_order, body FROM bronze_blocks WHERE workspace_id = $1"),
        bodies,
      );
      assert.equal(await s.packedRows(), packed);
      const after = await s.snapshots();
      assert.equal(JSON.stringify(after), JSON.stringify(before));
      for (const b of after) assert.equal(b.content_hash, canonicalSha256(b.snapshot), b.bronze_id);
      const wp = before[3]?.wp_id as string; // among the first written: packed
      assert.equal(
        JSON.stringify(await s.snapshots(wp)),
        JSON.stringify(before.filter((b) => b.wp_id === wp)),
      );
      await rebuildSilver(s.store, { workspaceRoot: "." });
      assert.deepEqual(await s.silver(), silver, "Silver regenerated from packed Bronze");
      const last = before.filter((b) => b.wp_id === wp).at(-1);
      const done = await s.engine.run("update_wp", { wp_id: wp, updates: { priority: 3 } });
      assert.equal(done.success, true);
      assert.equal((await s.snapshots(wp)).at(-1)?.previous_bronze_id, last?.bronze_id);
      await assertLogSound(s.store);
    } finally {
      await s.store.close();
    }
  });

  it("a block keeps 8 digits of each hash; an edited block shows in the hash, a dropped one fails the read", async () => {
    const s = await freshStore("bronze_edit");
    try {
      await runStandardDay(s.engine, 0, 100);
      await compactStore(s.store);
      const bodies = await s.raw("SELECT first_order, body FROM bronze_blocks WHERE workspace_id = $1");
      const all = bodies.map((r: Row) => JSON.parse(unpackText(r.body)) as ([string, string] | null)[]);
      assert.ok(all.flat().some((slot) => slot !== null));
      assert.ok(all.flat().every((slot) => slot === null || slot[1].length === SHORT_CONTENT_HASH));
      const at = all.findIndex((slots) => slots.some((x) => x?.[0].includes("Looked at")));
      const first = Number(bodies[at]?.first_order);
      const slots = all[at] as ([string, string] | null)[];
      const slot = slots.find((x) => x?.[0].includes("Looked at")) as [string, string];
      slot[0] = slot[0].replace("Looked at", "Looked past");
      await s.raw("UPDATE bronze_blocks SET body = $3 WHERE workspace_id = $1 AND first_order = $2", [
        first,
        packBlockText(JSON.stringify(slots)),
      ]);
      const edited = (await s.snapshots()).filter((b) => b.content_hash !== canonicalSha256(b.snapshot));
      assert.ok(edited.length >= 1, "the edit shows");
      for (const b of edited) assert.ok(b.content_hash.endsWith("0".repeat(64 - SHORT_CONTENT_HASH)));
      await s.raw("DELETE FROM bronze_blocks WHERE workspace_id = $1 AND first_order = $2", [first]);
      await assert.rejects(s.snapshots());
    } finally {
      await s.store.close();
    }
  });

  it("workspaces sharing a database, written in turns, each pack and read their own snapshots", async () => {
    const a = await freshStore("bronze_turn_a");
    const b = await freshStore("bronze_turn_b");
    try {
      for (let at = 0; at < 80; at += 20) {
        await runStandardDay(a.engine, at, at + 20);
        await runStandardDay(b.engine, at, at + 20);
      }
      const beforeA = await a.snapshots();
      const beforeB = await b.snapshots();
      assert.ok((await compactStore(a.store)) >= 1);
      assert.ok((await compactStore(b.store)) >= 1);
      assert.ok((await a.packedRows()) > 0 && (await b.packedRows()) > 0);
      assert.equal(JSON.stringify(await a.snapshots()), JSON.stringify(beforeA));
      assert.equal(JSON.stringify(await b.snapshots()), JSON.stringify(beforeB));
      await assertLogSound(a.store, "a");
      await assertLogSound(b.store, "b");
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });

  it("a purge after packing leaves Bronze as it was; a sync pull from the packed store brings its WPs", async () => {
    const source = await freshStore("bronze_source");
    const pulled = await freshStore("bronze_pulled");
    try {
      for (let i = 0; i < 40; i++) await ok(source.engine, "query_ready", { limit: 1 });
      await runStandardDay(source.engine, 0, 100);
      const before = await source.snapshots();
      assert.ok((await compactStore(source.store)) >= 1);
      assert.ok((await source.packedRows()) > 0);
      const purged = await ok(source.engine, "purge_events", { older_than: "1s" });
      assert.ok((purged.removed as number) >= 40);
      assert.equal(JSON.stringify(await source.snapshots()), JSON.stringify(before));
      await assertLogSound(source.store);
      await ok(pulled.engine, "sync_events", { peer: source.url, direction: "pull" });
      // The receiver writes its own snapshots of what it pulled: their contents are the source's.
      const latest = (all: typeof before) =>
        Object.fromEntries(
          all.map((b) => [b.wp_id, [b.snapshot.title, b.snapshot.status, b.snapshot.priority]]),
        );
      assert.deepEqual(latest(await pulled.snapshots()), latest(await source.snapshots()));
      await assertLogSound(pulled.store);
    } finally {
      await source.store.close();
      await pulled.store.close();
    }
  });

  it("a store of version 14 migrates (its rows given an order), packs and reads back; migration 15 reruns", async () => {
    const s = await freshStore("bronze_migrate");
    const client = new pg.Client({ connectionString: s.url.split("?")[0] });
    await client.connect();
    try {
      await runStandardDay(s.engine, 0, 100);
      const before = await s.snapshots();
      await s.store.close();
      // Version 14: no order column, no blocks (every workspace of the test database set back with it).
      await client.query("DELETE FROM bronze_blocks");
      await client.query("ALTER TABLE bronze DROP COLUMN bronze_order");
      await client.query("DELETE FROM meta WHERE key = 'bronze_packed_before_order'");
      await client.query("DELETE FROM locus_schema_version WHERE version >= 15");
      s.store = await PostgresStore.open(s.url);
      assert.equal(JSON.stringify(await s.snapshots()), JSON.stringify(before));
      assert.ok((await compactStore(s.store)) >= 1);
      assert.ok((await s.packedRows()) > 0);
      assert.equal(JSON.stringify(await s.snapshots()), JSON.stringify(before));
      await client.query("DELETE FROM locus_schema_version WHERE version >= 15");
      await s.store.close();
      s.store = await PostgresStore.open(s.url); // reruns 15 over the packed store
      assert.equal(JSON.stringify(await s.snapshots()), JSON.stringify(before));
      await assertLogSound(s.store);
    } finally {
      await client.end();
      await s.store.close();
    }
  });
});
