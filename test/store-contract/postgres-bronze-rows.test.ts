// Issue 20, seventeenth part, on PostgreSQL (migration 21, postgres-bronze-rows.ts): a packed snapshot that is not
// its WP's latest keeps no row in `bronze`; its block holds it whole. Every reader (all snapshots, each WP's
// history, each WP's latest id, the log's Bronze that an export carries, content hashes, Silver rebuilt from
// Bronze, a sync pull) gives back the same snapshots byte for byte before and after packing, with deleted WPs,
// another workspace written in turns, WPs whose latest snapshot is packed and WPs written again after packing.
// Stores set back before migration 21, in each earlier form, migrate, read, pack and read back byte for byte.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { indexDay, runStandardDay } from "../../bench/storage-footprint.js";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { steppingClock } from "../../src/domain/clock.js";
import { type BronzeSnapshot, bronzeHistory, makeBronze } from "../../src/domain/events/bronze-history.js";
import { systemIds } from "../../src/domain/ids.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { rebuildSilver } from "../../src/operations/search/search-maintenance.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../../src/search/hash-embedding-provider.js";
import { bronzeBlockBody, bronzeSlotsOf } from "../../src/store/bronze-blocks.js";
import { BRONZE_ROWS_MIGRATION } from "../../src/store/postgres/postgres-bronze-rows.js";
import {
  bronzeIdBytes,
  KEY_FORMS_MIGRATION,
  operationBytes,
} from "../../src/store/postgres/postgres-key-forms.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/postgres-schema.js";
import { silverRowsAsWritten } from "../../src/store/postgres/postgres-silver-forms.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, startPostgresCluster, withPostgres } from "../support/postgres-cluster.js";
import { makeWp } from "./contract-support.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });
/** This part's migration's version, and the fifteenth part's, wherever other parts' migrations put them. */
const VERSION = POSTGRES_MIGRATIONS.indexOf(BRONZE_ROWS_MIGRATION) + 1;
const KEYS_VERSION = POSTGRES_MIGRATIONS.indexOf(KEY_FORMS_MIGRATION) + 1;
const text = (value: unknown): string => JSON.stringify(value);

/** Chains no job wrote: ids and operations of odd forms first, then `more` WPs of fresh ids (to fill blocks). */
function chains(prefix: string, more: number): BronzeSnapshot[] {
  const odd = ["brz_WP-1_1", "sixteen-chars-id", "brz_é✓", `brz_${systemIds.ulid().toLowerCase()}`];
  const all: BronzeSnapshot[] = [];
  for (let n = 0; n <= more; n++) {
    const ids = n === 0 ? odd : odd.map(() => `brz_${systemIds.ulid()}`);
    ids.forEach((id, at) => {
      const wp = { ...makeWp(`${prefix}-${n}`), version: at + 1 };
      const operation = n === 0 ? ["create", "restore", "", "x"][at] : "update";
      all.push(makeBronze(wp, id, operation as string, `2026-01-01T00:00:0${at}.000Z`, ids[at - 1]));
    });
  }
  return all;
}

/** A store of `workspace` in the database at `database` (the shared one when omitted) and its engine. */
async function open(workspace: string, database?: string) {
  const url = `${database ?? (await withPostgres())}?workspace=${workspace}`;
  const store = await PostgresStore.open(url);
  const clock = steppingClock("2026-01-01T00:00:00.000Z", 1000);
  return { url, store, engine: new LocusEngine(store, { config: CONFIG, clock }) };
}

/** What every reader gives back: all snapshots, each WP's history and latest id, hashes checked. */
async function readers(store: PostgresStore) {
  const all = await store.transaction((tx) => tx.bronzeSnapshots());
  for (const b of all) assert.equal(b.content_hash, canonicalSha256(b.snapshot), b.bronze_id);
  const wpIds = [...new Set(all.map((b) => b.wp_id))];
  const each = await store.transaction(async (tx) => {
    const read: Record<string, unknown> = {};
    for (const wp of wpIds) read[wp] = [await tx.bronzeSnapshots(wp), await tx.lastBronzeId(wp)];
    return read;
  });
  for (const wp of wpIds) {
    const mine = all.filter((b) => b.wp_id === wp);
    assert.equal(text(each[wp]), text([mine, mine.at(-1)?.bronze_id]), `${wp}: history and latest id`);
  }
  return text(all);
}

/** Packed rows of `workspace` that are not their WP's latest (none may stay after packing). */
async function supersededPackedRows(store: PostgresStore, workspace: string): Promise<number> {
  const found = await store.rawQueryForTests(
    `SELECT count(*) AS n FROM bronze b WHERE b.workspace_id = $1 AND length(b.doc) = 0 AND b.version <
       (SELECT max(version) FROM bronze n WHERE n.workspace_id = b.workspace_id AND n.wp_id = b.wp_id)`,
    [workspace],
  );
  return Number(found[0]?.n);
}

const countOf = async (store: PostgresStore, sql: string, values: unknown[]) =>
  Number((await store.rawQueryForTests(sql, values))[0]?.n);

describe("PostgreSQL Bronze rows of packed versions left to their blocks (issue 20, seventeenth part)", {
  skip: postgresSkipReason(),
}, () => {
  it("every reader gives back the same snapshots before and after packing, through later writes", async () => {
    const a = await open("rows_a");
    const b = await open("rows_b");
    try {
      for (let at = 0; at < 80; at += 20) {
        await runStandardDay(a.engine, at, at + 20);
        await runStandardDay(b.engine, at, at + 20);
      }
      await a.store.transaction((tx) => tx.putBronzes(chains("WP-odd", 40)));
      for (const wp of ["WP-000003", "WP-000010"]) await ok(a.engine, "delete_wp", { wp_id: wp });
      await indexDay(a.store, new HashEmbeddingProvider(512));
      const silver = async () => {
        await rebuildSilver(a.store, { workspaceRoot: "." });
        const rows = await silverRowsAsWritten((sql, values = []) =>
          a.store.rawQueryForTests(sql, ["rows_a", ...values]),
        );
        return rows.map(({ silver_id, embedding, model, ...row }) => row);
      };
      const fromLog = async (store: PostgresStore) => {
        const log = bronzeHistory(await store.readEvents());
        const live = (await store.transaction((tx) => tx.bronzeSnapshots())).filter(
          (s) => !s.wp_id.startsWith("WP-odd"),
        );
        assert.equal(
          text(live),
          text(
            [...log].sort((x, y) => (x.wp_id < y.wp_id ? -1 : x.wp_id > y.wp_id ? 1 : x.version - y.version)),
          ),
          "Bronze as the log (an export) has it",
        );
      };
      for (const round of [0, 1]) {
        const before = [await readers(a.store), await readers(b.store)];
        const silverBefore = await silver();
        await fromLog(a.store);
        assert.ok((await compactStore(a.store)) >= 1, `round ${round}: a packs`);
        assert.ok((await compactStore(b.store)) >= 1, `round ${round}: b packs`);
        assert.deepEqual(
          [await readers(a.store), await readers(b.store)],
          before,
          `round ${round}: every reader`,
        );
        assert.deepEqual(await silver(), silverBefore, `round ${round}: Silver rebuilt from Bronze`);
        await fromLog(a.store);
        for (const w of ["rows_a", "rows_b"]) {
          const store = w === "rows_a" ? a.store : b.store;
          assert.equal(await supersededPackedRows(store, w), 0, `${w}: only each WP's latest keeps a row`);
          const packedLatest = await countOf(
            store,
            "SELECT count(*) AS n FROM bronze WHERE workspace_id = $1 AND length(doc) = 0",
            [w],
          );
          assert.ok(packedLatest >= 5, `${w}: WPs whose latest snapshot is packed (${packedLatest})`);
        }
        const rows = await countOf(a.store, "SELECT count(*) AS n FROM bronze WHERE workspace_id = $1", [
          "rows_a",
        ]);
        const snapshots = JSON.parse(before[0] as string).length;
        assert.ok(rows + 100 < snapshots, `${rows} rows left of ${snapshots} snapshots`);
        // Round 1 writes WPs whose latest snapshot is packed, deletes one, and adds WPs (the rows above go cold).
        for (const wp of ["WP-000001", "WP-000002", "WP-000021"])
          await ok(a.engine, "update_wp", { wp_id: wp, updates: { priority: 3 } });
        await ok(a.engine, "delete_wp", { wp_id: "WP-000005" });
        await runStandardDay(a.engine, 80 + round * 40, 120 + round * 40);
        await runStandardDay(b.engine, 80 + round * 40, 120 + round * 40);
      }
      await assertLogSound(a.store, "a");
      await assertLogSound(b.store, "b");
      const pulled = await open("rows_pulled");
      try {
        await ok(pulled.engine, "sync_events", { peer: a.url, direction: "pull" });
        const latest = (all: BronzeSnapshot[]) =>
          Object.fromEntries(
            all.map((s) => [
              s.wp_id,
              [s.snapshot.title, s.snapshot.priority, s.snapshot.tombstone !== undefined],
            ]),
          );
        const source = (await a.store.transaction((tx) => tx.bronzeSnapshots())).filter(
          (s) => !s.wp_id.startsWith("WP-odd"),
        );
        assert.deepEqual(
          latest(await pulled.store.transaction((tx) => tx.bronzeSnapshots())),
          latest(source),
        );
      } finally {
        await pulled.store.close();
      }
    } finally {
      await a.store.close();
      await b.store.close();
    }
  });

  for (const form of ["unpacked", "packed before migration 19", "packed after migration 19"] as const) {
    it(`a store set back before migration 21, ${form}, migrates, packs and reads back byte for byte`, async () => {
      const cluster = await startPostgresCluster();
      try {
        const database = await cluster.createDatabase("locus_bronze_rows");
        let s = await open("forms", database);
        let odd = await open("forms_odd", database);
        await runStandardDay(s.engine, 0, 60);
        await odd.store.transaction((tx) => tx.putBronzes(chains("WP-odd", 60)));
        if (form !== "unpacked") {
          await compactStore(s.store);
          await compactStore(odd.store);
        }
        const before = [await readers(s.store), await readers(odd.store)];
        await Promise.all([s.store.close(), odd.store.close()]);
        for (const step of ["set back", "set back again", "migration rerun"]) {
          const setBack = step !== "migration rerun";
          const keys = setBack && form === "packed before migration 19";
          const client = new pg.Client({ connectionString: database });
          await client.connect();
          try {
            if (setBack) await formBefore21(client);
            if (keys)
              await keysAsText(client, JSON.parse(before[0] as string), JSON.parse(before[1] as string));
            await client.query("DELETE FROM locus_schema_version WHERE version >= $1", [
              keys ? KEYS_VERSION : VERSION,
            ]);
          } finally {
            await client.end();
          }
          s = await open("forms", database);
          odd = await open("forms_odd", database);
          assert.deepEqual([await readers(s.store), await readers(odd.store)], before, `${step}: read`);
          {
            await compactStore(s.store);
            await compactStore(odd.store);
            assert.deepEqual([await readers(s.store), await readers(odd.store)], before, `${step}: packed`);
            assert.equal(await supersededPackedRows(s.store, "forms"), 0);
            assert.equal(await supersededPackedRows(odd.store, "forms_odd"), 0);
            const notWhole = await countOf(
              s.store,
              "SELECT count(*) AS n FROM bronze_blocks WHERE wp_keys IS NULL",
              [],
            );
            assert.equal(notWhole, 0, "every block whole");
          }
          await assertLogSound(s.store);
          await Promise.all([s.store.close(), odd.store.close()]);
        }
      } finally {
        await cluster.stop();
      }
    });
  }
});

/** The database as Locus left it before migration 21: a row for every packed snapshot, blocks of tenth-part slots. */
async function formBefore21(client: pg.Client): Promise<void> {
  const blocks = (await client.query("SELECT workspace_id, first_order, body FROM bronze_blocks"))
    .rows as Row[];
  for (const block of blocks) {
    const first = Number(block.first_order);
    const orders = new Set(
      (
        await client.query(
          "SELECT bronze_order FROM bronze WHERE workspace_id = $1 AND bronze_order BETWEEN $2 AND $3",
          [block.workspace_id, first, first + 127],
        )
      ).rows.map((row: Row) => Number(row.bronze_order)),
    );
    const slots = bronzeSlotsOf(block.body);
    for (const [at, slot] of slots.entries()) {
      if (!Array.isArray(slot) || orders.has(first + at)) continue;
      await client.query(
        `INSERT INTO bronze (workspace_id, bronze_id, wp_id, version, operation, content_hash, previous_bronze_id,
           created_at, doc, bronze_order) VALUES ($1, $2, $3, $4, $5, '', '', '', '', $6)`,
        [
          block.workspace_id,
          bronzeIdBytes(slot[4] as string),
          slot[5],
          slot[6],
          operationBytes(slot[7] as string),
          first + at,
        ],
      );
    }
    const tenth = slots.map((slot) => (Array.isArray(slot) ? slot.slice(0, 4).concat(null) : null));
    await client.query("UPDATE bronze_blocks SET body = $3 WHERE workspace_id = $1 AND first_order = $2", [
      block.workspace_id,
      first,
      bronzeBlockBody(tenth as Parameters<typeof bronzeBlockBody>[0]),
    ]);
  }
  await client.query("ALTER TABLE bronze_blocks DROP COLUMN IF EXISTS wp_keys");
}

/** Bronze keys as text with their two indexes, as before migration 19 (packed rows' previous ids NULL). */
async function keysAsText(client: pg.Client, ...workspaces: BronzeSnapshot[][]): Promise<void> {
  await client.query(`ALTER TABLE bronze DROP CONSTRAINT bronze_pkey;
    ALTER TABLE bronze ALTER COLUMN bronze_id TYPE text COLLATE "C" USING '',
      ALTER COLUMN previous_bronze_id TYPE text USING NULL, ALTER COLUMN operation TYPE text USING ''`);
  for (const b of workspaces.flat())
    await client.query(
      `UPDATE bronze SET bronze_id = $3, operation = $4,
         previous_bronze_id = CASE WHEN length(doc) = 0 THEN NULL ELSE $5 END WHERE wp_id = $1 AND version = $2`,
      [b.wp_id, b.version, b.bronze_id, b.operation, b.previous_bronze_id ?? null],
    );
  await client.query(`ALTER TABLE bronze ADD PRIMARY KEY (workspace_id, bronze_id);
    CREATE INDEX bronze_by_wp ON bronze (workspace_id, wp_id, version)`);
}
