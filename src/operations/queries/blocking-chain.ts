import { isClosedStatus, type TrackedWorkPacket } from "../../domain/records.js";
import type { StoreTransaction } from "../../store/store-port.js";

/** Most edges a graph query walks before it stops (a bound against huge graphs, section 8 red team). */
export const GRAPH_EDGE_BOUND = 20_000;

/**
 * 2.3.15.7 getBlockingChain: every transitive blocker that is still open (neither done nor cancelled), walking
 * only through open blockers, nearest first. One recursive store query, then a walk in memory.
 */
export async function blockingChain(tx: StoreTransaction, wpId: string): Promise<TrackedWorkPacket[]> {
  const edges = await tx.reachableEdges(wpId, ["blocks"], "up", GRAPH_EDGE_BOUND);
  if (edges.length === 0) return [];
  const incoming = new Map<string, string[]>();
  for (const edge of edges) {
    const list = incoming.get(edge.to_wp_id) ?? [];
    list.push(edge.from_wp_id);
    incoming.set(edge.to_wp_id, list);
  }
  const wps = new Map(
    (await tx.getWps([...new Set(edges.map((edge) => edge.from_wp_id))])).map((wp) => [wp.wp_id, wp]),
  );
  const chain: TrackedWorkPacket[] = [];
  const visited = new Set([wpId]);
  const queue = [wpId];
  for (let head = 0; head < queue.length; head++) {
    for (const blockerId of incoming.get(queue[head] as string) ?? []) {
      const blocker = wps.get(blockerId);
      if (visited.has(blockerId) || !blocker || isClosedStatus(blocker.status)) continue;
      visited.add(blockerId);
      chain.push(blocker);
      queue.push(blockerId);
    }
  }
  return chain;
}
