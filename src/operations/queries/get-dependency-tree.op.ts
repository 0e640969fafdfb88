import { z } from "zod";
import {
  DEPENDENCY_TYPES,
  type TrackedDependency,
  type TrackedWorkPacket,
  wpIdSchema,
} from "../../domain/records.js";
import { recordQuery } from "../common.js";
import { defineOperation } from "../operation.js";
import { GRAPH_EDGE_BOUND } from "./blocking-chain.js";

/** A node of the dependency tree; a WP met again is listed with `repeated: true` and not expanded. */
interface TreeNode {
  wp_id: string;
  title: string;
  status: string;
  via?: { dependency_id: string; type: string };
  repeated?: true;
  children: TreeNode[];
}

/** get_dependency_tree: the WPs below (what this WP blocks / its children) or above it, as a bounded tree. */
export const getDependencyTree = defineOperation({
  name: "get_dependency_tree",
  summary: "Show the dependency tree below or above a WP",
  kind: "read",
  params: () =>
    z.strictObject({
      wp_id: wpIdSchema,
      types: z
        .array(z.enum(DEPENDENCY_TYPES).exclude(["blocked_by"]))
        .min(1)
        .default(["blocks", "parent-child", "depends-on"]),
      direction: z.enum(["down", "up"]).default("down"),
      max_depth: z.number().int().min(1).max(50).default(10),
    }),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const root = await ctx.wp(p.wp_id);
    const edges = await ctx.tx.reachableEdges(root.wp_id, p.types, p.direction, GRAPH_EDGE_BOUND);
    const next = new Map<string, TrackedDependency[]>();
    for (const edge of edges) {
      const key = p.direction === "down" ? edge.from_wp_id : edge.to_wp_id;
      next.set(key, [...(next.get(key) ?? []), edge]);
    }
    const ids = new Set(edges.flatMap((edge) => [edge.from_wp_id, edge.to_wp_id]));
    const wps = new Map<string, TrackedWorkPacket>(
      (await ctx.tx.getWps([...ids])).map((wp) => [wp.wp_id, wp]),
    );
    wps.set(root.wp_id, root);
    const seen = new Set<string>();
    let nodes = 0;
    const build = (wpId: string, depth: number, via?: TrackedDependency): TreeNode => {
      const wp = wps.get(wpId);
      const node: TreeNode = {
        wp_id: wpId,
        title: wp?.title ?? "",
        status: wp?.status ?? "unknown",
        ...(via ? { via: { dependency_id: via.dependency_id, type: via.type } } : {}),
        children: [],
      };
      nodes += 1;
      if (seen.has(wpId)) return { ...node, repeated: true };
      seen.add(wpId);
      if (depth >= p.max_depth) return node;
      for (const edge of next.get(wpId) ?? []) {
        if (nodes >= GRAPH_EDGE_BOUND) break;
        node.children.push(build(p.direction === "down" ? edge.to_wp_id : edge.from_wp_id, depth + 1, edge));
      }
      return node;
    };
    const tree = build(root.wp_id, 0);
    recordQuery(
      ctx,
      "get_dependency_tree",
      { wp_id: root.wp_id, types: p.types, direction: p.direction },
      { result_count: nodes },
    );
    return { tree, node_count: nodes, truncated: edges.length >= GRAPH_EDGE_BOUND };
  },
});
