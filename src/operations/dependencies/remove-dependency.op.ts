import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { DEPENDENCY_TYPES, type TrackedDependency, wpIdSchema } from "../../domain/records.js";
import { defineOperation } from "../operation.js";
import { normaliseEdge } from "./add-dependency.op.js";

const params = () =>
  z.strictObject({
    dependency_id: z.string().min(1).max(100).optional(),
    from_wp_id: wpIdSchema.optional(),
    to_wp_id: wpIdSchema.optional(),
    type: z.enum(DEPENDENCY_TYPES).optional(),
  });

/** remove_dependency: by id or by (from, to, type); a missing edge is success with removed:false and no event. */
export const removeDependency = defineOperation({
  name: "remove_dependency",
  summary: "Remove a dependency by id or by (from_wp_id, to_wp_id, type)",
  kind: "write",
  params,
  capabilities: ["locus.write"],
  events: ["dependency_removed"],
  async run(ctx, p) {
    let dependency: TrackedDependency | undefined;
    if (p.dependency_id !== undefined) {
      dependency = await ctx.tx.getDependency(p.dependency_id);
    } else if (p.from_wp_id !== undefined && p.to_wp_id !== undefined && p.type !== undefined) {
      const edge = normaliseEdge(p.from_wp_id, p.to_wp_id, p.type);
      dependency = await ctx.tx.findDependency(edge.from, edge.to, edge.type);
    } else {
      throw new LocusError("HSK-400-INVALID-PARAMS", "give dependency_id, or from_wp_id, to_wp_id and type", {
        field: "params.dependency_id",
      });
    }
    if (!dependency) return { removed: false };
    ctx.state.deps.set(dependency.dependency_id, dependency);
    ctx.emit("dependency_removed", {
      dependency_id: dependency.dependency_id,
      from_wp_id: dependency.from_wp_id,
      to_wp_id: dependency.to_wp_id,
      type: dependency.type,
    });
    return { removed: true, dependency };
  },
});
