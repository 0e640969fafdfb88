import { canonicalSha256 } from "../canonical-json.js";
import type { OriginEvent, StoredEvent } from "./stored-event.js";

/** The hash of a sealed event: SHA-256 over prev_hash and the canonical JSON of the event without its hash (section 6). */
export function eventHash(event: Omit<StoredEvent, "hash">): string {
  return canonicalSha256(event, event.prev_hash);
}

/** The outcome of `verify` (section 6). */
export interface ChainReport {
  ok: boolean;
  checked: number;
  head_seq: number;
  first_bad_seq?: number;
  reason?: string;
}

/** Recomputes the hash chain; names the first bad seq (edited, deleted, reordered or truncated). */
export function verifyChain(
  events: readonly StoredEvent[],
  head: { seq: number; hash: string },
): ChainReport {
  let previousHash = "";
  let expectedSeq = 1;
  for (const event of events) {
    const bad = (reason: string): ChainReport => ({
      ok: false,
      checked: expectedSeq - 1,
      head_seq: head.seq,
      first_bad_seq: event.seq,
      reason,
    });
    if (event.seq !== expectedSeq) {
      return { ...bad(`seq ${expectedSeq} is missing`), first_bad_seq: expectedSeq };
    }
    if (event.prev_hash !== previousHash) return bad("prev_hash does not match the previous event's hash");
    const { hash, ...unsealed } = event;
    if (eventHash(unsealed) !== hash) return bad("hash does not match the event's content");
    previousHash = hash;
    expectedSeq += 1;
  }
  const last = expectedSeq - 1;
  if (last === head.seq && previousHash !== head.hash) {
    // The last event was rewritten and its hash recomputed: only the recorded head still knows it.
    return {
      ok: false,
      checked: last - 1,
      head_seq: head.seq,
      first_bad_seq: last,
      reason: `seq ${last} does not match the recorded head hash: the last event was rewritten`,
    };
  }
  if (last !== head.seq) {
    return {
      ok: false,
      checked: last,
      head_seq: head.seq,
      first_bad_seq: Math.min(last, head.seq) + 1,
      reason:
        last < head.seq
          ? `the log ends at seq ${last} but the recorded head is seq ${head.seq}: events were removed`
          : `the log goes on past the recorded head (seq ${head.seq}): events were added outside Locus`,
    };
  }
  return { ok: true, checked: last, head_seq: head.seq };
}

/**
 * Section 13: seals events received from another replica into this store's chain after `head`. They keep their
 * origin fields (uuid, replica, sequence, clock, actor, time, payload); seq and hashes are this store's own.
 */
export function chainReceived(
  events: readonly OriginEvent[],
  head: { seq: number; hash: string },
): StoredEvent[] {
  let { seq, hash } = head;
  return events.map((origin) => {
    // Field by field, in the stored order (a spread of each of thousands of events costs more).
    const unsealed: Omit<StoredEvent, "hash"> = {
      seq: seq + 1,
      event_uuid: origin.event_uuid,
      event_id: origin.event_id,
      event_name: origin.event_name,
      timestamp: origin.timestamp,
      trace_id: origin.trace_id,
      job_id: origin.job_id,
      protocol_id: origin.protocol_id,
      actor_id: origin.actor_id,
      replica_id: origin.replica_id,
      sequence: origin.sequence,
      vector_clock: origin.vector_clock,
      payload: origin.payload,
      prev_hash: hash,
    };
    const sealed = unsealed as StoredEvent;
    sealed.hash = eventHash(unsealed);
    seq = sealed.seq;
    hash = sealed.hash;
    return sealed;
  });
}
