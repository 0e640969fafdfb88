import { canonicalJson } from "../../domain/canonical-json.js";
import { makeBronze } from "../../domain/events/bronze-history.js";
import { type EventName, STATE_EVENT_NAMES } from "../../domain/events/event-registry.js";
import { emptyState, mtKey } from "../../domain/events/evolve.js";
import { foldDependencyEvent, newDependencyFold } from "../../domain/events/merge-dependencies.js";
import {
  foldWorkPacketEvent,
  type MergeConflict,
  settleDependencies,
} from "../../domain/events/merge-fold.js";
import { compareEvents, inFoldOrder, type OrderedEvent } from "../../domain/events/merge-order.js";
import type { OriginEvent } from "../../domain/events/stored-event.js";
import { newBronzeId } from "../../domain/ids.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import type { BronzeSnapshot, StoreTransaction } from "../../store/store-port.js";
import type { JobServices } from "../job-context.js";
import { indexWrittenWorkPackets } from "../search/index-on-write.js";

// Section 13: after a sync appended events, the state they touch is folded again from the log, in the one merge
// order, so the live tables equal what replay builds (section 6) on every replica that holds the same events.
// WPs are independent of each other under the merge rules, so only the touched ones are read, in chunks;
// edges are folded from every dependency event (a cycle can run through any of them).

const CHUNK = 500;

/** A state event of one WP (edges are folded on their own). */
const isWpStateEvent = (e: OriginEvent) =>
  STATE_EVENT_NAMES.has(e.event_name as EventName) &&
  e.event_name !== "dependency_added" &&
  e.event_name !== "dependency_removed";

/** Conflicts at or after `from` in fold order: the ones this sync's events caused (older ones were reported). */
const since = (conflicts: MergeConflict[], byUuid: Map<string, OrderedEvent>, from?: OrderedEvent) =>
  from === undefined
    ? []
    : conflicts.filter((c) => {
        const event = byUuid.get(c.event_uuid);
        return event !== undefined && compareEvents(event, from) >= 0;
      });

/**
 * Folds the touched WPs (with their MTs) again from all their events and writes the ones that changed, each with
 * a Bronze snapshot (operation `sync`) and its search entry. Returns the conflicts the new events caused.
 * `whole` holds, for WPs that had no event in this store before the sync, all their events (read from memory
 * instead of from the log).
 */
export async function refoldWorkPackets(
  tx: StoreTransaction,
  wpIds: readonly string[],
  earliest: ReadonlyMap<string, OrderedEvent>,
  services: Pick<JobServices, "ids" | "workspaceRoot"> & { timestamp: string },
  whole: ReadonlyMap<string, readonly OriginEvent[]> = new Map(),
): Promise<MergeConflict[]> {
  const found: MergeConflict[] = [];
  for (let start = 0; start < wpIds.length; start += CHUNK) {
    const chunk = wpIds.slice(start, start + CHUNK);
    const { conflicts, fresh, snapshots, written } = await foldChunk(tx, chunk, earliest, services, whole);
    found.push(...conflicts);
    await tx.putBronzes(snapshots);
    if (fresh.length > 0) await tx.insertNewWps(fresh);
    await indexWrittenWorkPackets(tx, written, services);
  }
  return found;
}

/** What folding one chunk of WPs again found and has to write. */
interface FoldedChunk {
  conflicts: MergeConflict[];
  /** WPs new to this store, inserted many at once. */
  fresh: TrackedWorkPacket[];
  /** Whole snapshots (nothing inherited). */
  snapshots: BronzeSnapshot[];
  written: { wp: TrackedWorkPacket; bronze_id: string }[];
}

/** Folds one chunk of WPs from all their events; writes what changed of WPs already stored, and their MTs. */
async function foldChunk(
  tx: StoreTransaction,
  chunk: readonly string[],
  earliest: ReadonlyMap<string, OrderedEvent>,
  services: Pick<JobServices, "ids"> & { timestamp: string },
  whole: ReadonlyMap<string, readonly OriginEvent[]>,
): Promise<FoldedChunk> {
  const found: MergeConflict[] = [];
  const events: OriginEvent[] = [];
  const unread = chunk.filter((wpId) => !whole.has(wpId));
  for (const event of await tx.replicaLog.eventsOfWps(unread)) if (isWpStateEvent(event)) events.push(event);
  for (const wpId of chunk) events.push(...(whole.get(wpId) ?? []));
  const state = emptyState();
  const conflicts: MergeConflict[] = [];
  for (const event of inFoldOrder(events)) foldWorkPacketEvent(state, event, conflicts);
  // Most refolds find no conflict: the events by uuid are made only for those that do.
  const byUuid = conflicts.length === 0 ? new Map() : new Map(events.map((e) => [e.event_uuid, e]));
  for (const wpId of conflicts.length === 0 ? [] : chunk) {
    const from = earliest.get(wpId);
    found.push(
      ...since(
        conflicts.filter((c) => c.wp_id === wpId),
        byUuid,
        from,
      ),
    );
  }
  const stored = new Map((await tx.getWps(chunk)).map((wp) => [wp.wp_id, canonicalJson(wp)]));
  const written: { wp: TrackedWorkPacket; bronze_id: string }[] = [];
  const snapshots: BronzeSnapshot[] = [];
  const fresh: TrackedWorkPacket[] = [];
  for (const wp of state.wps.values()) {
    const before = stored.get(wp.wp_id);
    // MTs change without their WP (an iteration): compare and write them on their own.
    if (wp.micro_tasks.mt_ids.length > 0) {
      const storedMts = new Map((await tx.getMts(wp.wp_id)).map((mt) => [mt.mt_id, canonicalJson(mt)]));
      for (const mtId of wp.micro_tasks.mt_ids) {
        const mt = state.mts.get(mtKey(wp.wp_id, mtId));
        if (mt !== undefined && storedMts.get(mtId) !== canonicalJson(mt)) await tx.putMt(mt);
      }
    }
    if (before !== undefined && before === canonicalJson(wp)) continue;
    if (before === undefined) fresh.push(wp);
    else await tx.putWp(wp);
    const bronzeId = newBronzeId(services.ids);
    // A WP new to this store has no snapshot before this one.
    const previous = before === undefined ? undefined : await tx.lastBronzeId(wp.wp_id);
    snapshots.push(makeBronze(wp, bronzeId, "sync", services.timestamp, previous));
    written.push({ wp, bronze_id: bronzeId });
  }
  return { conflicts: found, fresh, snapshots, written };
}

/**
 * Folds every edge again from all dependency events and writes the difference (removals first: an edge known
 * by two ids keeps the first one added). Returns the conflicts at or after `from`, this sync's first edge event.
 */
export async function refoldDependencies(
  tx: StoreTransaction,
  from?: OrderedEvent,
): Promise<MergeConflict[]> {
  const events = await tx.replicaLog.dependencyEvents();
  const fold = newDependencyFold();
  const conflicts: MergeConflict[] = [];
  for (const event of inFoldOrder(events)) foldDependencyEvent(fold, event, conflicts);
  const endpoints = new Set<string>();
  for (const { dependency } of fold.live.values()) {
    endpoints.add(dependency.from_wp_id);
    endpoints.add(dependency.to_wp_id);
  }
  const existing = new Set<string>();
  const ids = [...endpoints];
  for (let start = 0; start < ids.length; start += CHUNK)
    for (const wp of await tx.getWps(ids.slice(start, start + CHUNK))) existing.add(wp.wp_id);
  const deps = settleDependencies(fold, (id) => existing.has(id), conflicts);
  const stored = new Map(
    (await tx.replicaLog.allDependencies()).map((d) => [d.dependency_id, canonicalJson(d)]),
  );
  for (const [id, doc] of stored) {
    const next = deps.get(id);
    if (next === undefined || canonicalJson(next) !== doc) await tx.removeDependency(id);
  }
  for (const [id, dep] of deps) {
    if (stored.get(id) !== canonicalJson(dep)) await tx.putDependency(dep);
  }
  return since(conflicts, new Map(events.map((e) => [e.event_uuid, e])), from);
}
