// The hub row of both stores' benches (section 12: at most 500 dependencies a WP): add_dependency from a hub WP
// holding 499 edges, so each measured add is the 500th edge with its cycle check, then its removal.
import type { LocusEngine } from "../src/operations/locus-engine.js";
import { wpIdOf } from "./bench-shape.js";
import { timed } from "./bench-stats.js";

/** A workspace of the bench shape: its WP count and its hub WPs' indexes. */
export interface HubWorkspace {
  size: number;
  hubs: readonly number[];
}

/**
 * Times `samples` adds of a `blocks` edge from the first hub to a later WP it does not block yet (hubs never),
 * each removed again (also timed). `linked`: the WPs the hub blocks already.
 */
export async function sampleHubEdges(
  engine: LocusEngine,
  workspace: HubWorkspace,
  linked: ReadonlySet<string>,
  samples: number,
  random: () => number,
): Promise<{ adds: number[]; removes: number[] }> {
  const hub = workspace.hubs[0] as number;
  const adds: number[] = [];
  const removes: number[] = [];
  for (let n = 0; n < samples; n++) {
    let target = "";
    do target = wpIdOf(hub + 1 + Math.floor(random() * (workspace.size - hub - 1)));
    while (linked.has(target) || workspace.hubs.includes(Number(target.slice(3))));
    const started = performance.now();
    const added = await engine.run("add_dependency", {
      from_wp_id: wpIdOf(hub),
      to_wp_id: target,
      type: "blocks",
    });
    adds.push(performance.now() - started);
    if (!added.success) throw new Error(`add_dependency failed during the benchmark: ${added.error.message}`);
    const { dependency_id } = added.data.dependency as { dependency_id: string };
    removes.push(await timed(() => engine.run("remove_dependency", { dependency_id }), "remove_dependency"));
  }
  return { adds, removes };
}
