import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { canonicalJson } from "../domain/canonical-json.js";
import { isLocusError } from "../domain/errors.js";
import type { StoredEvent } from "../domain/events/stored-event.js";
import {
  columnBytes,
  eventFromRow,
  hashBytes,
  hashFromColumn,
  storedClock,
  storedHash,
  storedPayload,
  storedPrevHash,
  storedUuid,
  uuidBytes,
  uuidFromColumn,
} from "./event-rows.js";
import { packText, unpackText } from "./stored-json.js";

// Issue 20: an events row stores each payload field its columns hold once, a local clock as "", and the
// payload packed; what is read back is the event that was written (so its hash), old rows and new alike.

const REPLICA = "rep_01M8ZV3TNW9X174Z244H5471H4";

function event(
  payload: Record<string, unknown>,
  clock: Record<string, number> = { [REPLICA]: 7 },
): StoredEvent {
  return {
    seq: 7,
    event_uuid: "01a23fb1-eafc-773f-9aef-30e3161896ec",
    event_id: "FR-EVT-CAP-001",
    event_name: "capability_decision",
    timestamp: "2026-12-04T06:15:54.364Z",
    trace_id: "01a23fb1-eafb-7091-b3e9-4e3eab7018a4",
    job_id: "01a23fb1-eafb-735f-b4e0-bb2fff997e20",
    protocol_id: "locus_create_wp_v1",
    actor_id: "local-user",
    replica_id: REPLICA,
    sequence: 7,
    vector_clock: clock,
    payload,
    prev_hash: "a".repeat(64),
    hash: "b".repeat(64),
  };
}

/** The row the stores write for `e` (SQLite's packed payload), as a driver returns it. */
const rowOf = (e: StoredEvent, payload: unknown = packText(storedPayload(e))): Record<string, unknown> =>
  Object.assign({}, e, { vector_clock: storedClock(e), payload }) as unknown as Record<string, unknown>;

describe("events rows (issue 20)", () => {
  it("store a decision's repeated fields once and read back the same event, key order kept", () => {
    const written = event({
      capability_id: "locus.write",
      actor_id: "local-user",
      job_id: "01a23fb1-eafb-735f-b4e0-bb2fff997e20",
      decision_outcome: "allow",
      replica_id: REPLICA,
      sequence: 7,
      vector_clock: { [REPLICA]: 7 },
    });
    const stored = storedPayload(written);
    // actor_id and job_id (bits 3, 4: "o") kept as null in their place; the last three (bits 0-2: "7") left out.
    assert.equal(
      stored,
      '^o7{"capability_id":"locus.write","actor_id":null,"job_id":null,"decision_outcome":"allow"}',
    );
    assert.equal(storedClock(written), "");
    const read = eventFromRow(rowOf(written));
    assert.deepEqual(read, written);
    assert.equal(JSON.stringify(read.payload), JSON.stringify(written.payload));
    assert.notEqual(read.payload.vector_clock, read.vector_clock, "the payload's clock is its own object");
  });

  it("keeps a field that differs from its column, a received event's clock, and a payload without them", () => {
    const received = event(
      { actor_id: "someone-else", sequence: 3, replica_id: REPLICA, note: "x" },
      { [REPLICA]: 7, rep_b: 2 },
    );
    assert.equal(storedClock(received), JSON.stringify(received.vector_clock));
    assert.ok(storedPayload(received).startsWith("~1{"), "replica_id alone is its column's");
    assert.deepEqual(eventFromRow(rowOf(received)), received);
    const plain = event({ wp_id: "WP-1" });
    assert.equal(storedPayload(plain), '{"wp_id":"WP-1"}');
    assert.deepEqual(eventFromRow(rowOf(plain)), plain);
  });

  it("writes an event read from a row again with the text it was read from, and only with its own columns", () => {
    const written = event({
      capability_id: "locus.write",
      note: "x",
      replica_id: REPLICA,
      sequence: 7,
      vector_clock: { [REPLICA]: 7 },
    });
    // A valid text in the current form that encoding the payload would not give (spaces): it is what comes back.
    const text = '^07{ "capability_id": "locus.write", "note": "x" }';
    assert.notEqual(storedPayload(written), text);
    const read = eventFromRow(rowOf(written, text));
    assert.deepEqual(read, written);
    assert.equal(
      storedPayload({ ...read, seq: 90, prev_hash: "c".repeat(64) }),
      text,
      "a sync's re-chained copy",
    );
    // Other columns than the row's: the text read would mean another payload, so the payload is encoded anew.
    const moved = { ...read, sequence: 8, vector_clock: { [REPLICA]: 8 } };
    assert.notEqual(storedPayload(moved), text);
    assert.deepEqual(eventFromRow(rowOf(moved)), moved);
    // Only the texts of the last 4,096 payloads read are kept: after as many other reads, it is encoded anew.
    for (let i = 0; i < 4_096; i++) eventFromRow(rowOf(written));
    assert.equal(storedPayload(read), storedPayload(written));
    assert.notEqual(storedPayload(read), text);
  });

  it("reads a row written before issue 20 (whole JSON text) as it was", () => {
    const written = event({ capability_id: "locus.write", replica_id: REPLICA, sequence: 7 });
    const legacy = Object.assign({}, written, {
      vector_clock: JSON.stringify(written.vector_clock),
      payload: JSON.stringify(written.payload),
    });
    assert.deepEqual(eventFromRow(legacy as unknown as Record<string, unknown>), written);
    assert.equal(canonicalJson(eventFromRow(rowOf(written))), canonicalJson(written));
  });

  it("names the seq of a payload edited into something that does not decode", () => {
    const written = event({ wp_id: "WP-1" });
    for (const payload of ["{not json", Buffer.from([1, 255, 255, 255]), "~0{}", "~1[]"]) {
      assert.throws(
        () => eventFromRow(rowOf(written, payload)),
        (error) => isLocusError(error) && error.code === "HSK-400-INVALID-EVENT" && error.details?.seq === 7,
      );
    }
  });

  it("packs text and gives it back, text stored before issue 20 as it is", () => {
    const text = JSON.stringify({ wp_id: "WP-1", title: "é ".repeat(50) });
    assert.equal(unpackText(packText(text)), text);
    assert.ok(packText(text).length < Buffer.byteLength(text) / 2);
    assert.equal(unpackText(text), text);
    assert.equal(unpackText(Buffer.from(text)), text);
  });

  it("stores ids and hashes as bytes, other values as their text, and reads back each as written", () => {
    const uuid = "01a23fb1-eafb-735f-b4e0-bb2fff997e20";
    assert.equal((storedUuid(uuid) as Buffer).length, 16);
    assert.equal(uuidFromColumn(storedUuid(uuid)), uuid);
    assert.equal(uuidFromColumn(uuidBytes(uuid)), uuid);
    fc.assert(
      fc.property(fc.uuid(), (id) => {
        assert.equal((storedUuid(id) as Buffer).toString("hex"), id.replaceAll("-", ""));
        assert.equal(uuidFromColumn(storedUuid(id)), id);
      }),
    );
    const hash = "0d98a318ca5ebcd4e7b00479cce8306921cd4468c0e5a467c4c32b90397271b1";
    assert.equal((storedHash(hash) as Buffer).length, 32);
    assert.equal(hashFromColumn(hashBytes(hash)), hash);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const hex = Buffer.from(bytes).toString("hex");
        assert.deepStrictEqual(storedHash(hex), Buffer.from(hex, "hex"));
      }),
    );
    // An uppercase uuid a caller gave, text of the packed length, text starting with a zero byte, the empty text:
    // kept as text (SQLite) or as UTF-8 told apart from packed bytes (PostgreSQL).
    for (const text of [uuid.toUpperCase(), "sixteen-chars-id", "\u0000x", ""]) {
      assert.equal(storedUuid(text), text);
      assert.equal(uuidFromColumn(uuidBytes(text)), text);
    }
    for (const text of ["a".repeat(32), hash.toUpperCase(), "edited"]) {
      assert.equal(storedHash(text), text);
      assert.equal(hashFromColumn(columnBytes(storedHash(text), 32)), text);
    }
  });

  it("stores prev_hash empty when it is the hash of the row before, and reads it from that row", () => {
    const written = event({ wp_id: "WP-1" });
    assert.equal(storedPrevHash(written, written.prev_hash), "");
    assert.equal(hashFromColumn(storedPrevHash(written, "c".repeat(64))), written.prev_hash);
    assert.equal(hashFromColumn(storedPrevHash(written, undefined)), written.prev_hash);
    const row = (hashBefore: unknown) =>
      Object.assign(rowOf(written), { prev_hash: "", hash_before: hashBefore });
    assert.deepEqual(eventFromRow(row(hashBytes(written.prev_hash))), written);
    assert.deepEqual(
      eventFromRow(row(Buffer.from(written.prev_hash))),
      written,
      "a purged row's hash, as text",
    );
    assert.equal(eventFromRow(row(null)).prev_hash, "", "no row before (the first event, or a deleted row)");
  });
});
