import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { ok, wpIn } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 3: idempotency_key and expected_version compare-and-set.
for (const backend of STORE_BACKENDS) {
  describe(`idempotency and compare-and-set (${backend.name})`, { skip: backend.skip }, () => {
    it("repeating a job with the same idempotency_key returns the first result and writes nothing", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-i", "in_progress");
        await ok(engine, "register_mts", { wp_id: "WP-i", micro_tasks: [{ mt_id: "MT-001", name: "m" }] });
        const jobs: [string, Record<string, unknown>][] = [
          ["create_wp", { title: "keyed create" }],
          ["update_wp", { wp_id: "WP-i", updates: { priority: 0 }, note: "bump" }],
          ["start_mt", { wp_id: "WP-i", mt_id: "MT-001" }],
          [
            "record_iteration",
            { wp_id: "WP-i", mt_id: "MT-001", iteration: 1, model_id: "m", outcome: "RETRY" },
          ],
          ["query_ready", {}],
        ];
        for (const [index, [operation, params]] of jobs.entries()) {
          const key = `key-${index}`;
          const first = await engine.run(operation, params, { idempotency_key: key });
          assert.equal(first.success, true, operation);
          const before = await snapshot(store);
          const eventsBefore = (await store.readEvents()).length;
          const again = await engine.run(operation, params, { idempotency_key: key });
          assert.deepEqual(again, first, `${operation}: same result`);
          assert.equal(await snapshot(store), before);
          assert.equal(
            (await store.readEvents()).length,
            eventsBefore,
            `${operation}: not even an audit event`,
          );
          const other = await engine.run(
            operation,
            { ...params, ...(operation === "query_ready" ? { limit: 3 } : {}), __different: 1 },
            { idempotency_key: key },
          );
          assert.equal(other.success, false);
        }
        const reused = await engine.run(
          "update_wp",
          { wp_id: "WP-i", updates: { priority: 3 } },
          { idempotency_key: "key-1" },
        );
        assert.equal(!reused.success && reused.error.code, "HSK-409-CONFLICT");
      } finally {
        await cleanup();
      }
    });

    it("same id + same params on create_wp is idempotent; other params conflict", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        const first = await engine.run("create_wp", { wp_id: "WP-same", title: "T", labels: ["a"] });
        const again = await engine.run("create_wp", { wp_id: "WP-same", title: "T", labels: ["a"] });
        assert.ok(again.success && again.events_emitted.length === 0 && again.data.created === false);
        assert.equal(first.success && (first.data.wp as TrackedWorkPacket).version, 1);
        const clash = await engine.run("create_wp", { wp_id: "WP-same", title: "T2" });
        assert.equal(!clash.success && clash.error.code, "HSK-409-CONFLICT");
      } finally {
        await cleanup();
      }
    });

    it("two engines racing on one WP with the same expected_version: exactly one wins", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-race", "ready");
        const rival = new LocusEngine(store);
        for (let round = 0; round < 20; round++) {
          const wp = (await ok(engine, "get_wp_status", { wp_id: "WP-race" })).wp as TrackedWorkPacket;
          const results = await Promise.all(
            [engine, rival].map((e, i) =>
              e.run("update_wp", {
                wp_id: "WP-race",
                updates: { assignee: `agent-${round}-${i}` },
                expected_version: wp.version,
              }),
            ),
          );
          const winners = results.filter((r) => r.success);
          assert.equal(winners.length, 1, `round ${round}`);
          const loser = results.find((r) => !r.success);
          assert.equal(loser && !loser.success && loser.error.code, "HSK-409-CONFLICT");
          const after = (await ok(engine, "get_wp_status", { wp_id: "WP-race" })).wp as TrackedWorkPacket;
          assert.equal(after.version, wp.version + 1);
        }
      } finally {
        await cleanup();
      }
    });
  });
}
