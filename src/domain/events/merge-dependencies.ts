import { cloneJson } from "../json-clone.js";
import type { DependencyType, TrackedDependency } from "../records.js";
import type { EventPayload } from "./event-registry.js";
import type { MergeConflict, MergeEvent } from "./merge-fold.js";

// Section 13: dependency edges under merge. An edge is known by (from, type, to): added twice (on two
// replicas) it exists once, as first added; removed, it is gone whichever dependency_id the remover saw. A
// `blocks` or `parent-child` edge that would close a cycle with the edges before it in fold order is dropped
// and reported: of the edges of a merged cycle, the newest is the one that closes it, on every replica alike.

/** Types whose edges must stay acyclic (add_dependency refuses a cycle; the merge drops one). */
export const ACYCLIC_DEPENDENCY_TYPES: ReadonlySet<DependencyType> = new Set(["blocks", "parent-child"]);

/** The edges folded so far. */
export interface DependencyFold {
  /** dependency_id -> the edge and the event that added it. */
  live: Map<string, { dependency: TrackedDependency; event_uuid: string }>;
  /** edge key -> dependency_id. */
  byEdge: Map<string, string>;
  /** per acyclic type: from -> tos. */
  graph: Map<string, Map<string, Set<string>>>;
}

/** An empty fold. */
export const newDependencyFold = (): DependencyFold => ({
  live: new Map(),
  byEdge: new Map(),
  graph: new Map(),
});

const edgeKey = (from: string, type: string, to: string) => `${from}\u0000${type}\u0000${to}`;

/** True when `to` reaches `from` along the type's edges: adding from -> to would close a cycle. */
function closesCycle(graph: Map<string, Set<string>> | undefined, from: string, to: string): boolean {
  if (graph === undefined) return false;
  const seen = new Set<string>([to]);
  const stack = [to];
  while (stack.length > 0) {
    const node = stack.pop() as string;
    if (node === from) return true;
    for (const next of graph.get(node) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return false;
}

/** Folds one dependency_added / dependency_removed event (in fold order). */
export function foldDependencyEvent(
  fold: DependencyFold,
  event: MergeEvent,
  conflicts: MergeConflict[],
): void {
  if (event.event_name === "dependency_added") {
    const { dependency } = event.payload as EventPayload<"dependency_added">;
    const { from_wp_id: from, to_wp_id: to, type } = dependency;
    const key = edgeKey(from, type, to);
    if (fold.byEdge.has(key)) return; // added on two replicas: one edge
    if (ACYCLIC_DEPENDENCY_TYPES.has(type)) {
      let graph = fold.graph.get(type);
      if (from === to || closesCycle(graph, from, to)) {
        conflicts.push({
          event_uuid: event.event_uuid,
          event_name: event.event_name,
          kind: "cycle",
          reason: `the ${type} edge ${from} -> ${to} closes a cycle once merged; it is dropped`,
          dependency_id: dependency.dependency_id,
          wp_id: from,
        });
        return;
      }
      if (graph === undefined) {
        graph = new Map();
        fold.graph.set(type, graph);
      }
      const tos = graph.get(from) ?? new Set<string>();
      graph.set(from, tos);
      tos.add(to);
    }
    fold.byEdge.set(key, dependency.dependency_id);
    fold.live.set(dependency.dependency_id, {
      dependency: cloneJson(dependency),
      event_uuid: event.event_uuid,
    });
    return;
  }
  const p = event.payload as EventPayload<"dependency_removed">;
  const key = edgeKey(p.from_wp_id, p.type, p.to_wp_id);
  const id = fold.byEdge.get(key);
  if (id === undefined) return; // removed on two replicas, or its add was dropped: nothing left to remove
  fold.byEdge.delete(key);
  fold.live.delete(id);
  fold.graph.get(p.type)?.get(p.from_wp_id)?.delete(p.to_wp_id);
}
