import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ok, refused } from "../../../test/support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../../../test/support/stores.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import { openStore } from "../../store/open-store.js";
import { LocusEngine } from "../locus-engine.js";

// claim_wp on every backend: the pick follows query_ready, the write is update_wp's, and concurrent claims on
// one store never share a WP. (SQLite's concurrent case runs as 16 processes in test/cli/claim-concurrency.test.ts:
// one process's synchronous driver cannot wait on its own second connection's lock.)

const as = (actor: string) => ({ actor_id: actor });

for (const backend of STORE_BACKENDS) {
  describe(`claim_wp (${backend.name})`, { skip: backend.skip }, () => {
    let engine: LocusEngine;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ engine, cleanup } = await freshEngine(backend));
      // P0 unlabelled, then P1 "api" (pre_work passed), P2 "api", and a P0 "api" WP blocked by the P2 one.
      const make = async (wpId: string, priority: number, labels: string[]) => {
        await ok(engine, "create_wp", { wp_id: wpId, title: wpId, priority, labels });
        await ok(engine, "update_wp", { wp_id: wpId, updates: { status: "ready" } });
      };
      await make("WP-top", 0, []);
      await make("WP-api-1", 1, ["api"]);
      await make("WP-api-2", 2, ["api"]);
      await make("WP-api-blocked", 0, ["api"]);
      await ok(engine, "add_dependency", {
        from_wp_id: "WP-api-2",
        to_wp_id: "WP-api-blocked",
        type: "blocks",
      });
      // The gate starts WP-api-1; blocked and back leaves it ready with pre_work passed, for claim to start.
      await ok(engine, "gate_wp", { wp_id: "WP-api-1", gate: "pre_work", result: { status: "pass" } });
      await ok(engine, "update_wp", { wp_id: "WP-api-1", updates: { status: "blocked" } });
      await ok(engine, "update_wp", { wp_id: "WP-api-1", updates: { status: "ready" } });
      await ok(engine, "create_wp", { wp_id: "WP-stub", title: "not refined" });
    });
    after(async () => cleanup());

    it("takes the best ready unassigned WP matching the filters, and starts it when pre_work passed", async () => {
      const result = await engine.run("claim_wp", { labels: ["api"] }, as("agent-1"));
      assert.equal(result.success, true, JSON.stringify(result));
      assert.deepEqual(result.events_emitted, ["FR-EVT-WP-002"]);
      const data = result.success ? result.data : {};
      const wp = data.wp as TrackedWorkPacket;
      // WP-api-blocked has a higher priority but an open blocker; WP-api-1 is next, and its gate passed.
      assert.equal(data.claimed, "WP-api-1");
      assert.equal(data.started, true);
      assert.equal(wp.status, "in_progress");
      assert.equal(wp.assignee, "agent-1");
      assert.equal(wp.notes.at(-1)?.content, "claimed by agent-1 and started");
    });

    it("skips assigned WPs; a WP whose gate is pending is claimed but stays ready", async () => {
      const data = await ok(engine, "claim_wp", { labels: ["api"] }, as("agent-2"));
      assert.equal(data.claimed, "WP-api-2");
      assert.equal(data.started, false);
      assert.equal((data.wp as TrackedWorkPacket).status, "ready");
      assert.match(String(data.next), /pre_work/);
      const none = await refused(engine, "claim_wp", { labels: ["api"] }, "HSK-404-NOT-FOUND", as("agent-3"));
      assert.equal(none.details?.field, "filters");
    });

    it("wp_id: the holder's repeat renews; another actor, a stub or a missing WP is refused", async () => {
      const before = (await ok(engine, "get_wp_status", { wp_id: "WP-api-2" })).wp as TrackedWorkPacket;
      const again = await engine.run("claim_wp", { wp_id: "WP-api-2" }, as("agent-2"));
      assert.equal(again.success, true);
      // Section 17: claiming your own WP again is the heartbeat: the lease moves, its claim time stays, no note.
      assert.deepEqual(again.events_emitted, ["FR-EVT-WP-002"]);
      const renewed = (again.success ? again.data.wp : {}) as TrackedWorkPacket;
      assert.equal(renewed.lease?.claimed_at, before.lease?.claimed_at);
      assert.ok(String(renewed.lease?.expires_at) > String(before.lease?.expires_at));
      assert.equal(renewed.notes.length, before.notes.length);
      const held = await refused(
        engine,
        "claim_wp",
        { wp_id: "WP-api-2" },
        "HSK-409-CONFLICT",
        as("agent-3"),
      );
      assert.equal(held.details?.assignee, "agent-2");
      await refused(engine, "claim_wp", { wp_id: "WP-stub" }, "HSK-409-CONFLICT", as("agent-3"));
      await refused(engine, "claim_wp", { wp_id: "WP-none" }, "HSK-404-NOT-FOUND", as("agent-3"));
      // Named or not, a WP with an open `blocks` blocker is not claimable work (section 7).
      const waiting = await refused(
        engine,
        "claim_wp",
        { wp_id: "WP-api-blocked" },
        "HSK-409-CONFLICT",
        as("agent-3"),
      );
      assert.deepEqual(
        ((waiting.details?.blockers ?? []) as { wp_id: string }[]).map((blocker) => blocker.wp_id),
        ["WP-api-2"],
      );
      const top = await ok(engine, "claim_wp", { wp_id: "WP-top" }, as("agent-3"));
      assert.equal((top.wp as TrackedWorkPacket).assignee, "agent-3");
    });

    it("needs locus.write: an Analyst is refused and nothing changes", async () => {
      await ok(engine, "create_wp", { wp_id: "WP-free", title: "free" });
      await ok(engine, "update_wp", { wp_id: "WP-free", updates: { status: "ready" } });
      await refused(engine, "claim_wp", {}, "HSK-403-CAPABILITY", {
        actor_id: "reader",
        capability_profile_id: "Analyst",
      });
      const status = await ok(engine, "get_wp_status", { wp_id: "WP-free" });
      assert.equal((status.wp as TrackedWorkPacket).assignee, undefined);
    });
  });
}

const postgres = STORE_BACKENDS.find((backend) => backend.name === "postgres");
describe("claim_wp: 8 engines claiming at once on one PostgreSQL workspace", { skip: postgres?.skip }, () => {
  it("get 8 different WPs, with no error and no retry", async () => {
    if (postgres === undefined) return;
    const { url, cleanup } = await postgres.location();
    const stores = await Promise.all(Array.from({ length: 8 }, () => openStore({ kind: "postgres", url })));
    try {
      const engines = stores.map((store, i) => new LocusEngine(store, { surface: { actor: `agent-${i}` } }));
      const seed = engines[0] as LocusEngine;
      for (let i = 0; i < 8; i++) {
        await ok(seed, "create_wp", { wp_id: `WP-pg-${i}`, title: `pg ${i}` });
        await ok(seed, "update_wp", { wp_id: `WP-pg-${i}`, updates: { status: "ready" } });
      }
      const results = await Promise.all(engines.map((one) => one.run("claim_wp", {})));
      const claimed = results.map((result, i) => {
        assert.equal(result.success, true, JSON.stringify(result));
        const wp = (result.success ? result.data.wp : {}) as TrackedWorkPacket;
        assert.equal(wp.assignee, `agent-${i}`);
        return wp.wp_id;
      });
      assert.equal(new Set(claimed).size, 8);
      await refused(seed, "claim_wp", {}, "HSK-404-NOT-FOUND");
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await cleanup();
    }
  });
});
