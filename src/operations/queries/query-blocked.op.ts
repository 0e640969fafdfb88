import { z } from "zod";
import { isDeferred } from "../../domain/leases.js";
import { recordQuery } from "../common.js";
import { defineOperation } from "../operation.js";
import { buildQuery, readyFilterShape } from "./query-filters.js";

/**
 * query_blocked: candidates with at least one open `blocks` blocker, each with its blockers (section 4), and those
 * deferred past the query's time, with the date as their reason (section 17).
 */
export const queryBlocked = defineOperation({
  name: "query_blocked",
  summary: "List work waiting on open blockers or deferred, with the reasons",
  kind: "read",
  params: () => z.strictObject(readyFilterShape()),
  capabilities: ["locus.read"],
  events: ["work_query_executed"],
  async run(ctx, p) {
    const { query, applied } = buildQuery(ctx, p, {
      statuses: ["ready", "in_progress"],
      readiness: "blocked",
      sort: "priority",
    });
    const page = await ctx.tx.queryWps(query);
    const nowMs = query.now_ms;
    const blockers = await ctx.tx.openBlockers(page.wps.map((wp) => wp.wp_id));
    recordQuery(ctx, "query_blocked", applied, {
      result_count: page.wps.length,
      total_count: page.total_count,
      sort_policy: query.sort,
    });
    return {
      blocked_wps: page.wps.map((wp) => ({
        wp,
        blockers: (blockers.get(wp.wp_id) ?? []).map(({ dependency, status }) => ({
          wp_id: dependency.from_wp_id,
          status,
          dependency_id: dependency.dependency_id,
        })),
        ...(isDeferred(wp, nowMs) ? { deferred_until: wp.defer_until } : {}),
      })),
      total_count: page.total_count,
      filters_applied: applied,
      sort_policy: query.sort,
    };
  },
});
