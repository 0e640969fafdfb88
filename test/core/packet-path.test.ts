import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { ok, refused } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 8 (Safety): a task_packet_path is a file strictly below the configured packets folder
// (`packets_dir`, default docs/task_packets), checked on create_wp and update_wp.

/** Paths inside the workspace that are still not task packets: elsewhere, or the folder itself. */
const OUTSIDE_PACKETS = [
  "docs/TASK_BOARD.md",
  "src/x.md",
  "docs/task_packets",
  "docs/task_packets/",
  "docs/task_packets_old/WP-1.md",
];

for (const backend of STORE_BACKENDS) {
  describe(`task_packet_path under the packets folder (${backend.name})`, { skip: backend.skip }, () => {
    it("refuses, on create and update, a path that is not a file below docs/task_packets, changing nothing", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await ok(engine, "create_wp", { wp_id: "WP-live", title: "live" });
        for (const packetPath of OUTSIDE_PACKETS) {
          const before = await snapshot(store);
          const created = await refused(
            engine,
            "create_wp",
            { wp_id: "WP-new", title: "new", task_packet_path: packetPath },
            "HSK-400-UNSAFE-PATH",
          );
          assert.equal(created.details?.field, "task_packet_path", packetPath);
          const updated = await refused(
            engine,
            "update_wp",
            { wp_id: "WP-live", updates: { task_packet_path: packetPath } },
            "HSK-400-UNSAFE-PATH",
          );
          assert.equal(updated.details?.field, "task_packet_path", packetPath);
          assert.equal(await snapshot(store), before, `${packetPath} changed the store`);
        }
        const missing = await engine.run("get_wp_status", { wp_id: "WP-new" });
        assert.equal(missing.success, false, "no WP was created");
        const live = (await ok(engine, "get_wp_status", { wp_id: "WP-live" })).wp as TrackedWorkPacket;
        assert.equal(live.version, 1);
        assert.equal(live.governance.task_packet_path, undefined);
      } finally {
        await cleanup();
      }
    });

    it("accepts a file below the folder (also in a subfolder such as stubs/), normalised", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        const created = await ok(engine, "create_wp", {
          wp_id: "WP-one",
          title: "one",
          task_packet_path: "docs/task_packets/WP-one.md",
        });
        assert.equal(
          (created.wp as TrackedWorkPacket).governance.task_packet_path,
          "docs/task_packets/WP-one.md",
        );
        const updated = await ok(engine, "update_wp", {
          wp_id: "WP-one",
          updates: { task_packet_path: "./docs/task_packets/stubs/WP-one.md" },
        });
        const wp = updated.wp as TrackedWorkPacket;
        assert.equal(wp.governance.task_packet_path, "docs/task_packets/stubs/WP-one.md");
        assert.equal(wp.version, 2);
      } finally {
        await cleanup();
      }
    });
  });
}
