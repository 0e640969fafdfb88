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

/**
 * Section 16, retention: an event a purge removed. Its row is gone; its hash stays, so the chain still links
 * across it, and the checkpoint event that removed it (an `events_purged` in the chain) commits to the digest of
 * all it removed, so no kept hash can be changed either.
 */
export interface PurgedEvent {
  seq: number;
  hash: string;
  checkpoint_seq: number;
}

/** The digest a checkpoint records of the events it removed (seq and hash, in seq order). */
export function purgeDigest(removed: readonly { seq: number; hash: string }[]): string {
  return canonicalSha256(removed.map((event) => [event.seq, event.hash]));
}

/**
 * Checks every checkpoint this store wrote (`replicaId`'s own `events_purged`) against the purged events it
 * names, and that no purged event is unaccounted for. Returns the first fault.
 */
export function checkpointFault(
  events: readonly StoredEvent[],
  purged: readonly PurgedEvent[],
  replicaId: string,
): { seq: number; reason: string } | undefined {
  const byCheckpoint = new Map<number, PurgedEvent[]>();
  for (const event of purged) {
    const list = byCheckpoint.get(event.checkpoint_seq) ?? [];
    list.push(event);
    byCheckpoint.set(event.checkpoint_seq, list);
  }
  for (const event of events) {
    if (event.event_name !== "events_purged" || event.replica_id !== replicaId) continue;
    const removed = (byCheckpoint.get(event.seq) ?? []).sort((a, b) => a.seq - b.seq);
    byCheckpoint.delete(event.seq);
    const p = event.payload as { removed?: unknown; removed_digest?: unknown };
    if (removed.length !== p.removed || purgeDigest(removed) !== p.removed_digest)
      return {
        seq: event.seq,
        reason: `the events checkpoint ${event.seq} removed are not the ${String(p.removed)} it recorded`,
      };
  }
  for (const [checkpoint, list] of byCheckpoint) {
    const first = Math.min(...list.map((event) => event.seq));
    return {
      seq: first,
      reason: `purged event ${first} names checkpoint ${checkpoint}, which recorded no purge`,
    };
  }
  return undefined;
}

/**
 * Recomputes the hash chain; names the first bad seq (edited, deleted, reordered or truncated). `purged` holds
 * the hashes of events a retention purge removed (section 16): the chain links across them.
 */
export function verifyChain(
  events: readonly StoredEvent[],
  head: { seq: number; hash: string },
  purged: ReadonlyMap<number, string> = new Map(),
): ChainReport {
  let previousHash = "";
  let expectedSeq = 1;
  for (const event of events) {
    while (event.seq > expectedSeq && purged.has(expectedSeq)) {
      previousHash = purged.get(expectedSeq) as string;
      expectedSeq += 1;
    }
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
  while (expectedSeq <= head.seq && purged.has(expectedSeq)) {
    previousHash = purged.get(expectedSeq) as string;
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
