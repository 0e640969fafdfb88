import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { eventHash, verifyChain } from "./hash-chain.js";
import type { StoredEvent } from "./stored-event.js";

function chain(payloads: Record<string, unknown>[]): StoredEvent[] {
  const events: StoredEvent[] = [];
  let prev = "";
  payloads.forEach((payload, i) => {
    const unsealed = {
      seq: i + 1,
      event_uuid: `u${i}`,
      event_id: "FR-EVT-WP-002",
      event_name: "work_packet_updated",
      timestamp: "2026-01-01T00:00:00.000Z",
      trace_id: "t",
      job_id: "j",
      protocol_id: "locus_update_wp_v1",
      actor_id: "a",
      replica_id: "r",
      sequence: i + 1,
      vector_clock: { r: i + 1 },
      payload,
      prev_hash: prev,
    };
    const event = { ...unsealed, hash: eventHash(unsealed) };
    prev = event.hash;
    events.push(event);
  });
  return events;
}
const head = (events: StoredEvent[]) => ({ seq: events.at(-1)?.seq ?? 0, hash: events.at(-1)?.hash ?? "" });

describe("hash chain verify (section 6)", () => {
  it("accepts an intact chain and an empty one", () => {
    const events = chain([{ a: 1 }, { b: 2 }, { c: 3 }]);
    assert.deepEqual(verifyChain(events, head(events)), { ok: true, checked: 3, head_seq: 3 });
    assert.equal(verifyChain([], { seq: 0, hash: "" }).ok, true);
  });

  it("property: editing, deleting or reordering any event is detected and the first bad seq is named", () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string({ maxLength: 3 }), fc.integer()), { minLength: 2, maxLength: 12 }),
        fc.nat(),
        (payloads, pick) => {
          const events = chain(payloads);
          const target = pick % events.length;
          const edited = events.map((e, i) =>
            i === target ? { ...e, payload: { ...e.payload, tampered: true } } : e,
          );
          assert.equal(verifyChain(edited, head(events)).first_bad_seq, target + 1);
          const removed = events.filter((_, i) => i !== target);
          const report = verifyChain(removed, head(events));
          assert.equal(report.ok, false);
          assert.equal(report.first_bad_seq, target + 1);
          const actor = events.map((e, i) => (i === target ? { ...e, actor_id: "mallory" } : e));
          assert.equal(verifyChain(actor, head(events)).first_bad_seq, target + 1);
        },
      ),
    );
  });

  it("property: rewriting any field of any event is detected; without re-hashing that event is named", () => {
    const fields = [
      "seq",
      "event_uuid",
      "event_id",
      "event_name",
      "timestamp",
      "trace_id",
      "job_id",
      "protocol_id",
      "actor_id",
      "replica_id",
      "sequence",
      "vector_clock",
      "payload",
      "prev_hash",
      "hash",
    ] as const;
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string({ maxLength: 3 }), fc.integer()), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        fc.constantFrom(...fields),
        fc.boolean(),
        (payloads, pick, field, rehash) => {
          const events = chain(payloads);
          const target = pick % events.length;
          const original = events[target]!;
          const forged: StoredEvent = { ...original, [field]: forgedValue(original[field]) };
          const edited = events.map((e, i) => (i === target ? forged : e));
          if (rehash && field !== "hash" && field !== "prev_hash") {
            // A forger who recomputes every hash from the edited event on: only the recorded head stays.
            let prev = target === 0 ? "" : edited[target - 1]!.hash;
            for (let i = target; i < edited.length; i += 1) {
              const { hash: _old, ...unsealed } = { ...edited[i]!, prev_hash: prev };
              edited[i] = { ...unsealed, hash: eventHash(unsealed) };
              prev = edited[i]!.hash;
            }
          }
          const report = verifyChain(edited, head(events));
          assert.equal(report.ok, false, `${field} edit at seq ${target + 1} went unnoticed`);
          if (rehash && field !== "hash" && field !== "prev_hash" && field !== "seq") {
            // A consistently re-hashed chain differs only from the recorded head: the break shows at the end.
            assert.equal(report.first_bad_seq, events.length);
          } else {
            assert.equal(report.first_bad_seq, target + 1);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("names the seq after the head when events were appended outside Locus", () => {
    const events = chain([{ a: 1 }, { b: 2 }, { c: 3 }]);
    const report = verifyChain(events, head(events.slice(0, 2)));
    assert.equal(report.ok, false);
    assert.equal(report.first_bad_seq, 3);
  });
});

function forgedValue(value: unknown): unknown {
  if (typeof value === "number") return value + 1;
  if (typeof value === "string") return `${value}x`;
  return { ...(value as object), forged: 1 };
}
