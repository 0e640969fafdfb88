import { z } from "zod";
import { WP_STATUSES } from "../../domain/records.js";
import { recordQuery } from "../common.js";
import { defineOperation } from "../operation.js";
import { buildQuery, readyFilterShape } from "./query-filters.js";

/** list_wps: every WP matching the ready filters plus `statuses` and `include_deleted` (2.3.15.7). */
export const listWps = defineOperation({
  name: "list_wps",
  summary: "List WPs by status and filters",
  kind: "read",
  params: () => z.strictObject({ ...readyFilterShape(), include_deleted: z.boolean().default(false) }),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const { query, applied } = buildQuery(ctx, p, {
      statuses: WP_STATUSES,
      readiness: "any",
      sort: "priority",
      include_deleted: p.include_deleted,
    });
    const page = await ctx.tx.queryWps(query);
    recordQuery(ctx, "list_wps", applied, {
      result_count: page.wps.length,
      total_count: page.total_count,
      sort_policy: query.sort,
    });
    return {
      wps: page.wps,
      total_count: page.total_count,
      filters_applied: applied,
      sort_policy: query.sort,
    };
  },
});
