import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { ok, refused } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

for (const backend of STORE_BACKENDS) {
  describe(`edge bound (${backend.name})`, { skip: backend.skip }, () => {
    it("refuses the edge past the per-WP bound with HSK-413-LIMIT naming the WP's field", async () => {
      const { engine, cleanup } = await freshEngine(backend, {
        config: parseWorkspaceConfig({ limits: { edges_per_wp: 3 } }),
      });
      try {
        await ok(engine, "create_wp", { wp_id: "WP-hub", title: "hub" });
        for (let i = 0; i < 4; i++) await ok(engine, "create_wp", { wp_id: `WP-leaf${i}`, title: "leaf" });
        for (let i = 0; i < 3; i++)
          await ok(engine, "add_dependency", {
            from_wp_id: "WP-hub",
            to_wp_id: `WP-leaf${i}`,
            type: "related",
          });
        const error = await refused(
          engine,
          "add_dependency",
          { from_wp_id: "WP-hub", to_wp_id: "WP-leaf3", type: "blocks" },
          "HSK-413-LIMIT",
        );
        assert.deepEqual(
          [error.details?.field, error.details?.limit, error.details?.actual],
          ["params.from_wp_id", 3, 3],
        );
      } finally {
        await cleanup();
      }
    });
  });
}
