import { z } from "zod";
import { recordQuery } from "../common.js";
import { defineOperation } from "../operation.js";
import { buildQuery, readyFilterShape } from "./query-filters.js";

/** query_ready: live ready/in_progress WPs with no open `blocks` blocker, filtered, sorted and paged (section 7). */
export const queryReady = defineOperation({
  name: "query_ready",
  summary:
    "List work that can be done now (no open blocker, not deferred); free: only what a claim could take",
  kind: "read",
  // Section 17: `free` keeps what claim_wp could take now (nobody assigned, or a lease that has expired).
  params: () => z.strictObject({ ...readyFilterShape(), free: z.boolean().optional() }),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const { free, ...filters } = p;
    const { query, applied } = buildQuery(ctx, filters, {
      statuses: ["ready", "in_progress"],
      readiness: "ready",
      sort: "hybrid",
    });
    const page = await ctx.tx.queryWps(p.free ? { ...query, free: true } : query);
    if (free) applied.free = true;
    recordQuery(ctx, "query_ready", applied, {
      result_count: page.wps.length,
      total_count: page.total_count,
      sort_policy: query.sort,
      ...(p.calendar_policy_id ? { calendar_policy_id: p.calendar_policy_id } : {}),
    });
    return {
      ready_wps: page.wps,
      total_count: page.total_count,
      filters_applied: applied,
      sort_policy: query.sort,
      ...(p.calendar_policy_id ? { calendar_policy_id: p.calendar_policy_id } : {}),
    };
  },
});
