// Issue 20 on every backend (STYLE 5): a store whose event payloads, vector clocks and Bronze snapshots are
// stored as they were before issue 20 (the whole JSON text; ids, hashes and every prev_hash as text; on
// PostgreSQL in text columns, which migrations 7 and 8 turn into bytea when the store is opened) reads back the same events and snapshots, verifies, replays equal to live, and takes new (packed) writes
// beside the old rows.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import { parsePostgresUrl } from "../../src/store/postgres/postgres-store.js";
import type { BronzeSnapshot, LocusStore, StoredEvent } from "../../src/store/store-port.js";
import { STORE_BACKENDS } from "../support/stores.js";

/** One rewrite of a row: the SQL (with {ws} for PostgreSQL's workspace condition, $n parameters) and its values. */
type Rewrite = [sql: string, values: unknown[]];
/** Reads rows with SQL; `legacyText` is a JSON text as a pre-issue-20 column holds it on this backend. */
type Plan = (
  read: (sql: string) => Promise<Record<string, unknown>[]>,
  legacyText: (text: string) => unknown,
) => Promise<Rewrite[]>;

/** Runs `plan` (reads, then the rewrites it returns) on the store at `url` with SQL, outside Locus. */
async function rewriteRows(url: string, plan: Plan): Promise<void> {
  if (!url.startsWith("postgres")) {
    const db = new Database(url);
    const sqlite = (sql: string) => db.prepare(sql.replace("{ws}", "1 = 1").replace(/\$\d+/g, "?"));
    try {
      const rewrites = await plan(
        async (sql) => sqlite(sql).all() as Record<string, unknown>[],
        (text) => text,
      );
      for (const [sql, values] of rewrites) sqlite(sql).run(...values);
    } finally {
      db.close();
    }
    return;
  }
  const { connectionString, workspace } = parsePostgresUrl(url);
  const client = new pg.Client({ connectionString });
  await client.connect();
  const query = (sql: string, values?: unknown[]) =>
    client.query(sql.replace("{ws}", `workspace_id = '${workspace}'`), values);
  try {
    // The ids and hashes back to text first (as before migration 10), so the rewrites below give them as text.
    await query(
      `ALTER TABLE events ${ID_COLUMNS.map((c) => `ALTER COLUMN ${c} TYPE text USING ${textOf(c)}`).join(", ")}`,
    );
    // Payloads and docs written as bytea (the columns now), as UTF-8 JSON; the columns then go back to text below.
    const rewrites = await plan(
      async (sql) => (await query(sql)).rows,
      (text) => Buffer.from(text, "utf8"),
    );
    for (const [sql, values] of rewrites) await query(sql, values);
    // Back to the schema before migration 7 (text columns), so that opening the store runs it on these rows.
    await query("ALTER TABLE events ALTER COLUMN payload TYPE text USING convert_from(payload, 'UTF8')");
    await query("ALTER TABLE bronze ALTER COLUMN doc TYPE text USING convert_from(doc, 'UTF8')");
    await query("DELETE FROM locus_schema_version WHERE version >= 7");
  } finally {
    await client.end();
  }
}

/** The events columns that migration 10 turns into bytes (issue 20, second part). */
const ID_COLUMNS = ["event_uuid", "trace_id", "job_id", "prev_hash", "hash"];

/** The text a bytea column of migration 10 held before it (event-rows.ts's stored forms, read back in SQL). */
const textOf = (c: string) => `CASE
  WHEN octet_length(${c}) = 16 THEN
    regexp_replace(encode(${c}, 'hex'), '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\\1-\\2-\\3-\\4-\\5')
  WHEN octet_length(${c}) = 32 THEN encode(${c}, 'hex')
  WHEN substring(${c} from 1 for 1) = decode('00', 'hex') THEN convert_from(substring(${c} from 2), 'UTF8')
  ELSE convert_from(${c}, 'UTF8') END`;

/**
 * The rows as stored before issue 20: whole payloads and clocks, whole Bronze snapshots as JSON text, ids and
 * hashes as their text, every prev_hash whole.
 */
async function writeLegacyRows(
  url: string,
  events: StoredEvent[],
  snapshots: BronzeSnapshot[],
): Promise<void> {
  await rewriteRows(url, async (_read, legacyText) => [
    ...events.map(
      (event): Rewrite => [
        `UPDATE events SET payload = $1, vector_clock = $2, event_uuid = $3, trace_id = $4, job_id = $5,
           prev_hash = $6, hash = $7 WHERE {ws} AND seq = $8`,
        [
          legacyText(JSON.stringify(event.payload)),
          JSON.stringify(event.vector_clock),
          ...[event.event_uuid, event.trace_id, event.job_id, event.prev_hash, event.hash, event.seq],
        ],
      ],
    ),
    ...snapshots.map(
      (snapshot): Rewrite => [
        "UPDATE bronze SET doc = $1 WHERE {ws} AND bronze_id = $2",
        [legacyText(JSON.stringify(snapshot)), snapshot.bronze_id],
      ],
    ),
  ]);
}

for (const backend of STORE_BACKENDS) {
  describe(`store contract: rows written before issue 20 (${backend.name})`, { skip: backend.skip }, () => {
    it("read back the same, verify, replay equal to live, and sit beside new packed rows", async () => {
      const location = await backend.location();
      const open = () => openStore(parseStoreUrl(location.url, process.cwd()));
      const clock = steppingClock("2026-01-01T00:00:00.000Z", 1000);
      let store: LocusStore = await open();
      try {
        await runStandardDay(new LocusEngine(store, { clock }), 0, 6);
        const events = await store.readEvents();
        const snapshots = await store.transaction((tx) => tx.bronzeSnapshots());
        await store.close();
        await writeLegacyRows(location.url, events, snapshots);
        store = await open();
        assert.deepEqual(await store.readEvents(), events);
        assert.equal(
          JSON.stringify(await store.transaction((tx) => tx.bronzeSnapshots())),
          JSON.stringify(snapshots),
        );
        await runStandardDay(new LocusEngine(store, { clock }), 6, 9);
        assert.equal((await verifyStore(store)).ok, true);
        const replay = await replayCheck(store);
        assert.deepEqual(replay.mismatches, []);
        assert.equal((await store.readEvents()).length > events.length, true);
      } finally {
        await store.close();
        await location.cleanup();
      }
    });
  });
}
