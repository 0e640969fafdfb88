import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrackedDependency, TrackedWorkPacket } from "../../src/domain/records.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

for (const backend of STORE_BACKENDS) {
  describe(`dependencies (${backend.name})`, { skip: backend.skip }, () => {
    it("refuses blocks and parent-child cycles with the cycle path; other types may loop", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        for (const id of ["WP-a", "WP-b", "WP-c", "WP-d"]) await wpIn(engine, id, "ready");
        await ok(engine, "add_dependency", { from_wp_id: "WP-a", to_wp_id: "WP-b", type: "blocks" });
        await ok(engine, "add_dependency", { from_wp_id: "WP-b", to_wp_id: "WP-c", type: "blocks" });
        const before = (await store.readEvents()).length;
        const cycle = await refused(
          engine,
          "add_dependency",
          { from_wp_id: "WP-c", to_wp_id: "WP-a", type: "blocks" },
          "HSK-409-CYCLE",
        );
        assert.deepEqual(cycle.details?.cycle, ["WP-c", "WP-a", "WP-b", "WP-c"]);
        // blocked_by is the inverse: "WP-a blocked_by WP-c" is "WP-c blocks WP-a", also a cycle.
        const inverse = await refused(
          engine,
          "add_dependency",
          { from_wp_id: "WP-a", to_wp_id: "WP-c", type: "blocked_by" },
          "HSK-409-CYCLE",
        );
        assert.deepEqual(inverse.details?.cycle, ["WP-c", "WP-a", "WP-b", "WP-c"]);
        await refused(
          engine,
          "add_dependency",
          { from_wp_id: "WP-d", to_wp_id: "WP-d", type: "blocks" },
          "HSK-409-CYCLE",
        );
        await ok(engine, "add_dependency", { from_wp_id: "WP-a", to_wp_id: "WP-d", type: "parent-child" });
        await ok(engine, "add_dependency", { from_wp_id: "WP-d", to_wp_id: "WP-b", type: "parent-child" });
        const pc = await refused(
          engine,
          "add_dependency",
          { from_wp_id: "WP-b", to_wp_id: "WP-a", type: "parent-child" },
          "HSK-409-CYCLE",
        );
        assert.deepEqual(pc.details?.cycle, ["WP-b", "WP-a", "WP-d", "WP-b"]);
        // The same pair in the other direction is fine for a type that is only information.
        await ok(engine, "add_dependency", { from_wp_id: "WP-c", to_wp_id: "WP-a", type: "related" });
        await ok(engine, "add_dependency", { from_wp_id: "WP-a", to_wp_id: "WP-c", type: "related" });
        const written = (await store.readEvents())
          .slice(before)
          .filter((e) => e.event_name === "dependency_added");
        assert.equal(written.length, 4, "refused edges wrote nothing");
      } finally {
        await cleanup();
      }
    });

    it("names the first missing WP of the edge as stored: from before to, blocked_by's turned round", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-here", "ready");
        const field = async (params: Record<string, unknown>) =>
          (await refused(engine, "add_dependency", params, "HSK-404-NOT-FOUND")).details?.field;
        assert.equal(
          await field({ from_wp_id: "WP-gone", to_wp_id: "WP-lost", type: "blocks" }),
          "params.from_wp_id",
        );
        assert.equal(
          await field({ from_wp_id: "WP-here", to_wp_id: "WP-lost", type: "blocks" }),
          "params.to_wp_id",
        );
        assert.equal(
          await field({ from_wp_id: "WP-gone", to_wp_id: "WP-here", type: "blocks" }),
          "params.from_wp_id",
        );
        // blocked_by A -> B is stored as blocks B -> A: B is read first, and named by its own parameter.
        assert.equal(
          await field({ from_wp_id: "WP-gone", to_wp_id: "WP-lost", type: "blocked_by" }),
          "params.to_wp_id",
        );
      } finally {
        await cleanup();
      }
    });

    it("stores blocked_by as the inverse blocks, repeats idempotently, removes by id or triple", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-x", "ready");
        await wpIn(engine, "WP-y", "ready");
        const added = await ok(engine, "add_dependency", {
          from_wp_id: "WP-y",
          to_wp_id: "WP-x",
          type: "blocked_by",
        });
        const dep = added.dependency as TrackedDependency;
        assert.deepEqual([dep.from_wp_id, dep.to_wp_id, dep.type], ["WP-x", "WP-y", "blocks"]);
        const again = await engine.run("add_dependency", {
          from_wp_id: "WP-x",
          to_wp_id: "WP-y",
          type: "blocks",
        });
        assert.ok(again.success && again.data.created === false && again.events_emitted.length === 0);
        const ready = await ok(engine, "query_ready", {});
        assert.deepEqual(
          (ready.ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id),
          ["WP-x"],
        );
        const blocked = await ok(engine, "query_blocked", {});
        assert.deepEqual(blocked.blocked_wps, [
          {
            wp: (blocked.blocked_wps as { wp: TrackedWorkPacket }[])[0]?.wp,
            blockers: [{ wp_id: "WP-x", status: "ready", dependency_id: dep.dependency_id }],
          },
        ]);
        const chain = await ok(engine, "get_blocking_chain", { wp_id: "WP-y" });
        assert.deepEqual(
          (chain.blocking_chain as TrackedWorkPacket[]).map((wp) => wp.wp_id),
          ["WP-x"],
        );
        const removed = await ok(engine, "remove_dependency", {
          from_wp_id: "WP-y",
          to_wp_id: "WP-x",
          type: "blocked_by",
        });
        assert.equal(removed.removed, true);
        const missing = await engine.run("remove_dependency", { dependency_id: dep.dependency_id });
        assert.ok(missing.success && missing.data.removed === false && missing.events_emitted.length === 0);
        assert.equal((await ok(engine, "query_ready", {})).total_count as number, 2);
      } finally {
        await cleanup();
      }
    });

    it("a blocker frees its dependents when done or cancelled; the per-WP edge bound is HSK-413-LIMIT", async () => {
      const { engine, cleanup } = await freshEngine(backend, { config: undefined });
      try {
        await wpIn(engine, "WP-blocker", "in_progress");
        await wpIn(engine, "WP-waiter", "ready");
        await ok(engine, "add_dependency", {
          from_wp_id: "WP-blocker",
          to_wp_id: "WP-waiter",
          type: "blocks",
        });
        assert.equal((await ok(engine, "query_blocked", {})).total_count, 1);
        await ok(engine, "gate_wp", { wp_id: "WP-blocker", gate: "post_work", result: { status: "pass" } });
        assert.equal((await ok(engine, "query_blocked", {})).total_count, 0);
        await ok(engine, "gate_wp", { wp_id: "WP-blocker", gate: "post_work", result: { status: "fail" } });
        assert.equal(
          (await ok(engine, "query_blocked", {})).total_count,
          1,
          "reopening the blocker blocks again",
        );
        await ok(engine, "delete_wp", { wp_id: "WP-blocker", reason: "obsolete" });
        assert.equal(
          (await ok(engine, "query_blocked", {})).total_count,
          0,
          "a cancelled blocker frees its dependents",
        );
        const tree = await ok(engine, "get_dependency_tree", {
          wp_id: "WP-waiter",
          direction: "up",
          types: ["blocks"],
        });
        assert.equal((tree.tree as { children: { wp_id: string }[] }).children[0]?.wp_id, "WP-blocker");
      } finally {
        await cleanup();
      }
    });
  });
}
