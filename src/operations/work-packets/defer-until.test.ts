import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ok, refused } from "../../../test/support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../../../test/support/stores.js";
import { type ManualClock, manualClock } from "../../domain/clock.js";
import { type EventName, STATE_EVENT_NAMES } from "../../domain/events/event-registry.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import type { LocusStore } from "../../store/store-port.js";
import { replayCheck } from "../flight-recorder.js";
import type { LocusEngine } from "../locus-engine.js";

// Section 17, deferred work, on every backend with a clock that moves only when told: a WP deferred into the future
// is neither ready nor claimable, shows in query_blocked with its date, and becomes ready when the clock passes the
// date, with nothing written in between (no background job: readiness is decided at query time).

const T0 = "2026-03-01T09:00:00.000Z";
const HOUR = 3_600_000;
const readyIds = (data: Record<string, unknown>) =>
  (data.ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id);

for (const backend of STORE_BACKENDS) {
  describe(`defer_until (${backend.name})`, { skip: backend.skip }, () => {
    let engine: LocusEngine;
    let store: LocusStore;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;
    before(async () => {
      clock = manualClock(T0);
      ({ engine, store, cleanup } = await freshEngine(backend, { clock }));
      for (const wpId of ["WP-later", "WP-now"]) {
        await ok(engine, "create_wp", { wp_id: wpId, title: wpId, labels: ["defer"] });
        await ok(engine, "update_wp", { wp_id: wpId, updates: { status: "ready" } });
      }
    });
    after(async () => cleanup());

    it("update_wp sets defer_until (stored in UTC); the WP leaves query_ready and shows in query_blocked with its date", async () => {
      const wp = (
        await ok(engine, "update_wp", {
          wp_id: "WP-later",
          updates: { defer_until: "2026-03-01T11:00:00+01:00" },
        })
      ).wp as TrackedWorkPacket;
      assert.equal(wp.defer_until, "2026-03-01T10:00:00.000Z");
      assert.deepEqual(readyIds(await ok(engine, "query_ready", { labels: ["defer"] })), ["WP-now"]);
      const blocked = await ok(engine, "query_blocked", { labels: ["defer"] });
      assert.deepEqual(blocked.blocked_wps, [
        { wp, blockers: [], deferred_until: "2026-03-01T10:00:00.000Z" },
      ]);
    });

    it("a deferred WP is not claimable: the pick passes it by, naming it is HSK-409-CONFLICT with the date", async () => {
      const error = await refused(engine, "claim_wp", { wp_id: "WP-later" }, "HSK-409-CONFLICT");
      assert.equal(error.details?.defer_until, "2026-03-01T10:00:00.000Z");
      const picked = await ok(engine, "claim_wp", { labels: ["defer"] }, { actor_id: "ann" });
      assert.equal(picked.claimed, "WP-now");
      await refused(engine, "claim_wp", { labels: ["defer"] }, "HSK-404-NOT-FOUND", { actor_id: "bob" });
    });

    it("when the clock reaches the date the WP is ready and claimable, with no event written in between", async () => {
      const seqBefore = (await store.readEvents()).length;
      clock.advance(HOUR - 1);
      assert.deepEqual(readyIds(await ok(engine, "query_ready", { labels: ["defer"], assignee: "bob" })), []);
      assert.equal((await ok(engine, "query_blocked", { labels: ["defer"] })).total_count, 1);
      clock.advance(1); // exactly defer_until: no longer in the future
      const events = await store.readEvents();
      // The queries left their audit (query records, capability decisions); no state event was written.
      const written = events
        .slice(seqBefore)
        .filter((event) => STATE_EVENT_NAMES.has(event.event_name as EventName));
      assert.deepEqual(written, [], "no state event was written while time passed");
      assert.deepEqual(readyIds(await ok(engine, "query_ready", { labels: ["defer"] })), [
        "WP-later",
        "WP-now",
      ]);
      assert.equal((await ok(engine, "query_blocked", { labels: ["defer"] })).total_count, 0);
      const picked = await ok(engine, "claim_wp", { labels: ["defer"] }, { actor_id: "bob" });
      assert.equal(picked.claimed, "WP-later");
    });

    it("a deferral and an open blocker are both reasons; clearing defer_until (null) leaves the blocker", async () => {
      await ok(engine, "create_wp", { wp_id: "WP-both", title: "both", labels: ["both"] });
      await ok(engine, "update_wp", {
        wp_id: "WP-both",
        updates: { status: "ready", defer_until: "2027-01-01T00:00:00Z" },
      });
      await ok(engine, "add_dependency", { from_wp_id: "WP-now", to_wp_id: "WP-both", type: "blocks" });
      const both = (await ok(engine, "query_blocked", { labels: ["both"] })).blocked_wps as {
        blockers: { wp_id: string }[];
        deferred_until?: string;
      }[];
      assert.deepEqual(
        both.map((entry) => [entry.blockers.map((b) => b.wp_id), entry.deferred_until]),
        [[["WP-now"], "2027-01-01T00:00:00.000Z"]],
      );
      const cleared = await ok(engine, "update_wp", { wp_id: "WP-both", updates: { defer_until: null } });
      assert.equal((cleared.wp as TrackedWorkPacket).defer_until, undefined);
      const after = (await ok(engine, "query_blocked", { labels: ["both"] })).blocked_wps as {
        deferred_until?: string;
      }[];
      assert.equal(after.length, 1);
      assert.equal(after[0]?.deferred_until, undefined);
      await refused(
        engine,
        "update_wp",
        { wp_id: "WP-both", updates: { defer_until: "tomorrow" } },
        "HSK-400-INVALID-PARAMS",
      );
    });

    it("the log alone rebuilds deferrals: replay equals the live state", async () => {
      assert.deepEqual((await replayCheck(store)).mismatches, []);
    });
  });
}
