// Issue 20, fifteenth part, on PostgreSQL (migration 19, postgres-key-forms.ts): Bronze ids and operations as
// bytes under one key by WP, and dependencies' documents without their columns' fields. Every snapshot and every
// dependency reads back byte for byte as written, whatever the form of its ids, packed or not, through every
// reader; a store set back to the form before migrates (twice, and the migration reruns over a migrated store),
// reads every snapshot byte for byte with its content hash, verifies and replays.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { steppingClock } from "../../src/domain/clock.js";
import { type BronzeSnapshot, makeBronze } from "../../src/domain/events/bronze-history.js";
import { systemIds } from "../../src/domain/ids.js";
import type { TrackedDependency } from "../../src/domain/records.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { bronzeIdBytes, KEY_FORMS_MIGRATION } from "../../src/store/postgres/postgres-key-forms.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/postgres-schema.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, startPostgresCluster, withPostgres } from "../support/postgres-cluster.js";
import { makeWp } from "./contract-support.js";

type Row = Record<string, unknown>;
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });
/** This part's migration's version, wherever other parts' migrations put it. */
const VERSION = POSTGRES_MIGRATIONS.indexOf(KEY_FORMS_MIGRATION) + 1;

/** Ids of every form: fresh ULIDs (16 bytes) and others (kept as their text). */
const IDS = () => [
  `brz_${systemIds.ulid()}`,
  "brz_WP-1_1",
  `brz_${systemIds.ulid().toLowerCase()}`,
  "sixteen-chars-id",
  "brz_é✓",
  `brz_${systemIds.ulid()}`,
];
const OPERATIONS = ["create", "update", "restore", "x", "", "board_sync"];

/** A chain of snapshots of `wpId`, one an id of IDS, each linking to the one before (an odd previous id first). */
function chain(wpId: string): BronzeSnapshot[] {
  return IDS().map((id, at, ids) => {
    const wp = { ...makeWp(wpId), version: at + 1 };
    const previous = at === 0 ? "prev-not-written" : ids[at - 1];
    return makeBronze(wp, id, OPERATIONS[at] as string, `2026-01-01T00:00:0${at}.000Z`, previous);
  });
}

/** Dependencies of unusual shape: ids PostgreSQL quotes unlike JSON or not at all, keys in another order, no more keys. */
function oddDependencies(): TrackedDependency[] {
  const base = {
    created_at: "2026-01-01T00:00:00.000Z",
    created_by: "tester",
    vector_clock: { rep_test: 1 },
  };
  return [
    {
      dependency_id: `dep_${systemIds.ulid()}`,
      from_wp_id: "WP-1",
      to_wp_id: "WP-2",
      type: "blocks",
      ...base,
    },
    { dependency_id: 'dep_"q"\\', from_wp_id: "WP-é\n", to_wp_id: "WP-2", type: "blocks", ...base },
    { from_wp_id: "WP-3", dependency_id: "dep_order", to_wp_id: "WP-2", type: "related", ...base },
    { dependency_id: "dep_bare", from_wp_id: "WP-3", to_wp_id: "WP-1", type: "blocks" } as TrackedDependency,
  ];
}

const text = (value: unknown): string => JSON.stringify(value);

describe("PostgreSQL Bronze keys and dependency documents (issue 20, fifteenth part)", {
  skip: postgresSkipReason(),
}, () => {
  it("ids, operations and dependencies of every form read back as written through every reader", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=key_forms`);
    try {
      const one = chain("WP-one");
      const many = chain("WP-many");
      const deps = oddDependencies();
      await store.transaction(async (tx) => {
        for (const b of one) await tx.putBronze(b);
        await tx.putBronzes(many);
        for (const dep of deps) await tx.putDependency(dep);
      });
      const read = await store.transaction((tx) => tx.bronzeSnapshots());
      assert.equal(text(read), text([...many, ...one]), "all, byte for byte");
      assert.equal(text(await store.transaction((tx) => tx.bronzeSnapshots("WP-one"))), text(one));
      assert.equal(await store.transaction((tx) => tx.lastBronzeId("WP-one")), one.at(-1)?.bronze_id);
      assert.equal(await store.transaction((tx) => tx.lastBronzeId("WP-many")), many.at(-1)?.bronze_id);
      const forms = await store.rawQueryForTests(
        `SELECT octet_length(bronze_id) AS id, octet_length(operation) AS op FROM bronze
         WHERE workspace_id = $1 AND wp_id = 'WP-one' ORDER BY version`,
        ["key_forms"],
      );
      assert.deepEqual(
        forms.map((row: Row) => [row.id, row.op]),
        [
          [16, 1],
          [10, 1],
          [30, 7],
          [17, 2],
          [9, 0],
          [16, 1],
        ],
        "ULIDs in 16 bytes, operations Locus writes in one",
      );

      const byId = new Map(deps.map((dep) => [dep.dependency_id, dep]));
      const each = await store.transaction(async (tx) => ({
        got: await Promise.all(deps.map((dep) => tx.getDependency(dep.dependency_id))),
        found: await Promise.all(
          deps.map((dep) => tx.findDependency(dep.from_wp_id, dep.to_wp_id, dep.type)),
        ),
        of: [await tx.dependenciesOf("WP-2"), await tx.dependenciesOf("WP-3")],
        down: await tx.reachableEdges("WP-3", ["blocks", "related"], "down", 100),
        blockers: await tx.openBlockers(["WP-1", "WP-2"]),
        all: await tx.replicaLog.allDependencies(),
      }));
      assert.equal(text(each.got), text(deps));
      assert.equal(text(each.found), text(deps));
      const edges = [
        ...each.of.flatMap((of) => [...of.incoming, ...of.outgoing]),
        ...each.down,
        ...each.all,
        ...[...each.blockers.values()].flat().map((blocker) => blocker.dependency),
      ];
      assert.ok(edges.length >= 10);
      for (const dep of edges) assert.equal(text(dep), text(byId.get(dep.dependency_id)), dep.dependency_id);
      const state = await store.loadState();
      for (const dep of deps) assert.equal(text(state.deps.get(dep.dependency_id)), text(dep));
      const docs = await store.rawQueryForTests(
        "SELECT dependency_id, doc FROM dependencies WHERE workspace_id = $1 ORDER BY dependency_id",
        ["key_forms"],
      );
      const stored = new Map(docs.map((row: Row) => [row.dependency_id, row.doc as string]));
      assert.ok(!stored.get(deps[0]?.dependency_id)?.includes("WP-1"), "columns' fields left out");
      assert.equal(stored.get("dep_bare"), "}");
      assert.equal(stored.get('dep_"q"\\'), text(deps[1]), "ids quoted unlike JSON: whole");
      assert.equal(stored.get("dep_order"), text(deps[2]), "keys in another order: whole");
    } finally {
      await store.close();
    }
  });

  it("packed snapshots read back with their keys; a job links to a packed WP's last snapshot", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=key_packed`);
    try {
      const engine = new LocusEngine(store, {
        config: CONFIG,
        clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
      });
      await runStandardDay(engine, 0, 60); // 300 snapshots: the first block cold
      const before = await store.transaction((tx) => tx.bronzeSnapshots());
      assert.ok((await compactStore(store)) >= 1);
      const packed = await store.rawQueryForTests(
        "SELECT count(*) AS n FROM bronze WHERE workspace_id = $1 AND length(doc) = 0",
        ["key_packed"],
      );
      assert.ok(Number(packed[0]?.n) >= 10); // each WP's latest (seventeenth part: the others keep no row)
      const nulls = await store.rawQueryForTests(
        "SELECT count(*) AS n FROM bronze WHERE workspace_id = $1 AND length(doc) = 0 AND previous_bronze_id IS NULL",
        ["key_packed"],
      );
      assert.equal(Number(nulls[0]?.n), 0, "packed rows without NULLs");
      const after = await store.transaction((tx) => tx.bronzeSnapshots());
      assert.equal(text(after), text(before));
      for (const b of after) assert.equal(b.content_hash, canonicalSha256(b.snapshot), b.bronze_id);
      const wp = before[0]?.wp_id as string;
      await ok(engine, "update_wp", { wp_id: wp, updates: { priority: 3 } });
      const mine = await store.transaction((tx) => tx.bronzeSnapshots(wp));
      assert.equal(mine.at(-1)?.previous_bronze_id, mine.at(-2)?.bronze_id);
      assert.equal(mine.at(-2)?.bronze_id, before.filter((b) => b.wp_id === wp).at(-1)?.bronze_id);
      await assertLogSound(store);
    } finally {
      await store.close();
    }
  });

  it("a store in the form before migration 19 migrates, twice, and the migration reruns over its own form", async () => {
    const cluster = await startPostgresCluster();
    try {
      const database = await cluster.createDatabase("locus_key_forms");
      const url = `${database}?workspace=keys`;
      const oddUrl = `${database}?workspace=keys_odd`;
      let store = await PostgresStore.open(url);
      const engine = new LocusEngine(store, {
        config: CONFIG,
        clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
      });
      await runStandardDay(engine, 0, 60);
      await compactStore(store);
      // Rows no job wrote (no events: replay would miss them) in a workspace of their own in the same tables.
      const odd = await PostgresStore.open(oddUrl);
      await odd.transaction(async (tx) => {
        await tx.putBronzes(chain("WP-odd"));
        for (const dep of oddDependencies()) await tx.putDependency(dep);
      });
      const read = async (from: PostgresStore) => ({
        snapshots: await from.transaction((tx) => tx.bronzeSnapshots()),
        deps: await from.transaction((tx) => tx.replicaLog.allDependencies()),
      });
      const { snapshots, deps } = await read(store);
      const oddBefore = await read(odd);
      await Promise.all([store.close(), odd.close()]);

      for (const setBack of [true, true, false]) {
        const client = new pg.Client({ connectionString: database });
        await client.connect();
        try {
          if (setBack)
            await formBefore(client, [...snapshots, ...oddBefore.snapshots], [...deps, ...oddBefore.deps]);
          await client.query("DELETE FROM locus_schema_version WHERE version >= $1", [VERSION]);
        } finally {
          await client.end();
        }
        store = await PostgresStore.open(url);
        const now = await read(store);
        assert.equal(text(now.snapshots), text(snapshots), "every snapshot byte for byte");
        for (const b of now.snapshots) assert.equal(b.content_hash, canonicalSha256(b.snapshot), b.bronze_id);
        assert.equal(text(now.deps), text(deps));
        const reopened = await PostgresStore.open(oddUrl);
        assert.equal(text(await read(reopened)), text(oddBefore), "ids and documents of other forms");
        await reopened.close();
        const rows = await store.rawQueryForTests("SELECT wp_id, version, bronze_id FROM bronze");
        const idOf = new Map(
          [...snapshots, ...oddBefore.snapshots].map((b) => [`${b.wp_id} ${b.version}`, b.bronze_id]),
        );
        for (const row of rows)
          assert.deepEqual(row.bronze_id, bronzeIdBytes(idOf.get(`${row.wp_id} ${row.version}`) as string));
        const key = await store.rawQueryForTests(
          "SELECT pg_get_indexdef('bronze_pkey'::regclass) AS def, to_regclass('bronze_by_wp') AS old",
        );
        assert.match(key[0]?.def as string, /\(workspace_id, wp_id, version, bronze_id\)/);
        assert.equal(key[0]?.old, null);
        const nulls = await store.rawQueryForTests(
          "SELECT count(*) AS n FROM bronze WHERE length(doc) = 0 AND previous_bronze_id IS NULL",
        );
        assert.equal(Number(nulls[0]?.n), 0, "packed rows without NULLs");
        const docs = await store.rawQueryForTests("SELECT dependency_id, doc FROM dependencies ORDER BY doc");
        const whole = docs
          .filter((row: Row) => (row.doc as string).startsWith("{"))
          .map((row: Row) => row.dependency_id);
        // The migration shortens every document whose leading keys are its columns' as to_json quotes them (the
        // odd ids too: the reader quotes them alike); a job shortens only plain ones.
        assert.deepEqual(whole, ["dep_order"], "only documents whose keys are in another order stay whole");
        await assertLogSound(store);
        await store.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});

/** The database as Locus left it before migration 19: Bronze keys as text with their two indexes, whole documents. */
async function formBefore(
  client: pg.Client,
  snapshots: readonly BronzeSnapshot[],
  deps: readonly TrackedDependency[],
): Promise<void> {
  await client.query(`ALTER TABLE bronze DROP CONSTRAINT bronze_pkey;
    ALTER TABLE bronze ALTER COLUMN bronze_id TYPE text COLLATE "C" USING '',
      ALTER COLUMN previous_bronze_id TYPE text USING NULL, ALTER COLUMN operation TYPE text USING ''`);
  for (const b of snapshots) {
    // A packed row's previous id is in its block (its column NULL).
    await client.query(
      `UPDATE bronze SET bronze_id = $3, operation = $4,
         previous_bronze_id = CASE WHEN length(doc) = 0 THEN NULL ELSE $5 END
       WHERE wp_id = $1 AND version = $2`,
      [b.wp_id, b.version, b.bronze_id, b.operation, b.previous_bronze_id ?? null],
    );
  }
  await client.query(`ALTER TABLE bronze ADD PRIMARY KEY (workspace_id, bronze_id);
    CREATE INDEX bronze_by_wp ON bronze (workspace_id, wp_id, version)`);
  for (const dep of deps)
    await client.query("UPDATE dependencies SET doc = $2 WHERE dependency_id = $1", [
      dep.dependency_id,
      text(dep),
    ]);
}
