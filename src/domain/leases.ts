import type { Lease, TrackedWorkPacket } from "./records.js";

// Section 17: claims that expire, and work deferred to a date. Pure rules over a WP and the job's clock (epoch ms):
// the operations ask them, and the stores index what they need (`readinessColumns`) so that query_ready and
// claim_wp decide readiness and freedom against the time of the query, with no background job.

/** The longest lease a claim may ask for (30 days): a longer one is a forgotten claim. */
export const MAX_LEASE_SECONDS = 30 * 24 * 60 * 60;

/** Where a WP's claim stands at a moment. */
export type ClaimState =
  /** nobody is assigned: any actor may claim it */
  | "free"
  /** assigned under a lease that has expired: any actor may take it over */
  | "expired"
  /** assigned under a live lease (or one without expiry) */
  | "leased"
  /** assigned without a lease (by update_wp, or a lease that belongs to an earlier assignee): held until released */
  | "assigned";

/**
 * The lease in force: the WP's lease when its holder is the assignee. A lease whose holder is no longer the
 * assignee (possible only when replicas merged concurrent writes, section 13) holds nothing.
 */
export function leaseInForce(wp: Pick<TrackedWorkPacket, "assignee" | "lease">): Lease | undefined {
  return wp.lease !== undefined && wp.lease.holder === wp.assignee ? wp.lease : undefined;
}

/** The epoch ms a lease expires at, or undefined when it never does. */
export const leaseExpiryMs = (lease: Lease): number | undefined =>
  lease.expires_at === undefined ? undefined : Date.parse(lease.expires_at);

/** 17: where the claim on `wp` stands at `nowMs`. A lease expires at `expires_at` exactly. */
export function claimState(wp: Pick<TrackedWorkPacket, "assignee" | "lease">, nowMs: number): ClaimState {
  if (wp.assignee === undefined) return "free";
  const lease = leaseInForce(wp);
  if (lease === undefined) return "assigned";
  const expiry = leaseExpiryMs(lease);
  return expiry !== undefined && expiry <= nowMs ? "expired" : "leased";
}

/** 17: the live lease of another actor that keeps `actor` from writing the WP's MTs, or undefined. */
export function liveLeaseOfAnother(
  wp: Pick<TrackedWorkPacket, "assignee" | "lease">,
  actor: string,
  nowMs: number,
): Lease | undefined {
  const lease = leaseInForce(wp);
  if (lease === undefined || lease.holder === actor) return undefined;
  return claimState(wp, nowMs) === "leased" ? lease : undefined;
}

/**
 * 17: the lease a claim by `holder` at `now` records. Claiming again (the heartbeat) keeps `claimed_at` and moves
 * `expires_at`; `seconds` 0 means no expiry.
 */
export function leaseFor(
  wp: Pick<TrackedWorkPacket, "assignee" | "lease">,
  holder: string,
  now: Date,
  seconds: number,
): Lease {
  const current = leaseInForce(wp);
  const renewing = current?.holder === holder;
  return {
    holder,
    claimed_at: renewing ? current.claimed_at : now.toISOString(),
    ...(seconds > 0 ? { expires_at: new Date(now.getTime() + seconds * 1000).toISOString() } : {}),
  };
}

/** 17: true while the WP is deferred: `defer_until` is later than `nowMs`. */
export const isDeferred = (wp: Pick<TrackedWorkPacket, "defer_until">, nowMs: number): boolean =>
  wp.defer_until !== undefined && Date.parse(wp.defer_until) > nowMs;

/**
 * The columns a store indexes so that readiness and freedom are decided in its query, against the query's time:
 * `defer_ms` (null: not deferred) and `lease_expires_ms` (null: no lease in force, or one without expiry).
 */
export function readinessColumns(wp: Pick<TrackedWorkPacket, "assignee" | "lease" | "defer_until">): {
  defer_ms: number | null;
  lease_expires_ms: number | null;
} {
  const lease = leaseInForce(wp);
  return {
    defer_ms: wp.defer_until === undefined ? null : Date.parse(wp.defer_until),
    lease_expires_ms: lease === undefined ? null : (leaseExpiryMs(lease) ?? null),
  };
}
