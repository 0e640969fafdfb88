import { canonicalJson } from "../domain/canonical-json.js";
import { isLocusError, type LocusError } from "../domain/errors.js";
import type { LocusState } from "../domain/events/evolve.js";
import { type ChainReport, checkpointFault, verifyChain } from "../domain/events/hash-chain.js";
import { replay } from "../domain/events/merge-fold.js";
import { derivedColumnFault } from "../store/event-derived-columns.js";
import type { LocusStore, StoredEvent } from "../store/store-port.js";

/**
 * `locus events verify` (section 6): recomputes the whole chain against the recorded head, and checks the
 * unhashed columns against what the hashed payload derives (issue 21: a wp_id edited in the table would move
 * an event to another WP unnoticed). Names the first bad seq, also when a row cannot even be decoded.
 */
export async function verifyStore(store: LocusStore): Promise<ChainReport> {
  const head = await store.transaction((tx) => tx.chainHead());
  let events: StoredEvent[];
  try {
    events = await store.readEvents();
  } catch (error) {
    const seq = undecodableSeq(error);
    if (seq === undefined) throw error;
    // Verify what comes before the unreadable row; it is the first bad seq unless something earlier is.
    const before = await store.readEvents({ limit: seq - 1 });
    const prefix = await verifyRows(store, before, { seq: seq - 1, hash: before.at(-1)?.hash ?? "" });
    if (!prefix.ok) return { ...prefix, head_seq: head.seq };
    return {
      ok: false,
      checked: seq - 1,
      head_seq: head.seq,
      first_bad_seq: seq,
      reason: (error as LocusError).toJSON().message,
    };
  }
  return verifyRows(store, events, head);
}

/** The seq a decoding failure names (a stored payload or vector clock that is not JSON), if it is one. */
function undecodableSeq(error: unknown): number | undefined {
  if (!isLocusError(error) || error.code !== "HSK-400-INVALID-EVENT") return undefined;
  const seq = error.details?.seq;
  return typeof seq === "number" && Number.isInteger(seq) && seq > 0 ? seq : undefined;
}

/** The chain check and the derived-column check of `events`; the earlier fault wins. */
async function verifyRows(
  store: LocusStore,
  events: StoredEvent[],
  head: { seq: number; hash: string },
): Promise<ChainReport> {
  // Section 16: events a retention purge removed keep their hash; their checkpoints commit to what went.
  const purged = await store.readPurgedEvents();
  const chain = verifyChain(events, head, new Map(purged.map((event) => [event.seq, event.hash])));
  const faults = [
    checkpointFault(events, purged, store.replicaId),
    derivedColumnFault(events, await store.readDerivedEventColumns()),
  ]
    .filter((fault) => fault !== undefined)
    .sort((a, b) => a.seq - b.seq);
  const first = faults[0];
  if (first === undefined || (chain.first_bad_seq !== undefined && chain.first_bad_seq <= first.seq))
    return chain;
  return {
    ok: false,
    checked: first.seq - 1,
    head_seq: head.seq,
    first_bad_seq: first.seq,
    reason: first.reason,
  };
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
export async function replayCheck(store: LocusStore): Promise<ReplayReport> {
  const events = await store.readEvents();
  const rebuilt = replay(events);
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
    events: events.length,
    wps: rebuilt.wps.size,
    mts: rebuilt.mts.size,
    dependencies: rebuilt.deps.size,
    mismatches: mismatches.slice(0, 50),
  };
}

/** `locus replay --rebuild`: replaces the live tables with the state rebuilt from the log. */
export async function rebuildFromLog(store: LocusStore): Promise<ReplayReport> {
  await store.replaceState(replay(await store.readEvents()));
  return replayCheck(store);
}
