import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import fc from "fast-check";
import {
  packedSequenceColumn,
  packedTimestamp,
  packedTimestampColumn,
  packTermColumns,
  sequenceSqlite,
  TIMESTAMP_ROW_SQLITE,
  termInSqlite,
  termTextSqlite,
  timestampBeforeSqlite,
  timestampBound,
} from "./sqlite-event-columns.js";

// Issue 20, fourth part: a packed events row's name, replica and timestamp in their small forms read back as the
// text that was written (so its hash), and the conditions queries put on them select the same rows as on text.

const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const canonical = fc.integer({ min: 0, max: MAX_MS }).map((ms) => new Date(ms).toISOString());

/** The text EVENT_ROW_SQLITE's timestamp columns give back for a row's stored timestamp and uuid (eventFromRow). */
function readBack(db: Database.Database, stored: unknown, uuid: unknown = "not-a-uuid"): string {
  const row = db
    .prepare(`SELECT ${TIMESTAMP_ROW_SQLITE} FROM (SELECT ? AS timestamp, ? AS event_uuid) e`)
    .get(stored, uuid) as { timestamp_ms_hex: string | null; timestamp: string };
  return row.timestamp_ms_hex === null
    ? row.timestamp
    : new Date(Number.parseInt(row.timestamp_ms_hex, 16)).toISOString();
}

/** A uuid of 16 bytes: a UUIDv7 whose first 6 bytes are `ms`, or (`v7` false) random bytes. */
const uuidOf = (ms: number, v7: boolean, rest: Uint8Array): Buffer => {
  const uuid = Buffer.alloc(16);
  Buffer.from(rest).copy(uuid);
  if (v7) uuid.writeUIntBE(ms, 0, 6);
  return uuid;
};
const uuidArbitrary = fc.tuple(fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }));

describe("packed events columns (issue 20, fourth part)", () => {
  it("a timestamp packs only when its milliseconds print it back, and reads back as written", () => {
    const db = new Database(":memory:");
    const variants = canonical.chain((text) =>
      fc.constantFrom(text, text.replace(/\.\d{3}Z$/, "Z"), text.replace("Z", "+00:00"), text.toLowerCase()),
    );
    fc.assert(
      fc.property(fc.oneof(variants, fc.string()), (text) => {
        const packed = packedTimestamp(text);
        if (packed !== undefined) assert.equal(packed.length, 6);
        assert.equal(readBack(db, packed ?? text), text);
      }),
    );
    assert.ok(packedTimestamp("2026-12-04T14:53:24.093Z") !== undefined);
    assert.equal(packedTimestamp("2026-12-04T14:53:24Z"), undefined);
    db.close();
  });

  it("a timestamp a UUIDv7 holds packs to an empty BLOB, any other as before, and reads back as written", () => {
    const db = new Database(":memory:");
    fc.assert(
      fc.property(canonical, uuidArbitrary, (text, [v7, rest]) => {
        const ms = Date.parse(text);
        const uuid = uuidOf(ms, v7, rest);
        const stored = packedTimestampColumn({ timestamp: text, event_uuid: uuid }) as Buffer;
        const inUuid = uuid.subarray(0, 6).equals(packedTimestamp(text) as Buffer);
        assert.equal(stored.length, inUuid ? 0 : 6, "seventh part: empty when the uuid holds it");
        assert.equal(readBack(db, stored, uuid), text);
      }),
    );
    // A uuid stored as text (rows of the first form) never gives an empty timestamp; nor does a text not packed.
    const text = "2026-12-04T14:53:24.093Z";
    assert.equal(
      (
        packedTimestampColumn({
          timestamp: text,
          event_uuid: "0193f000-0000-7000-8000-000000000000",
        }) as Buffer
      ).length,
      6,
    );
    assert.equal(
      packedTimestampColumn({ timestamp: "2026-12-04T14:53:24Z", event_uuid: Buffer.alloc(16) }),
      "2026-12-04T14:53:24Z",
    );
    db.close();
  });

  it("a sequence equal to its seq packs to an empty BLOB, reads back as written, and compares the same", () => {
    const db = new Database(":memory:");
    const read = db.prepare(
      `SELECT ${sequenceSqlite("e")} AS sequence, ${sequenceSqlite("e")} > ? AS after
         FROM (SELECT ? AS seq, ? AS sequence) e`,
    );
    const seqs = fc.integer({ min: 1, max: 2 ** 40 });
    fc.assert(
      fc.property(seqs, fc.oneof(seqs, fc.integer({ min: 0, max: 2 ** 40 })), seqs, (seq, drawn, bound) => {
        const sequence = drawn % 3 === 0 ? seq : drawn; // a third equal to their seq
        const stored = packedSequenceColumn({ seq, sequence });
        assert.equal(Buffer.isBuffer(stored) && stored.length === 0, sequence === seq, "seventh part");
        const row = read.get(bound, seq, stored) as { sequence: number; after: number };
        assert.deepEqual(row, { sequence, after: sequence > bound ? 1 : 0 });
      }),
    );
    db.close();
  });

  it("a timestamp bound selects the same rows packed (in the row or in its uuid) or as text", () => {
    const db = new Database(":memory:");
    const select = db.prepare(
      `SELECT 1 AS hit FROM (SELECT ? AS timestamp, ? AS event_uuid) e WHERE ${timestampBeforeSqlite("e")}`,
    );
    fc.assert(
      fc.property(canonical, fc.oneof(canonical, fc.string()), uuidArbitrary, (text, before, [v7, rest]) => {
        const expected = text < before;
        const uuid = uuidOf(Date.parse(text), v7, rest);
        const hit = (stored: unknown) => select.get(stored, uuid, ...timestampBound(before)) !== undefined;
        assert.equal(hit(text), expected, "as text");
        // Packed, against a bound that prints as toISOString does: the same answer as the texts'.
        if (packedTimestamp(before) !== undefined) {
          assert.equal(hit(packedTimestamp(text)), expected, "packed");
          assert.equal(
            hit(packedTimestampColumn({ timestamp: text, event_uuid: uuid })),
            expected,
            "seventh part",
          );
        }
      }),
    );
    db.close();
  });

  it("terms pack to short keys, never reused, read back as their text, and match the same conditions", () => {
    const db = new Database(":memory:");
    db.exec(`CREATE TABLE event_terms (term_key BLOB PRIMARY KEY, term TEXT NOT NULL UNIQUE) WITHOUT ROWID;
      CREATE TABLE events (seq INTEGER PRIMARY KEY, event_name TEXT, replica_id TEXT, timestamp TEXT);
      CREATE TABLE purged_events (seq INTEGER PRIMARY KEY, hash TEXT)`);
    const prepared = (sql: string) => db.prepare(sql);
    const names = Array.from({ length: 300 }, (_, i) => `event_${i}`);
    const rows = names.map((name, i) => ({
      seq: i + 1,
      event_name: name,
      replica_id: i % 2 === 0 ? "rep_A" : "rep_B",
      timestamp: new Date(1_700_000_000_000 + i).toISOString(),
    }));
    const packed = packTermColumns(prepared, rows);
    const insert = db.prepare("INSERT INTO events VALUES (@seq, @event_name, @replica_id, @timestamp)");
    for (const row of packed) insert.run(row);
    assert.ok(
      packed.every((row) => Buffer.isBuffer(row.event_name) && (row.event_name as Buffer).length <= 2),
    );
    const read = (sql: string) =>
      db.prepare(`SELECT ${sql} FROM events e ORDER BY seq`).all() as Record<string, unknown>[];
    assert.deepEqual(
      read(`${termTextSqlite("e.event_name")} AS event_name`).map((r) => r.event_name),
      names,
    );
    assert.deepEqual(
      read(`${termTextSqlite("e.replica_id")} AS replica_id`).map((r) => r.replica_id),
      rows.map((row) => row.replica_id),
    );
    const hits = read(`seq, ${termInSqlite("e.event_name", ["event_7", "event_280"])} AS hit`);
    assert.deepEqual(
      hits.filter((r) => r.hit === 1).map((r) => r.seq),
      [8, 281],
    );
    // A term row removed outside Locus: the next term gets a key no row holds.
    db.prepare("DELETE FROM event_terms WHERE term = 'event_5'").run();
    const [next] = packTermColumns(prepared, [{ ...rows[0], event_name: "new_name" }]);
    const clash = db
      .prepare("SELECT COUNT(*) AS n FROM events WHERE event_name = ?")
      .get(next?.event_name) as {
      n: number;
    };
    assert.equal(clash.n, 0);
    db.close();
  });
});
