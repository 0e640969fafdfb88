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
  const walk = new CheckpointWalk(purged, replicaId);
  walk.feed(events);
  return walk.result();
}

/**
 * The checkpoint check fed the log a page at a time, in seq order (`events verify` reads the log in pages). The
 * first checkpoint that does not match what it removed is the fault; failing that, a purged event whose checkpoint
 * was never read.
 */
export class CheckpointWalk {
  /** The purged events of the checkpoints not read yet, by checkpoint seq (in the order their events come). */
  private readonly byCheckpoint = new Map<number, PurgedEvent[]>();
  private mismatch: { seq: number; reason: string } | undefined;

  constructor(
    purged: readonly PurgedEvent[],
    private readonly replicaId: string,
  ) {
    for (const event of purged) {
      const list = this.byCheckpoint.get(event.checkpoint_seq) ?? [];
      list.push(event);
      this.byCheckpoint.set(event.checkpoint_seq, list);
    }
  }

  /** True while a later page could still change the result: no mismatch yet, and checkpoints not read yet. */
  get awaiting(): boolean {
    return this.mismatch === undefined && this.byCheckpoint.size > 0;
  }

  /** Checks the checkpoints among the next events. */
  feed(events: readonly StoredEvent[]): void {
    if (this.mismatch !== undefined) return;
    for (const event of events) {
      if (event.event_name !== "events_purged" || event.replica_id !== this.replicaId) continue;
      const removed = (this.byCheckpoint.get(event.seq) ?? []).sort((a, b) => a.seq - b.seq);
      this.byCheckpoint.delete(event.seq);
      const p = event.payload as { removed?: unknown; removed_digest?: unknown };
      if (removed.length !== p.removed || purgeDigest(removed) !== p.removed_digest) {
        this.mismatch = {
          seq: event.seq,
          reason: `the events checkpoint ${event.seq} removed are not the ${String(p.removed)} it recorded`,
        };
        return;
      }
    }
  }

  /**
   * The first fault of the events fed. `readBefore`: the events were fed only up to that seq (a row past them
   * could not be read), so a checkpoint from there on is not missing, only not read.
   */
  result(readBefore = Number.POSITIVE_INFINITY): { seq: number; reason: string } | undefined {
    if (this.mismatch !== undefined) return this.mismatch;
    for (const [checkpoint, list] of this.byCheckpoint) {
      if (checkpoint >= readBefore) continue;
      const first = Math.min(...list.map((event) => event.seq));
      return {
        seq: first,
        reason: `purged event ${first} names checkpoint ${checkpoint}, which recorded no purge`,
      };
    }
    return undefined;
  }
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
  const walk = new ChainWalk(head, purged);
  return walk.feed(events) ?? walk.finish();
}

/**
 * The chain check fed the log a page at a time, in seq order: from one page to the next it carries the hash and
 * the seq it expects, so `events verify` holds one page of a log of any length.
 */
export class ChainWalk {
  private previousHash = "";
  private expectedSeq = 1;
  /** The first fault, once found; the events fed after it are not checked. */
  fault: ChainReport | undefined;

  constructor(
    private readonly head: { seq: number; hash: string },
    private readonly purged: ReadonlyMap<number, string> = new Map(),
  ) {}

  /** Checks the next events (the seqs after those fed before); the fault, once there is one. */
  feed(events: readonly StoredEvent[]): ChainReport | undefined {
    if (this.fault !== undefined) return this.fault;
    const purged = this.purged;
    for (const event of events) {
      while (event.seq > this.expectedSeq && purged.has(this.expectedSeq)) {
        this.previousHash = purged.get(this.expectedSeq) as string;
        this.expectedSeq += 1;
      }
      const bad = (reason: string, firstBad = event.seq): ChainReport => {
        this.fault = {
          ok: false,
          checked: this.expectedSeq - 1,
          head_seq: this.head.seq,
          first_bad_seq: firstBad,
          reason,
        };
        return this.fault;
      };
      if (event.seq !== this.expectedSeq) return bad(`seq ${this.expectedSeq} is missing`, this.expectedSeq);
      if (event.prev_hash !== this.previousHash)
        return bad("prev_hash does not match the previous event's hash");
      const { hash, ...unsealed } = event;
      if (eventHash(unsealed) !== hash) return bad("hash does not match the event's content");
      this.previousHash = hash;
      this.expectedSeq += 1;
    }
    return undefined;
  }

  /** The report once every event is fed: the log must end at `head` (the recorded head unless told). */
  finish(head: { seq: number; hash: string } = this.head): ChainReport {
    if (this.fault !== undefined) return this.fault;
    let { previousHash, expectedSeq } = this;
    while (expectedSeq <= head.seq && this.purged.has(expectedSeq)) {
      previousHash = this.purged.get(expectedSeq) as string;
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
