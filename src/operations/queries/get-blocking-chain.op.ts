import { z } from "zod";
import { wpIdSchema } from "../../domain/records.js";
import { recordQuery } from "../common.js";
import { defineOperation } from "../operation.js";
import { blockingChain } from "./blocking-chain.js";

/** get_blocking_chain: the transitive open blockers of a WP (2.3.15.7). */
export const getBlockingChain = defineOperation({
  name: "get_blocking_chain",
  summary: "List the open WPs that transitively block a WP",
  kind: "read",
  params: () => z.strictObject({ wp_id: wpIdSchema }),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const wp = await ctx.wp(p.wp_id);
    const chain = await blockingChain(ctx.tx, wp.wp_id);
    recordQuery(ctx, "get_blocking_chain", { wp_id: wp.wp_id }, { result_count: chain.length });
    return { wp_id: wp.wp_id, blocking_chain: chain };
  },
});
