import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, sha256 } from "../../src/domain/canonical-json.js";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { ok, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 2 and 9: version +1 per change, vector clock per write, one immutable Bronze snapshot per WP write.
for (const backend of STORE_BACKENDS) {
  describe(`versions, vector clocks and Bronze (${backend.name})`, { skip: backend.skip }, () => {
    it("chains one content-hashed snapshot per write; a no-op write bumps nothing", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        const created = await ok(engine, "create_wp", { wp_id: "WP-b", title: "B" });
        await wpIn(engine, "WP-other", "ready");
        await ok(engine, "update_wp", { wp_id: "WP-b", updates: { status: "ready" } });
        const same = await engine.run("update_wp", {
          wp_id: "WP-b",
          updates: { status: "ready", title: "B" },
        });
        assert.ok(same.success && same.data.changed === false && same.events_emitted.length === 0);
        await ok(engine, "gate_wp", { wp_id: "WP-b", gate: "pre_work", result: { status: "pass" } });
        const wp = (await ok(engine, "get_wp_status", { wp_id: "WP-b" })).wp as TrackedWorkPacket;
        assert.equal(wp.version, 3);
        assert.deepEqual(Object.values(wp.vector_clock), [3]);
        assert.equal(Object.keys(wp.vector_clock)[0], store.replicaId);
        const snapshots = await store.transaction((tx) => tx.bronzeSnapshots("WP-b"));
        assert.deepEqual(
          snapshots.map((s) => [s.version, s.operation]),
          [
            [1, "create"],
            [2, "update"],
            [3, "gate"],
          ],
        );
        assert.equal(snapshots[0]?.bronze_id, created.bronze_id);
        assert.equal(snapshots[0]?.previous_bronze_id, undefined);
        assert.equal(snapshots[1]?.previous_bronze_id, snapshots[0]?.bronze_id);
        assert.equal(snapshots[2]?.previous_bronze_id, snapshots[1]?.bronze_id);
        for (const snapshot of snapshots)
          assert.equal(snapshot.content_hash, sha256(canonicalJson(snapshot.snapshot)));
        assert.deepEqual(snapshots[2]?.snapshot, wp);
        // The events carry the Bronze id of the write they caused.
        const events = (await store.readEvents({ wpId: "WP-b" })).filter(
          (e) => e.event_name !== "work_query_executed",
        );
        assert.deepEqual(
          events.map((e) => e.payload.bronze_id),
          snapshots.map((s) => s.bronze_id),
        );
      } finally {
        await cleanup();
      }
    });
  });
}
