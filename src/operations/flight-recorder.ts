import { canonicalJson } from "../domain/canonical-json.js";
import { isLocusError, type LocusError } from "../domain/errors.js";
import type { LocusState } from "../domain/events/evolve.js";
import { type ChainReport, ChainWalk, CheckpointWalk } from "../domain/events/hash-chain.js";
import { derivedColumnFault } from "../store/event-derived-columns.js";
import type { LocusStore, StoredEvent } from "../store/store-port.js";
import { replayStore } from "./log-replay.js";

/** How many events `events verify` and `locus replay` read at a time (issue 16: memory does not grow with the log). */
export const EVENT_PAGE = 2_048;

/** How a whole-log reader pages the log (tests choose small pages, to put faults on page boundaries). */
export interface PageOptions {
  /** Events read at a time; EVENT_PAGE unless told. */
  pageSize?: number;
}

/**
 * `locus events verify` (section 6): recomputes the whole chain against the recorded head, and checks the
 * unhashed columns against what the hashed payload derives (issue 21: a wp_id edited in the table would move
 * an event to another WP unnoticed). Names the first bad seq, also when a row cannot even be decoded. Reads the
 * log a page at a time (issue 16): the chain, checkpoint and column checks carry what they need across pages.
 */
export async function verifyStore(store: LocusStore, options: PageOptions = {}): Promise<ChainReport> {
  const pageSize = options.pageSize ?? EVENT_PAGE;
  const head = await store.transaction((tx) => tx.chainHead());
  // Section 16: events a retention purge removed keep their hash; their checkpoints commit to what went.
  const purged = await store.readPurgedEvents();
  const purgedHashes = new Map(purged.map((event) => [event.seq, event.hash]));
  const chain = new ChainWalk(head, purgedHashes);
  const checkpoints = new CheckpointWalk(purged, store.replicaId);
  let columns: { seq: number; reason: string } | undefined;
  let unreadable: { seq: number; reason: string } | undefined;
  let afterSeq = 0;
  let lastHash = "";
  // After a chain fault only a checkpoint not read yet can still name an earlier seq.
  while (chain.fault === undefined || checkpoints.awaiting) {
    let events: StoredEvent[];
    try {
      events = await store.readEvents({ afterSeq, limit: pageSize });
    } catch (error) {
      const seq = undecodableSeq(error);
      if (seq === undefined) throw error;
      // Verify what comes before the unreadable row; it is the first bad seq unless something earlier is.
      unreadable = { seq, reason: (error as LocusError).toJSON().message };
      events = await store.readEvents({ afterSeq, beforeSeq: seq });
    }
    const chainWasSound = chain.fault === undefined;
    chain.feed(events);
    checkpoints.feed(events);
    if (columns === undefined && chainWasSound && events.length > 0) {
      const derived = await store.readDerivedEventColumns({ afterSeq, limit: events.length });
      columns = derivedColumnFault(events, derived);
    }
    const last = events.at(-1);
    if (last !== undefined) {
      afterSeq = last.seq;
      lastHash = last.hash;
    }
    if (unreadable !== undefined || events.length < pageSize) break;
  }
  // Past an unreadable row, the log is verified as if it ended just before it (with the hash that seq has).
  const before = unreadable === undefined ? undefined : unreadable.seq - 1;
  const end = before === undefined ? head : { seq: before, hash: purgedHashes.get(before) ?? lastHash };
  const report = firstFault(chain.finish(end), [checkpoints.result(unreadable?.seq), columns], end.seq);
  if (unreadable === undefined) return report;
  if (!report.ok) return { ...report, head_seq: head.seq };
  return faultReport(unreadable, head.seq);
}

/** The seq a decoding failure names (a stored payload or vector clock that is not JSON), if it is one. */
function undecodableSeq(error: unknown): number | undefined {
  if (!isLocusError(error) || error.code !== "HSK-400-INVALID-EVENT") return undefined;
  const seq = error.details?.seq;
  return typeof seq === "number" && Number.isInteger(seq) && seq > 0 ? seq : undefined;
}

/** The report of a fault at `fault.seq`: everything before it checked. */
export const faultReport = (fault: { seq: number; reason: string }, headSeq: number): ChainReport => ({
  ok: false,
  checked: fault.seq - 1,
  head_seq: headSeq,
  first_bad_seq: fault.seq,
  reason: fault.reason,
});

/** The chain's report, or the earliest of the other checks' faults when it is earlier (the chain wins a tie). */
export function firstFault(
  chain: ChainReport,
  others: ({ seq: number; reason: string } | undefined)[],
  headSeq: number,
): ChainReport {
  const faults = others.filter((fault) => fault !== undefined).sort((a, b) => a.seq - b.seq);
  const first = faults[0];
  if (first === undefined || (chain.first_bad_seq !== undefined && chain.first_bad_seq <= first.seq))
    return chain;
  return faultReport(first, headSeq);
}

/** Canonical text of a state, for comparing live and replayed state exactly. */
export function stateFingerprint(state: LocusState): { wps: string[]; mts: string[]; deps: string[] } {
  const sorted = <T>(map: Map<string, T>) =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => canonicalJson(v));
  return { wps: sorted(state.wps), mts: sorted(state.mts), deps: sorted(state.deps) };
}

/** The outcome of a replay check. */
export interface ReplayReport {
  ok: boolean;
  events: number;
  wps: number;
  mts: number;
  dependencies: number;
  mismatches: string[];
}

/** Replays the log into a fresh state and compares it with the live tables, record by record. */
export async function replayCheck(store: LocusStore, options: PageOptions = {}): Promise<ReplayReport> {
  const { state: rebuilt, events } = await replayStore(store, options.pageSize ?? EVENT_PAGE);
  const live = await store.loadState();
  const mismatches: string[] = [];
  for (const [kind, a, b] of [
    ["wp", rebuilt.wps, live.wps],
    ["mt", rebuilt.mts, live.mts],
    ["dependency", rebuilt.deps, live.deps],
  ] as const) {
    const keys = new Set([...a.keys(), ...b.keys()]);
    for (const key of keys) {
      const left = a.get(key);
      const right = b.get(key);
      if (left === undefined || right === undefined || canonicalJson(left) !== canonicalJson(right)) {
        mismatches.push(
          `${kind} ${key.replace("\u0000", "/")}${left === undefined ? " missing from replay" : right === undefined ? " missing from live state" : " differs"}`,
        );
      }
    }
  }
  return {
    ok: mismatches.length === 0,
    events,
    wps: rebuilt.wps.size,
    mts: rebuilt.mts.size,
    dependencies: rebuilt.deps.size,
    mismatches: mismatches.slice(0, 50),
  };
}

/** `locus replay --rebuild`: replaces the live tables with the state rebuilt from the log. */
export async function rebuildFromLog(store: LocusStore, options: PageOptions = {}): Promise<ReplayReport> {
  await store.replaceState((await replayStore(store, options.pageSize ?? EVENT_PAGE)).state);
  return replayCheck(store, options);
}
