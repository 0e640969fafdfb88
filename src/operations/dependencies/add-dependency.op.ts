import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { newDependencyId } from "../../domain/ids.js";
import {
  DEPENDENCY_TYPES,
  type DependencyType,
  type TrackedDependency,
  text,
  wpIdSchema,
} from "../../domain/records.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";
import { readTogether } from "../read-together.js";

const params = () =>
  z.strictObject({
    from_wp_id: wpIdSchema,
    to_wp_id: wpIdSchema,
    type: z.enum(DEPENDENCY_TYPES),
    description: text(2_000).optional(),
  });

/** Edge types whose cycles are refused (section 4). */
const ACYCLIC_TYPES: ReadonlySet<DependencyType> = new Set(["blocks", "parent-child"]);

/** `blocked_by` A -> B is stored as `blocks` B -> A (section 4). */
export function normaliseEdge(
  from: string,
  to: string,
  type: DependencyType,
): { from: string; to: string; type: Exclude<DependencyType, "blocked_by"> } {
  return type === "blocked_by" ? { from: to, to: from, type: "blocks" } : { from, to, type };
}

function checkEdgeBound(ctx: JobContext, wpId: string, edges: number, field: string): void {
  const limit = ctx.config.limits.edges_per_wp;
  if (edges >= limit) {
    throw new LocusError("HSK-413-LIMIT", `${wpId} already has ${edges} dependency edges (limit ${limit})`, {
      field,
      limit,
      actual: edges,
    });
  }
}

/** add_dependency: a typed edge; cycles among blocks and among parent-child edges are refused with the path. */
export const addDependency = defineOperation({
  name: "add_dependency",
  summary: "Add a typed dependency between two WPs (blocks decides readiness)",
  kind: "write",
  params,
  capabilities: ["locus.write"],
  events: ["dependency_added"],
  async run(ctx, p) {
    const edge = normaliseEdge(p.from_wp_id, p.to_wp_id, p.type);
    const [fromField, toField] =
      p.type === "blocked_by" ? ["to_wp_id", "from_wp_id"] : ["from_wp_id", "to_wp_id"];
    if (edge.from === edge.to) {
      if (ACYCLIC_TYPES.has(edge.type)) {
        throw new LocusError(
          "HSK-409-CYCLE",
          `a dependency of type ${edge.type} cannot join ${edge.from} to itself`,
          {
            field: toField,
            cycle: [edge.from, edge.from],
          },
        );
      }
      throw new LocusError("HSK-400-INVALID-PARAMS", "a dependency needs two different work packets", {
        field: "params.to_wp_id",
      });
    }
    // The reads the refusals below need do not depend on each other: one round trip on PostgreSQL, not six. The
    // cycle check is asked with them and is wasted only when the job is refused or the edge exists already.
    const acyclic = ACYCLIC_TYPES.has(edge.type);
    const [, , existing, fromEdges, toEdges, back] = await readTogether([
      ctx.wp(edge.from, { field: `params.${fromField}` }),
      ctx.wp(edge.to, { field: `params.${toField}` }),
      ctx.tx.findDependency(edge.from, edge.to, edge.type),
      ctx.tx.edgeCount(edge.from),
      ctx.tx.edgeCount(edge.to),
      acyclic ? ctx.tx.findPath(edge.to, edge.from, edge.type) : Promise.resolve(undefined),
    ]);
    if (existing) return { dependency: existing, created: false };
    checkEdgeBound(ctx, edge.from, fromEdges, `params.${fromField}`);
    checkEdgeBound(ctx, edge.to, toEdges, `params.${toField}`);
    if (back) {
      const cycle = [edge.from, ...back];
      throw new LocusError("HSK-409-CYCLE", `the edge would close a cycle: ${cycle.join(" -> ")}`, {
        field: "params.to_wp_id",
        cycle,
        type: edge.type,
      });
    }
    const dependency: TrackedDependency = {
      dependency_id: newDependencyId(ctx.services.ids),
      from_wp_id: edge.from,
      to_wp_id: edge.to,
      type: edge.type,
      ...(p.description !== undefined ? { description: p.description } : {}),
      created_at: ctx.timestamp,
      created_by: ctx.identity.actor_id,
      vector_clock: { [ctx.services.replicaId]: 1 },
    };
    ctx.emit("dependency_added", {
      dependency,
      ...(p.type === "blocked_by" ? { requested_type: "blocked_by" as const } : {}),
    });
    return { dependency, created: true };
  },
});
