import { canonicalJson } from "../domain/canonical-json.js";
import { type LocusState, replay } from "../domain/events/evolve.js";
import { type ChainReport, verifyChain } from "../domain/events/hash-chain.js";
import type { LocusStore } from "../store/store-port.js";

/** `locus events verify`: recomputes the whole chain against the recorded head (section 6). */
export async function verifyStore(store: LocusStore): Promise<ChainReport> {
  const head = await store.transaction((tx) => tx.chainHead());
  return verifyChain(await store.readEvents(), head);
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
