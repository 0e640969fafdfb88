// Issue 20, sixteenth part: a block of whole events (event-block-body.ts) reads back every event as written, its
// hash the one sealed, in every form an id, hash, clock, sequence or payload takes, and each event's derived columns.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { eventHash } from "../domain/events/hash-chain.js";
import type { StoredEvent } from "../domain/events/stored-event.js";
import { type BlockEvent, blockRecords, decodeBlock, encodeBlock } from "./event-block-body.js";

const REPLICA = "rep_01BLOCKTESTREPLICA000000000";
const anyId = fc.oneof(
  fc.uuid().map((id) => id.toLowerCase()),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.string({ minLength: 0, maxLength: 40 }),
  fc.constant("\u0000sixteen-bytes!!"),
);
const anyHash = fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string({ minLength: 0, maxLength: 70 }));

/** A chain of events of random forms, each sealed on the one before unless `broken` says otherwise. */
const chains = fc
  .array(
    fc.record({
      uuid: anyId,
      trace: anyId,
      job: anyId,
      name: fc.constantFrom("work_packet_created", "diagnostic", "an unknown name"),
      timestamp: fc.oneof(
        fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString()),
        fc.constant("2026-03-01T00:10:00Z"),
      ),
      other: fc.boolean(),
      sequence: fc.integer({ min: 1, max: 1_000_000 }),
      payload: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
      // A prev_hash of "" reads as the hash before, in a block as in an events row (event-rows.ts).
      broken: fc.option(
        anyHash.filter((hash) => hash !== ""),
        { nil: undefined },
      ),
      wp: fc.option(fc.constantFrom("WP-000001", "WP-000002"), { nil: null }),
      related: fc.option(fc.constantFrom("WP-000003"), { nil: null }),
      gap: fc.integer({ min: 1, max: 3 }),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((forms) => {
    let seq = 0;
    let hash = "0".repeat(64);
    return forms.map((form): BlockEvent => {
      seq += form.gap;
      const replica = form.other ? "rep_other" : REPLICA;
      const sequence = form.other ? form.sequence : seq;
      const unsealed: Omit<StoredEvent, "hash"> = {
        seq,
        event_uuid: form.uuid,
        event_id: "FR-EVT-TEST",
        event_name: form.name,
        timestamp: form.timestamp,
        trace_id: form.trace,
        job_id: form.job,
        protocol_id: "locus_test_v1",
        actor_id: "tester",
        replica_id: replica,
        sequence,
        vector_clock: form.other ? { rep_other: sequence, [REPLICA]: seq } : { [replica]: sequence },
        // Plain objects, as a payload read from JSON is (the generator's may have no prototype).
        payload: JSON.parse(
          JSON.stringify({ ...form.payload, replica_id: replica, sequence, job_id: form.job }),
        ),
        prev_hash: form.broken ?? hash,
      };
      const event = { ...unsealed, hash: eventHash(unsealed) };
      hash = event.hash;
      return { event, wp_id: form.wp, related_wp_id: form.related };
    });
  });

describe("a block of whole events (issue 20, sixteenth part)", () => {
  it("reads back every event and its derived columns as written", () => {
    fc.assert(
      fc.property(chains, (entries) => {
        const body = encodeBlock(entries);
        assert.deepEqual(decodeBlock(body), entries);
        for (const { event } of decodeBlock(body)) {
          const { hash, ...unsealed } = event;
          assert.equal(eventHash(unsealed), hash);
        }
        assert.deepEqual(
          // The columns a reader selects on, read without decoding the event, are the event's.
          blockRecords(body).map(({ event: _, ...columns }) => columns),
          entries.map(({ event, wp_id, related_wp_id }) => ({
            seq: event.seq,
            wp_id,
            related_wp_id,
            event_uuid: event.event_uuid,
            job_id: event.job_id,
            event_name: event.event_name,
            replica_id: event.replica_id,
            sequence: event.sequence,
            timestamp: event.timestamp,
          })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("a body that is not a block does not read", () => {
    assert.throws(() => blockRecords(Buffer.from("not a block")));
  });
});
