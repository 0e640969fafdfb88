import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import type { UpdatableField } from "../../domain/events/wp-changes.js";
import { claimState, isDeferred, leaseFor, leaseInForce, MAX_LEASE_SECONDS } from "../../domain/leases.js";
import { type TrackedWorkPacket, wpIdSchema } from "../../domain/records.js";
import { transitionFacts } from "../common.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";
import { buildQuery, type ReadyFilters, readyFilterShape } from "../queries/query-filters.js";
import { writeWpUpdate } from "./update-wp.op.js";

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
  return z.strictObject({
    ...claimFilters,
    wp_id: wpIdSchema.optional(),
    lease_seconds: z.number().int().min(0).max(MAX_LEASE_SECONDS).optional(),
  });
};

/**
 * The best ready WP matching `filters` that is free (no assignee, or an expired lease: section 17), in
 * query_ready's order; undefined when none. One indexed query: the store decides readiness and freedom against the
 * job's clock.
 */
async function pickReady(ctx: JobContext, filters: Omit<ReadyFilters, "offset" | "limit">) {
  const { query } = buildQuery(
    ctx,
    { ...filters, offset: 0, limit: 1 },
    { statuses: ["ready", "in_progress"], readiness: "ready", sort: "hybrid" },
  );
  const page = await ctx.tx.queryWps({ ...query, free: true });
  return page.wps[0];
}

/** The WP named by `wp_id`, if the actor may claim it now. */
async function namedWp(ctx: JobContext, wpId: string): Promise<TrackedWorkPacket> {
  const wp = await ctx.wp(wpId);
  const actor = ctx.identity.actor_id;
  const state = claimState(wp, ctx.now.getTime());
  if (wp.assignee !== undefined && wp.assignee !== actor && state !== "expired") {
    const lease = leaseInForce(wp);
    const until =
      lease === undefined
        ? ""
        : ` (lease ${lease.expires_at ? `until ${lease.expires_at}` : "without expiry"})`;
    throw new LocusError("HSK-409-CONFLICT", `${wpId} is already claimed by ${wp.assignee}${until}`, {
      field: "wp_id",
      assignee: wp.assignee,
      holder: wp.assignee,
      ...(lease?.expires_at ? { expires_at: lease.expires_at } : {}),
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
  // Section 17: deferred work is not claimable before its time.
  if (isDeferred(wp, ctx.now.getTime())) {
    throw new LocusError("HSK-409-CONFLICT", `${wpId} is deferred until ${wp.defer_until}`, {
      field: "wp_id",
      defer_until: wp.defer_until,
    });
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

/** The system note of a claim: none for a renewal (heartbeats would flood the notes), else who and how. */
function claimNote(actor: string, wp: TrackedWorkPacket, start: boolean, takenFrom: string | undefined) {
  if (wp.assignee === actor) return undefined;
  const started = start ? " and started" : "";
  const expired = leaseInForce(wp)?.expires_at;
  const content =
    takenFrom === undefined
      ? `claimed by ${actor}${started}`
      : `claimed by ${actor}${started}, taken over from ${takenFrom} whose lease expired at ${expired}`;
  return { content, note_type: "system" as const };
}

/**
 * claim_wp: atomically assigns the best ready, free WP (or `wp_id`) to the actor under a lease, and starts it if
 * it may. Claiming your own WP again renews the lease (the heartbeat).
 */
export const claimWp = defineOperation({
  name: "claim_wp",
  summary:
    "Take the best ready free WP (or wp_id) under a lease (lease_seconds, default 1800, 0: none); claim it again to renew before it expires; starts it if pre_work passed",
  kind: "write",
  params,
  capabilities: ["locus.write"],
  events: ["work_packet_updated"],
  async run(ctx, p) {
    const { wp_id: wpId, lease_seconds: leaseSeconds, ...filters } = p;
    const actor = ctx.identity.actor_id;
    const wp = wpId === undefined ? await pickReady(ctx, filters) : await namedWp(ctx, wpId);
    if (wp === undefined) {
      throw new LocusError("HSK-404-NOT-FOUND", "no ready, unclaimed work packet matches", {
        field: "filters",
        filters,
      });
    }
    ctx.takeLoaded(wp); // the write below reads it from the job's working state
    const takenFrom = wp.assignee !== undefined && wp.assignee !== actor ? wp.assignee : undefined; // an expired lease
    const start = wp.status === "ready" && transitionFacts(wp).pre_work_passed;
    const lease = leaseFor(wp, actor, ctx.now, leaseSeconds ?? ctx.config.lease_seconds);
    const updates = new Map<UpdatableField, unknown>([
      ["assignee", actor],
      ["lease", lease],
      ...(start ? ([["status", "in_progress"]] as const) : []),
    ]);
    const data = writeWpUpdate(ctx, wp, updates, {
      note: claimNote(actor, wp, start, takenFrom),
      taken_over_from: takenFrom,
    });
    const claimed = data.wp as TrackedWorkPacket;
    const started = claimed.status === "in_progress";
    return {
      ...data,
      claimed: claimed.wp_id,
      started,
      lease: claimed.lease,
      ...(takenFrom === undefined ? {} : { taken_over_from: takenFrom }),
      ...(started ? {} : { next: "the pre_work gate is pending: gate_wp pre_work pass (needs locus.gate)" }),
    };
  },
});
