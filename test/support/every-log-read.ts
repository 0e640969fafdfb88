// Everything every reader of a store's log gives, collected once so a test can compare it across the forms its
// events are stored in (issue 20: rows, rows packed in the ninth and twelfth parts' forms, whole blocks since the
// sixteenth). One collector for every such test, so a reader added to the log is compared by all of them.
import assert from "node:assert/strict";
import type { StoredEvent } from "../../src/domain/events/stored-event.js";
import type { LocusStore } from "../../src/store/store-port.js";

/** What to read: the WPs whose events are read, retention's bounds, and the other replica whose page is read. */
export interface LogReadScope {
  wpIds: string[];
  bounds: string[];
  /** Another replica, whose events the store holds as a sync would write them (read after its sequence 7). */
  otherReplica: string;
}

/**
 * Everything every reader of the log gives, for the store's events `events` as first read (at least 302 of them):
 * pages by seq across block boundaries, a WP's and jobs' events, derived columns, the replica log's pages of each
 * replica, WPs and dependency events, known uuids, retention's candidates, hashes at seqs, used job ids.
 */
export async function everyLogRead(store: LocusStore, events: readonly StoredEvent[], scope: LogReadScope) {
  const { wpIds, bounds, otherReplica } = scope;
  assert.ok(events.length > 300, `${events.length} events: the reads need more than 300`);
  const last = (events.at(-1) as StoredEvent).seq;
  const pages: StoredEvent[][] = [];
  for (const afterSeq of [0, 1, 20, 100, 127, 128, 129, 255, 256, 300, last - 140, last - 5])
    for (const limit of [1, 3, 40, 50, 200]) pages.push(await store.readEvents({ afterSeq, limit }));
  const jobs = [events[5], events[30], events[150], events[300], events.at(-3)].map(
    (e) => (e as StoredEvent).job_id,
  );
  const uuids = [events[2], events[140], events[290], events.at(-1)].map(
    (e) => (e as StoredEvent).event_uuid,
  );
  return {
    all: await store.readEvents(),
    pages,
    between: await store.readEvents({ afterSeq: 50, beforeSeq: 260 }),
    ofWps: await Promise.all(wpIds.map((wpId) => store.readEvents({ wpId }))),
    ofJobs: await store.readEvents({ jobIds: jobs }),
    ofEachJob: await Promise.all(jobs.map((jobId) => store.readEvents({ jobIds: [jobId] }))),
    derived: await store.readDerivedEventColumns(),
    derivedPages: [await store.readDerivedEventColumns({ afterSeq: 120, limit: 20 })],
    log: await store.transaction(async (tx) => ({
      pages: [
        await tx.replicaLog.eventsAfter({ afterSeq: 0, limit: 100 }),
        await tx.replicaLog.eventsAfter({ afterSeq: 130, limit: 1000 }),
      ],
      own: await tx.replicaLog.eventsAfter({
        afterSeq: 0,
        replicaId: store.replicaId,
        afterSequence: 9,
        limit: 10_000,
      }),
      ownPage: await tx.replicaLog.eventsAfter({ afterSeq: 10, replicaId: store.replicaId, limit: 130 }),
      other: await tx.replicaLog.eventsAfter({
        afterSeq: 0,
        replicaId: otherReplica,
        afterSequence: 7,
        limit: 100,
      }),
      ofWps: await tx.replicaLog.eventsOfWps(wpIds),
      upTo: await Promise.all([50, 200, last].map((seq) => tx.replicaLog.wpsWithEventsUpTo(wpIds, seq))),
      dependencies: await tx.replicaLog.dependencyEvents(),
      known: [
        ...(await tx.replicaLog.knownEvents([...uuids, "0190a000-0000-7000-8000-00000000ffff"])),
      ].sort(),
      candidates: await Promise.all(bounds.map((bound) => tx.purgeCandidates(bound))),
      hashes: await Promise.all([1, 2, 128, 129, 200, last].map((seq) => tx.eventHashAt(seq))),
      used: await Promise.all(jobs.map((jobId) => tx.jobIdUsed(jobId))),
    })),
  };
}
