import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 7: filters, sort policies and calendar policy profiles (built in and from config).
for (const backend of STORE_BACKENDS) {
  describe(`ready filters and calendar policies (${backend.name})`, { skip: backend.skip }, () => {
    it("applies filters, narrows by policy, records the policy in QUERY-001", async () => {
      const config = parseWorkspaceConfig({
        calendar_policies: { DOCS_DAY: { types: ["docs"], sort_by: "age" } },
      });
      const { engine, store, cleanup } = await freshEngine(backend, { config, surface: { actor: "ann" } });
      try {
        await wpIn(engine, "WP-p0", "ready", {
          priority: 0,
          type: "bug",
          labels: ["auth", "api"],
          assignee: "ann",
          phase: "1",
        });
        await wpIn(engine, "WP-p1", "in_progress", { priority: 1, type: "feature", labels: ["auth"] });
        await wpIn(engine, "WP-p3", "ready", {
          priority: 3,
          type: "docs",
          labels: ["api"],
          assignee: "bob",
          phase: "2",
        });
        await wpIn(engine, "WP-docs-old", "ready", { priority: 4, type: "docs" });
        await wpIn(engine, "WP-stub", "stub", { priority: 0 });
        const ids = async (params: Record<string, unknown>) =>
          ((await ok(engine, "query_ready", params)).ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id);
        assert.deepEqual(await ids({ sort_by: "priority" }), ["WP-p0", "WP-p1", "WP-p3", "WP-docs-old"]);
        assert.deepEqual(await ids({ sort_by: "age" }), ["WP-p0", "WP-p1", "WP-p3", "WP-docs-old"]);
        assert.deepEqual(await ids({ labels: ["auth", "api"] }), ["WP-p0"]);
        assert.deepEqual(await ids({ assignee: "self" }), ["WP-p0"]);
        assert.deepEqual(await ids({ priority_min: 1, priority_max: 3, sort_by: "priority" }), [
          "WP-p1",
          "WP-p3",
        ]);
        assert.deepEqual(await ids({ phase: "2" }), ["WP-p3"]);
        assert.deepEqual(await ids({ statuses: ["in_progress"] }), ["WP-p1"]);
        assert.deepEqual(await ids({ sort_by: "priority", offset: 1, limit: 2 }), ["WP-p1", "WP-p3"]);
        const focus = await ok(engine, "query_ready", { calendar_policy_id: "FOCUS_MODE", sort_by: "age" });
        assert.equal(focus.sort_policy, "priority", "the policy's sort wins");
        assert.deepEqual(
          (focus.ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id),
          ["WP-p0", "WP-p1"],
        );
        assert.equal(focus.total_count, 2);
        // A policy restricts, never widens: the request's own priority_max 0 stays.
        assert.deepEqual(await ids({ calendar_policy_id: "FOCUS_MODE", priority_max: 0 }), ["WP-p0"]);
        assert.deepEqual(await ids({ calendar_policy_id: "DOCS_DAY" }), ["WP-p3", "WP-docs-old"]);
        await refused(engine, "query_ready", { calendar_policy_id: "PARTY_MODE" }, "HSK-400-INVALID-PARAMS");
        const queries = (await store.readEvents()).filter((e) => e.event_name === "work_query_executed");
        const lastFocus = queries.filter((e) => e.payload.calendar_policy_id === "DOCS_DAY").at(-1);
        assert.equal(lastFocus?.payload.sort_policy, "age");
        assert.deepEqual((lastFocus?.payload.filters as { types?: string[] } | undefined)?.types, ["docs"]);
      } finally {
        await cleanup();
      }
    });

    it("hybrid sort prefers what unblocks more work among equal priorities, deterministically", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-a", "ready", { priority: 2 });
        await wpIn(engine, "WP-b", "ready", { priority: 2 });
        for (const id of ["WP-x", "WP-y", "WP-z"]) {
          await wpIn(engine, id, "ready", { priority: 4 });
          await ok(engine, "add_dependency", { from_wp_id: "WP-b", to_wp_id: id, type: "blocks" });
        }
        const ready = await ok(engine, "query_ready", {});
        assert.equal(ready.sort_policy, "hybrid");
        assert.deepEqual(
          (ready.ready_wps as TrackedWorkPacket[]).map((wp) => wp.wp_id),
          ["WP-b", "WP-a"],
        );
      } finally {
        await cleanup();
      }
    });

    it("list_wps shows deleted WPs only when asked", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-keep", "ready");
        await wpIn(engine, "WP-gone", "ready");
        await ok(engine, "delete_wp", { wp_id: "WP-gone", reason: "duplicate" });
        assert.equal((await ok(engine, "list_wps", {})).total_count, 1);
        const all = await ok(engine, "list_wps", { include_deleted: true });
        const gone = (all.wps as TrackedWorkPacket[]).find((wp) => wp.wp_id === "WP-gone");
        assert.equal(gone?.status, "cancelled");
        assert.equal(gone?.tombstone?.reason, "duplicate");
        await refused(engine, "get_wp_status", { wp_id: "WP-gone" }, "HSK-404-NOT-FOUND");
        assert.equal(
          (
            (await ok(engine, "get_wp_status", { wp_id: "WP-gone", include_deleted: true }))
              .wp as TrackedWorkPacket
          ).wp_id,
          "WP-gone",
        );
      } finally {
        await cleanup();
      }
    });
  });
}
