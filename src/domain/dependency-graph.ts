// 2.3.15.7: graph rules over dependency edges, pure.

/** Breadth-first shortest path over the given edges. */
export function shortestPath(
  from: string,
  to: string,
  edges: { source: string; target: string }[],
): string[] | undefined {
  const adjacency = new Map<string, string[]>();
  for (const { source, target } of edges) {
    const list = adjacency.get(source) ?? [];
    list.push(target);
    adjacency.set(source, list);
  }
  const parent = new Map<string, string>([[from, from]]);
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string;
    if (node === to) break;
    for (const next of adjacency.get(node) ?? []) {
      if (parent.has(next)) continue;
      parent.set(next, node);
      queue.push(next);
    }
  }
  if (!parent.has(to)) return undefined;
  const path = [to];
  for (let node = to; node !== from; ) {
    node = parent.get(node) as string;
    path.push(node);
  }
  return path.reverse();
}

/** A cycle in a directed graph given as adjacency lists (node -> successors), as a closed path, or undefined. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === "open") return [...stack.slice(stack.indexOf(next)), next];
      if (seen === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}
