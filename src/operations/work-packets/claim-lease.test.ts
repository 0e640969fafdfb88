import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ok, refused } from "../../../test/support/drive.js";
import { snapshot } from "../../../test/support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../../../test/support/stores.js";
import { type ManualClock, manualClock } from "../../domain/clock.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import type { LocusStore } from "../../store/store-port.js";
import { replayCheck } from "../flight-recorder.js";
import type { LocusEngine } from "../locus-engine.js";

// Section 17 on every backend, with a clock that moves only when the test says: a claim's lease, the heartbeat,
// expiry seen by claim_wp and query_ready alike, the takeover recorded, MT writes by others refused while the lease
// is live (unless a supervisor), release_wp, and a replay that still equals the live state.

/** An agent: a Coder, which holds locus.write but not locus.gate (a supervisor's override is tested on its own). */
const as = (actor: string) => ({ actor_id: actor, capability_profile_id: "Coder" });
const T0 = "2026-03-01T09:00:00.000Z";
const seconds = (n: number) => n * 1000;
const wpOf = (data: Record<string, unknown>) => data.wp as TrackedWorkPacket;

for (const backend of STORE_BACKENDS) {
  describe(`claim leases (${backend.name})`, { skip: backend.skip }, () => {
    let engine: LocusEngine;
    let store: LocusStore;
    let clock: ManualClock;
    let cleanup: () => Promise<void>;
    before(async () => {
      clock = manualClock(T0);
      ({ engine, store, cleanup } = await freshEngine(backend, { clock }));
      // WP-L: started work (pre_work passed) with one MT; WP-free: a second, lower-priority ready WP.
      await ok(engine, "create_wp", { wp_id: "WP-L", title: "leased work", priority: 0 });
      await ok(engine, "update_wp", { wp_id: "WP-L", updates: { status: "ready" } });
      await ok(engine, "gate_wp", { wp_id: "WP-L", gate: "pre_work", result: { status: "pass" } });
      await ok(engine, "register_mts", {
        wp_id: "WP-L",
        micro_tasks: [
          { mt_id: "MT-001", name: "one" },
          { mt_id: "MT-002", name: "two" },
        ],
      });
    });
    after(async () => cleanup());

    it("a claim records a lease of lease_seconds; the config default is 1800 s", async () => {
      const data = await ok(engine, "claim_wp", { wp_id: "WP-L", lease_seconds: 60 }, as("ann"));
      assert.deepEqual(wpOf(data).lease, {
        holder: "ann",
        claimed_at: T0,
        expires_at: "2026-03-01T09:01:00.000Z",
      });
      assert.deepEqual(data.lease, wpOf(data).lease);
      await ok(engine, "create_wp", { wp_id: "WP-free", title: "free", priority: 3 });
      await ok(engine, "update_wp", { wp_id: "WP-free", updates: { status: "ready" } });
      const other = await ok(engine, "claim_wp", {}, as("cat"));
      assert.equal(other.claimed, "WP-free", "a live lease is not free: the pick passes it by");
      assert.equal(wpOf(other).lease?.expires_at, "2026-03-01T09:30:00.000Z");
      await ok(engine, "release_wp", { wp_id: "WP-free" }, as("cat"));
    });

    it("while the lease is live another actor's claim and MT writes are HSK-409-CONFLICT naming the holder, and change nothing", async () => {
      const before = await snapshot(store);
      const claim = await refused(engine, "claim_wp", { wp_id: "WP-L" }, "HSK-409-CONFLICT", as("bob"));
      assert.equal(claim.details?.holder, "ann");
      assert.equal(claim.details?.expires_at, "2026-03-01T09:01:00.000Z");
      const writes: [string, Record<string, unknown>][] = [
        ["start_mt", { wp_id: "WP-L", mt_id: "MT-001" }],
        ["register_mts", { wp_id: "WP-L", micro_tasks: [{ mt_id: "MT-003", name: "three" }] }],
        ["complete_mt", { wp_id: "WP-L", mt_id: "MT-002", outcome: "skipped" }],
      ];
      for (const [operation, params] of writes) {
        const error = await refused(engine, operation, params, "HSK-409-CONFLICT", as("bob"));
        assert.equal(error.details?.holder, "ann", operation);
        assert.equal(error.details?.field, "wp_id", operation);
        assert.match(error.message, /leased to ann/);
      }
      // Only the refusals' capability decisions were recorded: no state, snapshot or state event changed.
      assert.equal(await snapshot(store), before);
      // The holder writes its own MTs.
      await ok(engine, "start_mt", { wp_id: "WP-L", mt_id: "MT-001" }, as("ann"));
      const iteration = {
        wp_id: "WP-L",
        mt_id: "MT-001",
        iteration: 1,
        model_id: "m",
        outcome: "RETRY",
        tokens_prompt: 1,
        tokens_completion: 1,
        claimed_complete: false,
      };
      await refused(engine, "record_iteration", iteration, "HSK-409-CONFLICT", as("bob"));
      await ok(engine, "record_iteration", iteration, as("ann"));
    });

    it("a supervisor holding locus.gate may write the MTs; the override is its recorded capability decision", async () => {
      const result = await engine.run(
        "record_iteration",
        {
          wp_id: "WP-L",
          mt_id: "MT-001",
          iteration: 2,
          model_id: "m",
          outcome: "RETRY",
          tokens_prompt: 1,
          tokens_completion: 1,
          claimed_complete: false,
        },
        { actor_id: "lead", capability_profile_id: "Orchestrator" },
      );
      assert.equal(result.success, true, JSON.stringify(result));
      const decisions = (await store.readEvents()).filter(
        (event) => event.job_id === result.job_id && event.event_name === "capability_decision",
      );
      const override = decisions.find((event) => event.payload.capability_id === "locus.gate");
      assert.equal(override?.payload.decision_outcome, "allow");
      assert.match(String(override?.payload.reason), /leased to ann/);
    });

    it("claiming again renews the lease (the heartbeat): claimed_at stays, expires_at moves, no note", async () => {
      clock.advance(seconds(50));
      const wp = wpOf(await ok(engine, "claim_wp", { wp_id: "WP-L", lease_seconds: 60 }, as("ann")));
      assert.equal(wp.lease?.claimed_at, T0);
      assert.equal(wp.lease?.expires_at, "2026-03-01T09:01:50.000Z");
      assert.equal(wp.notes.filter((note) => note.content.startsWith("claimed")).length, 1);
      clock.advance(seconds(59)); // 1 s before the renewed expiry: still ann's
      await refused(engine, "claim_wp", { wp_id: "WP-L" }, "HSK-409-CONFLICT", as("bob"));
      await refused(engine, "claim_wp", { labels: [], priority_max: 0 }, "HSK-404-NOT-FOUND", as("bob"));
    });

    it("at expiry the WP is free: query_ready's claim pick takes it over, recording the expired holder", async () => {
      clock.advance(seconds(1)); // exactly expires_at: expired
      const data = await ok(engine, "claim_wp", { priority_max: 0 }, as("bob"));
      assert.equal(data.claimed, "WP-L");
      assert.equal(data.taken_over_from, "ann");
      const wp = wpOf(data);
      assert.equal(wp.assignee, "bob");
      assert.deepEqual(wp.lease, {
        holder: "bob",
        claimed_at: "2026-03-01T09:01:50.000Z",
        expires_at: "2026-03-01T09:31:50.000Z",
      });
      assert.match(
        String(wp.notes.at(-1)?.content),
        /taken over from ann whose lease expired at 2026-03-01T09:01:50/,
      );
      const events = await store.readEvents({ wpId: "WP-L" });
      const takeover = events.filter((event) => event.event_name === "work_packet_updated").at(-1);
      assert.equal(takeover?.actor_id, "bob");
      assert.equal(takeover?.payload.taken_over_from, "ann");
      const changes = takeover?.payload.changes as Record<string, { from: unknown; to: unknown }>;
      assert.deepEqual(changes.assignee, { from: "ann", to: "bob" });
      assert.equal((changes.lease?.from as { holder?: string } | undefined)?.holder, "ann");
      // The former holder is now the other actor.
      await refused(engine, "start_mt", { wp_id: "WP-L", mt_id: "MT-002" }, "HSK-409-CONFLICT", as("ann"));
    });

    it("an expired lease no longer keeps others from the MTs", async () => {
      clock.advance(seconds(1800)); // bob's lease expired, nobody claimed it since
      await ok(engine, "start_mt", { wp_id: "WP-L", mt_id: "MT-002" }, as("ann"));
    });

    it("release_wp: refused for another actor's live claim, the holder's clears assignee and lease, then it is claimable", async () => {
      await ok(engine, "claim_wp", { wp_id: "WP-L" }, as("bob")); // bob renews (from expired: a new claim time)
      const held = await refused(engine, "release_wp", { wp_id: "WP-L" }, "HSK-409-CONFLICT", as("ann"));
      assert.equal(held.details?.holder, "bob");
      const released = await ok(engine, "release_wp", { wp_id: "WP-L", note: "stuck on review" }, as("bob"));
      assert.equal(released.released, true);
      assert.equal(wpOf(released).assignee, undefined);
      assert.equal(wpOf(released).lease, undefined);
      assert.equal(wpOf(released).status, "in_progress", "the status is left as it is");
      assert.equal(wpOf(released).notes.at(-1)?.content, "released by bob: stuck on review");
      const again = await engine.run("release_wp", { wp_id: "WP-L" }, as("bob"));
      assert.equal(again.success && again.data.changed, false);
      assert.deepEqual(again.events_emitted, []);
      const next = await ok(engine, "claim_wp", { priority_max: 0 }, as("ann"));
      assert.equal(next.claimed, "WP-L");
    });

    it("a supervisor may release another actor's live claim; a Coder may not", async () => {
      await refused(engine, "release_wp", { wp_id: "WP-L" }, "HSK-409-CONFLICT", {
        actor_id: "bob",
        capability_profile_id: "Coder",
      });
      const data = await ok(
        engine,
        "release_wp",
        { wp_id: "WP-L" },
        {
          actor_id: "lead",
          capability_profile_id: "Orchestrator",
        },
      );
      assert.equal(data.released_from, "ann");
      assert.match(String(wpOf(data).notes.at(-1)?.content), /released by lead \(claimed by ann\)/);
    });

    it("lease_seconds 0 never expires; update_wp giving the WP to someone else ends the lease", async () => {
      const data = await ok(engine, "claim_wp", { wp_id: "WP-L", lease_seconds: 0 }, as("ann"));
      assert.deepEqual(wpOf(data).lease, { holder: "ann", claimed_at: clock().toISOString() });
      clock.advance(seconds(365 * 24 * 3600));
      await refused(engine, "claim_wp", { wp_id: "WP-L" }, "HSK-409-CONFLICT", as("bob"));
      const repeat = await engine.run("claim_wp", { wp_id: "WP-L", lease_seconds: 0 }, as("ann"));
      assert.deepEqual(repeat.events_emitted, [], "renewing a lease without expiry changes nothing");
      const moved = wpOf(await ok(engine, "update_wp", { wp_id: "WP-L", updates: { assignee: "bob" } }));
      assert.equal(moved.assignee, "bob");
      assert.equal(moved.lease, undefined);
      // Assigned without a lease: held until released, like before leases existed.
      await refused(engine, "claim_wp", { wp_id: "WP-L" }, "HSK-409-CONFLICT", as("ann"));
      await ok(engine, "start_mt", { wp_id: "WP-L", mt_id: "MT-002" }, as("ann"));
    });

    it("refuses a lease longer than 30 days and people's updates of the lease field", async () => {
      await refused(
        engine,
        "claim_wp",
        { lease_seconds: 30 * 24 * 3600 + 1 },
        "HSK-400-INVALID-PARAMS",
        as("x"),
      );
      const error = await refused(
        engine,
        "update_wp",
        { wp_id: "WP-L", updates: { lease: null } },
        "HSK-400-INVALID-PARAMS",
      );
      assert.equal(error.details?.field, "params.updates.lease");
    });

    it("the log alone rebuilds the leases: replay equals the live state", async () => {
      const report = await replayCheck(store);
      assert.deepEqual(report.mismatches, []);
      assert.equal(report.ok, true);
    });
  });
}
