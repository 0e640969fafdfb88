import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { type TrackedWorkPacket, wpIdSchema } from "../../domain/records.js";
import { transitionFacts } from "../common.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";
import { buildQuery, type ReadyFilters, readyFilterShape } from "../queries/query-filters.js";
import { updateWp } from "./update-wp.op.js";

// claim_wp (issue 4: Beads' claims were not atomic, so two agents did the same work). Section 5 starts a ready
// WP only through its pre_work gate, and a Coder cannot pass its own gate, so a claim takes the best ready WP
// (query_ready's filters and order) that nobody is assigned to, sets the assignee to the job's actor and, when
// pre_work already passed or was skipped, moves a `ready` WP to `in_progress`. A ready WP whose gate is
// pending is claimed but stays `ready` (`started: false`). The write is update_wp's (same event, WP-002, same
// transition rules), run inside this job.
//
// Atomic pick + set: the envelope runs the whole job in one store transaction, and both backends serialize
// the write transactions of a workspace from their first statement: SQLite by `BEGIN IMMEDIATE` (the write
// lock is taken before the candidate query), PostgreSQL by the workspace row lock taken at BEGIN (`FOR NO KEY
// UPDATE`, postgres-store.ts), after which every READ COMMITTED statement sees all earlier commits. So no
// other job can assign the picked WP between the query and the write: N agents claiming at once get N
// different WPs, with no retry loop.

const params = () => {
  /** query_ready's filters without the ones claim decides itself (paging, assignee, statuses). */
  const {
    offset: _offset,
    limit: _limit,
    assignee: _assignee,
    statuses: _statuses,
    ...claimFilters
  } = readyFilterShape();
  return z.strictObject({ ...claimFilters, wp_id: wpIdSchema.optional() });
};

/** Candidates read per store query while looking for an unassigned one. */
const PAGE = 100;

/** The best ready WP matching `filters` with no assignee, in query_ready's order; undefined when none. */
async function pickReady(ctx: JobContext, filters: Omit<ReadyFilters, "offset" | "limit">) {
  for (let offset = 0; ; offset += PAGE) {
    const { query } = buildQuery(
      ctx,
      { ...filters, offset, limit: PAGE },
      { statuses: ["ready", "in_progress"], readiness: "ready", sort: "hybrid" },
    );
    const page = await ctx.tx.queryWps(query);
    const free = page.wps.find((wp) => wp.assignee === undefined);
    if (free) return free;
    if (offset + PAGE >= page.total_count) return undefined;
  }
}

/** The WP named by `wp_id`, if the actor may claim it. */
async function namedWp(ctx: JobContext, wpId: string): Promise<TrackedWorkPacket> {
  const wp = await ctx.wp(wpId);
  const actor = ctx.identity.actor_id;
  if (wp.assignee !== undefined && wp.assignee !== actor) {
    throw new LocusError("HSK-409-CONFLICT", `${wpId} is already claimed by ${wp.assignee}`, {
      field: "wp_id",
      assignee: wp.assignee,
    });
  }
  if (wp.status !== "ready" && wp.status !== "in_progress") {
    throw new LocusError(
      "HSK-409-CONFLICT",
      `${wpId} is ${wp.status}; only ready or in_progress work is claimed`,
      {
        field: "wp_id",
        status: wp.status,
      },
    );
  }
  // Section 7: only `blocks` decides what can be worked on; a named claim obeys it like query_ready does.
  const blockers = (await ctx.tx.openBlockers([wpId])).get(wpId) ?? [];
  if (blockers.length > 0) {
    throw new LocusError("HSK-409-CONFLICT", `${wpId} waits on ${blockers.length} open blocker(s)`, {
      field: "wp_id",
      blockers: blockers.map(({ dependency, status }) => ({
        wp_id: dependency.from_wp_id,
        status,
        dependency_id: dependency.dependency_id,
      })),
    });
  }
  return wp;
}

/** claim_wp: atomically assigns the best ready, unassigned WP (or `wp_id`) to the actor and starts it if it may. */
export const claimWp = defineOperation({
  name: "claim_wp",
  summary: "Atomically assign the best ready unassigned WP (or wp_id) to you; starts it if pre_work passed",
  kind: "write",
  params,
  capabilities: ["locus.write"],
  events: ["work_packet_updated"],
  async run(ctx, p) {
    const { wp_id: wpId, ...filters } = p;
    const actor = ctx.identity.actor_id;
    const wp = wpId === undefined ? await pickReady(ctx, filters) : await namedWp(ctx, wpId);
    if (wp === undefined) {
      throw new LocusError("HSK-404-NOT-FOUND", "no ready, unassigned work packet matches", {
        field: "filters",
        filters,
      });
    }
    ctx.takeLoaded(wp); // update_wp below reads it from the job's working state
    const start = wp.status === "ready" && transitionFacts(wp).pre_work_passed;
    const updates = {
      ...(wp.assignee === actor ? {} : { assignee: actor }),
      ...(start ? { status: "in_progress" } : {}),
    };
    let data: Record<string, unknown> = { wp, changed: false, task_board_updated: false };
    if (Object.keys(updates).length > 0) {
      const note = { content: `claimed by ${actor}${start ? " and started" : ""}`, note_type: "system" };
      data = await updateWp.run(ctx, updateWp.params.parse({ wp_id: wp.wp_id, updates, note }));
    }
    const claimed = data.wp as TrackedWorkPacket;
    const started = claimed.status === "in_progress";
    return {
      ...data,
      claimed: claimed.wp_id,
      started,
      ...(started ? {} : { next: "the pre_work gate is pending: gate_wp pre_work pass (needs locus.gate)" }),
    };
  },
});
