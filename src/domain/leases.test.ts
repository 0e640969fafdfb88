import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type ClaimState,
  claimState,
  isDeferred,
  leaseFor,
  liveLeaseOfAnother,
  readinessColumns,
} from "./leases.js";
import type { Lease } from "./records.js";

// Section 17's rules as tables (given a WP's assignee and lease, at a time, then...), and as properties: the columns
// a store indexes decide freedom and readiness exactly as the rules do, at every moment.

const T = Date.parse("2026-03-01T09:00:00.000Z");
const at = (offsetSeconds: number) => new Date(T + offsetSeconds * 1000).toISOString();
const lease = (holder: string, expiresIn?: number): Lease => ({
  holder,
  claimed_at: at(0),
  ...(expiresIn === undefined ? {} : { expires_at: at(expiresIn) }),
});

describe("claimState", () => {
  const cases: [string, { assignee?: string; lease?: Lease }, number, ClaimState][] = [
    ["nobody assigned", {}, 0, "free"],
    ["a lease before its expiry", { assignee: "ann", lease: lease("ann", 60) }, 59, "leased"],
    ["a lease at its expiry", { assignee: "ann", lease: lease("ann", 60) }, 60, "expired"],
    ["a lease after its expiry", { assignee: "ann", lease: lease("ann", 60) }, 3600, "expired"],
    ["a lease without expiry, a year on", { assignee: "ann", lease: lease("ann") }, 31_536_000, "leased"],
    ["assigned without a lease", { assignee: "ann" }, 0, "assigned"],
    [
      "a lease of an earlier assignee (merged replicas)",
      { assignee: "bob", lease: lease("ann", 60) },
      0,
      "assigned",
    ],
  ];
  for (const [name, wp, offset, expected] of cases) {
    it(`${name}: ${expected}`, () => assert.equal(claimState(wp, T + offset * 1000), expected));
  }
});

describe("liveLeaseOfAnother", () => {
  it("stops another actor only while the lease is live, never its holder", () => {
    const wp = { assignee: "ann", lease: lease("ann", 60) };
    assert.equal(liveLeaseOfAnother(wp, "bob", T)?.holder, "ann");
    assert.equal(liveLeaseOfAnother(wp, "ann", T), undefined);
    assert.equal(liveLeaseOfAnother(wp, "bob", T + 60_000), undefined);
    assert.equal(liveLeaseOfAnother({ assignee: "ann" }, "bob", T), undefined);
  });
});

describe("leaseFor", () => {
  it("a new holder's lease starts now; the holder's renewal keeps claimed_at; 0 seconds means no expiry", () => {
    const now = new Date(T + 30_000);
    assert.deepEqual(leaseFor({}, "ann", now, 60), { holder: "ann", claimed_at: at(30), expires_at: at(90) });
    const held = { assignee: "ann", lease: lease("ann", 60) };
    assert.deepEqual(leaseFor(held, "ann", now, 60), {
      holder: "ann",
      claimed_at: at(0),
      expires_at: at(90),
    });
    assert.deepEqual(leaseFor(held, "bob", now, 0), { holder: "bob", claimed_at: at(30) });
  });
});

describe("readinessColumns agree with the rules at every moment", () => {
  const wpArbitrary = fc.record({
    assignee: fc.option(fc.constantFrom("ann", "bob"), { nil: undefined }),
    holder: fc.constantFrom("ann", "bob"),
    hasLease: fc.boolean(),
    expiresIn: fc.option(fc.integer({ min: -100, max: 100 }), { nil: undefined }),
    deferIn: fc.option(fc.integer({ min: -100, max: 100 }), { nil: undefined }),
  });
  it("free in SQL (assignee IS NULL OR lease_expires_ms <= now) iff claimState is free or expired; deferred iff defer_ms > now", () => {
    fc.assert(
      fc.property(wpArbitrary, fc.integer({ min: -150, max: 150 }), (shape, nowOffset) => {
        const wp = {
          ...(shape.assignee === undefined ? {} : { assignee: shape.assignee }),
          ...(shape.hasLease ? { lease: lease(shape.holder, shape.expiresIn) } : {}),
          ...(shape.deferIn === undefined ? {} : { defer_until: at(shape.deferIn) }),
        };
        const now = T + nowOffset * 1000;
        const columns = readinessColumns(wp);
        const freeInSql =
          wp.assignee === undefined || (columns.lease_expires_ms !== null && columns.lease_expires_ms <= now);
        const state = claimState(wp, now);
        assert.equal(freeInSql, state === "free" || state === "expired");
        assert.equal(columns.defer_ms !== null && columns.defer_ms > now, isDeferred(wp, now));
      }),
    );
  });
});
