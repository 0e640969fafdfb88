import { z } from "zod";
import { mtIdSchema, wpIdSchema } from "../../domain/records.js";
import { recordQuery } from "../common.js";
import { defineOperation } from "../operation.js";

/** get_mt_progress: per-status counts and the MTs with all their iterations (section 4). */
export const getMtProgress = defineOperation({
  name: "get_mt_progress",
  summary: "Show micro-task progress of a WP, with every iteration",
  kind: "read",
  params: () => z.strictObject({ wp_id: wpIdSchema, mt_id: mtIdSchema.optional() }),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const wp = await ctx.wp(p.wp_id);
    const all = p.mt_id === undefined ? await ctx.tx.getMts(wp.wp_id) : [await ctx.mt(wp.wp_id, p.mt_id)];
    const summary: Record<string, number> = {};
    for (const mt of all) summary[mt.status] = (summary[mt.status] ?? 0) + 1;
    recordQuery(
      ctx,
      "get_mt_progress",
      { wp_id: wp.wp_id, ...(p.mt_id ? { mt_id: p.mt_id } : {}) },
      { result_count: all.length },
    );
    return { wp_id: wp.wp_id, summary, micro_tasks: all };
  },
});
