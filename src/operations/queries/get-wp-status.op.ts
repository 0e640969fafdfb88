import { z } from "zod";
import { wpIdSchema } from "../../domain/records.js";
import { type ChildrenRollup, rollupOf } from "../../domain/rollup.js";
import { recordQuery } from "../common.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";
import { readTogether } from "../read-together.js";
import { blockingChain, GRAPH_EDGE_BOUND } from "./blocking-chain.js";

/**
 * Section 17: the rollup of every descendant along parent-child edges (parent -> child), each counted once, deleted
 * ones left out; undefined when the WP has no child. `complete: false` when the walk met its edge bound.
 */
async function childrenRollup(
  ctx: JobContext,
  wpId: string,
): Promise<(ChildrenRollup & { complete?: false }) | undefined> {
  const edges = await ctx.tx.reachableEdges(wpId, ["parent-child"], "down", GRAPH_EDGE_BOUND);
  const ids = [...new Set(edges.map((edge) => edge.to_wp_id))].filter((id) => id !== wpId);
  if (ids.length === 0) return undefined;
  const descendants = (await ctx.tx.getWps(ids)).filter((wp) => wp.tombstone === undefined);
  if (descendants.length === 0) return undefined;
  const rollup = rollupOf(descendants.map((wp) => wp.status));
  return edges.length >= GRAPH_EDGE_BOUND ? { ...rollup, complete: false } : rollup;
}

/** get_wp_status: the full WP, its MTs, its edges, its open blocking chain (section 4) and its children rollup. */
export const getWpStatus = defineOperation({
  name: "get_wp_status",
  summary: "Show one WP in full: MTs, dependencies, blocking chain, children rollup",
  kind: "read",
  params: () => z.strictObject({ wp_id: wpIdSchema, include_deleted: z.boolean().default(false) }),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    // Independent reads, asked together (readTogether); the WP's refusal comes first.
    const [wp, microTasks, dependencies, chain, children] = await readTogether([
      ctx.wp(p.wp_id, { allowDeleted: p.include_deleted }),
      ctx.tx.getMts(p.wp_id),
      ctx.tx.dependenciesOf(p.wp_id),
      blockingChain(ctx.tx, p.wp_id),
      childrenRollup(ctx, p.wp_id),
    ]);
    recordQuery(ctx, "get_wp_status", { wp_id: wp.wp_id }, { result_count: 1 });
    return {
      wp,
      micro_tasks: microTasks,
      dependencies,
      blocking_chain: chain,
      ...(children === undefined ? {} : { children }),
    };
  },
});
