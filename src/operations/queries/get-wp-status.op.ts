import { z } from "zod";
import { wpIdSchema } from "../../domain/records.js";
import { recordQuery } from "../common.js";
import { defineOperation } from "../operation.js";
import { blockingChain } from "./blocking-chain.js";

/** get_wp_status: the full WP, its MTs, its edges and its open blocking chain (section 4). */
export const getWpStatus = defineOperation({
  name: "get_wp_status",
  summary: "Show one WP in full: MTs, dependencies, blocking chain, children rollup",
  kind: "read",
  params: () => z.strictObject({ wp_id: wpIdSchema, include_deleted: z.boolean().default(false) }),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const wp = await ctx.wp(p.wp_id, { allowDeleted: p.include_deleted });
    const [microTasks, dependencies, chain] = [
      await ctx.tx.getMts(wp.wp_id),
      await ctx.tx.dependenciesOf(wp.wp_id),
      await blockingChain(ctx.tx, wp.wp_id),
    ];
    recordQuery(ctx, "get_wp_status", { wp_id: wp.wp_id }, { result_count: 1 });
    return { wp, micro_tasks: microTasks, dependencies, blocking_chain: chain };
  },
});
