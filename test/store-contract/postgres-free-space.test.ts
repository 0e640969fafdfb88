// Issue 20, eighth part, on PostgreSQL: `locus compact` (compactStore without a bound) rewrites the tables jobs
// rewrite rows of, giving back the free space of the day's row versions (postgres-free-space.ts). Nothing read
// changes: events verify, replay equals live, the board, the state and search answer as before; a table another
// transaction holds is left after the lock wait and rewritten by the next compact; a bounded compact (the hooks,
// idle time) rewrites nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { REWRITTEN_TABLES } from "../../src/store/postgres/postgres-free-space.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";

const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });
const REWRITTEN = ["work_packets", "search_docs", "search_silver"];

/** Bytes of the tables jobs rewrite most (heap, free space map, indexes), after VACUUM, as the bench measures. */
async function rewrittenBytes(client: pg.Client): Promise<number> {
  await client.query("VACUUM");
  const { rows } = await client.query(
    "SELECT SUM(pg_total_relation_size(t::regclass))::bigint AS bytes FROM unnest($1::text[]) AS t",
    [REWRITTEN],
  );
  return Number(rows[0].bytes);
}

/**
 * The file and main-fork bytes of each of those tables and their indexes, after VACUUM: a rewrite gives a relation
 * a new file. (Their total bytes are no measure of that: a VACUUM gives a B-tree whose pages were all emptied, such
 * as Silver's embedding queue once indexed, a free space map of 3 pages.)
 */
async function rewrittenFiles(client: pg.Client): Promise<Record<string, unknown>[]> {
  await client.query("VACUUM");
  const { rows } = await client.query(
    `SELECT c.relname, c.relfilenode, pg_relation_size(c.oid) AS bytes FROM pg_class c
     WHERE c.oid = ANY($1::regclass[]) OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY($1::regclass[]))
     ORDER BY c.relname`,
    [REWRITTEN],
  );
  return rows;
}

/** What a reader sees: the state, the board, every event, then two searches' ranked ids (searches are jobs). */
async function readings(store: PostgresStore, engine: LocusEngine): Promise<unknown> {
  const ids = (found: Record<string, unknown>) =>
    (found.results as { wp_id: string }[]).map((result) => result.wp_id);
  const read = {
    state: await store.loadState(),
    board: await store.transaction((tx) => tx.listBoardWps()),
    events: await store.readEvents(),
  };
  const keyword = ids(await ok(engine, "search", { query: "parser cache restart", mode: "keyword" }));
  return { ...read, keyword, hybrid: ids(await ok(engine, "search", { query: "replica backup logs" })) };
}

describe("PostgreSQL compact gives back free space (issue 20, eighth part)", {
  skip: postgresSkipReason(),
}, () => {
  it("rewrites the tables jobs rewrite, smaller, and nothing read changes", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=free`);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const engine = new LocusEngine(store, { config: CONFIG });
      await runStandardDay(engine, 0, 80);
      await indexDay(store, new HashEmbeddingProvider(512));
      const bytes = await rewrittenBytes(client);
      const files = await rewrittenFiles(client);
      const before = await readings(store, engine);
      const searchesEvents =
        (await store.readEvents()).length - (before as { events: unknown[] }).events.length;
      // Ninth part: PostgreSQL packs cold events (postgres-payload-blocks.test.ts); a bounded compact packs them too.
      assert.ok((await compactStore(store, 64)) > 0, "cold events packed");
      assert.deepEqual(
        await rewrittenFiles(client),
        files,
        "a bounded compact (hooks, idle time) rewrites nothing",
      );
      await compactStore(store);
      const after = await rewrittenBytes(client);
      assert.ok(after < bytes * 0.85, `compact gives back free space: ${bytes} -> ${after} bytes`);
      const read = (await readings(store, engine)) as { events: unknown[] };
      read.events = read.events.slice(0, read.events.length - searchesEvents); // the searches of `before`
      assert.deepEqual(read, before);
      await assertLogSound(store);
      // Jobs go on after it, and another day compacts the same way.
      await runStandardDay(engine, 80, 100);
      await compactStore(store);
      await assertLogSound(store);
    } finally {
      await client.end();
      await store.close();
    }
  });

  it("a table another transaction holds is left after the lock wait; the next compact rewrites it", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=lock`);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      const engine = new LocusEngine(store, { config: CONFIG });
      await runStandardDay(engine, 0, 5);
      await holder.query("BEGIN");
      await holder.query("SELECT count(*) FROM search_silver"); // a reader's lock, held until COMMIT
      const held = await store.reclaimFreeSpace();
      assert.deepEqual(held.skipped, ["search_silver"]);
      assert.deepEqual(
        held.rewritten,
        REWRITTEN_TABLES.filter((table) => table !== "search_silver"),
      );
      await holder.query("COMMIT");
      const next = await store.reclaimFreeSpace();
      assert.deepEqual(next, { rewritten: [...REWRITTEN_TABLES], skipped: [] });
      await ok(engine, "update_wp", { wp_id: "WP-000001", updates: { status: "ready" } });
      await assertLogSound(store);
    } finally {
      await holder.end();
      await store.close();
    }
  });
});
