// Issue 20, eighth part, on PostgreSQL: Bronze content hashes stored as bytes (migration 13, postgres-bronze.ts).
// Every form of a hash reads back as written, one snapshot at a time or many at once (a sync's write): a
// lowercase SHA-256 (packed to 32 bytes), and text that is not one (uppercase, short, 32 characters long, which
// would look packed). A database written before (hashes as text, version 12) migrates at its next open and reads
// every snapshot byte for byte, each matching its content hash.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { canonicalSha256 } from "../../src/domain/canonical-json.js";
import { steppingClock } from "../../src/domain/clock.js";
import { type BronzeSnapshot, makeBronze } from "../../src/domain/events/bronze-history.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { bronzeIdBytes } from "../../src/store/postgres/postgres-key-forms.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok } from "../support/drive.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";
import { makeWp } from "./contract-support.js";

const HASHES = [
  undefined, // the snapshot's own hash: lowercase hex, packed
  "A".repeat(64),
  "short",
  "x".repeat(32),
  "é".repeat(16), // 32 bytes of UTF-8
];

/** A snapshot of `wpId` whose content hash is `hash` (its own when undefined). */
function snapshot(wpId: string, at: number, hash: string | undefined): BronzeSnapshot {
  const made = makeBronze(makeWp(wpId), `brz_${wpId}_${at}`, "create", "2026-01-01T00:00:00.000Z", undefined);
  return hash === undefined ? made : { ...made, content_hash: hash };
}

describe("PostgreSQL Bronze content hashes as bytes (issue 20, eighth part)", {
  skip: postgresSkipReason(),
}, () => {
  it("every form of a hash reads back as written, one at a time and many at once", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=hashes`);
    try {
      const one = HASHES.map((hash, at) => snapshot("WP-one", at, hash));
      const many = HASHES.map((hash, at) => snapshot(`WP-many-${at}`, at, hash));
      await store.transaction(async (tx) => {
        for (const b of one) await tx.putBronze(b);
        await tx.putBronzes(many);
      });
      const read = await store.transaction((tx) => tx.bronzeSnapshots());
      const byId = new Map(read.map((b) => [b.bronze_id, b]));
      for (const b of [...one, ...many]) assert.deepEqual(byId.get(b.bronze_id), b, b.content_hash);
      const own = byId.get("brz_WP-one_0") as BronzeSnapshot;
      assert.equal(own.content_hash, canonicalSha256(own.snapshot), "the snapshot's own hash");
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(
          "SELECT octet_length(content_hash) AS n FROM bronze WHERE bronze_id = $1",
          [bronzeIdBytes(own.bronze_id)],
        );
        assert.equal(rows[0].n, 32, "a lowercase SHA-256 is stored as its 32 bytes");
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
    }
  });

  it("hashes as text (before migration 13) migrate and read byte for byte", async () => {
    const url = await withPostgres();
    const store = await PostgresStore.open(`${url}?workspace=old`);
    const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
    for (const id of ["WP-1", "WP-2"]) await ok(engine, "create_wp", { wp_id: id, title: id });
    await ok(engine, "update_wp", { wp_id: "WP-1", note: "a note" });
    const odd = snapshot("WP-odd", 0, "x".repeat(32));
    await store.transaction((tx) => tx.putBronze(odd));
    const written = await store.transaction((tx) => tx.bronzeSnapshots());
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The database as Locus left it before migration 13: every hash as its text.
      await client.query("ALTER TABLE bronze ALTER COLUMN content_hash TYPE text USING ''");
      for (const b of written)
        await client.query("UPDATE bronze SET content_hash = $1 WHERE bronze_id = $2", [
          b.content_hash,
          bronzeIdBytes(b.bronze_id), // bytes since migration 19 (postgres-key-forms.ts)
        ]);
      await client.query("DELETE FROM locus_schema_version WHERE version >= 13");
    } finally {
      await client.end();
    }
    await store.close();
    const reopened = await PostgresStore.open(`${url}?workspace=old`);
    try {
      const read = await reopened.transaction((tx) => tx.bronzeSnapshots());
      assert.deepEqual(read, written);
      for (const b of read.filter((s) => s.wp_id !== "WP-odd"))
        assert.equal(b.content_hash, canonicalSha256(b.snapshot), `${b.bronze_id} matches its content`);
      const after = new LocusEngine(reopened, { clock: steppingClock("2026-01-02T00:00:00.000Z", 1000) });
      await ok(after, "update_wp", { wp_id: "WP-2", updates: { status: "ready" } });
      await assertLogSound(reopened);
    } finally {
      await reopened.close();
    }
  });
});
