import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { OPERATIONS } from "../../src/operations/catalog.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { ok, wpIn } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 3: idempotency_key and expected_version compare-and-set.

/** Write operations this file does not key: sync_task_board needs a workspace folder (test/board covers it), sync_events a peer (test/sync/sync-job.test.ts). */
const NOT_COVERED_HERE = new Set([
  "sync_task_board",
  "sync_events",
  // Section 15: an import reads a source file; test/import/ covers repeats (a re-import changes nothing).
  "import_beads",
  "import_backlog",
  "import_taskmaster",
  "import_github",
]);

/** Every write operation (and one read) in an order where each first run succeeds: [op, params, other params]. */
const KEYED_JOBS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ["create_wp", { wp_id: "WP-k", title: "keyed create" }, { wp_id: "WP-k", title: "another title" }],
  ["claim_wp", { wp_id: "WP-j" }, { wp_id: "WP-d" }],
  ["release_wp", { wp_id: "WP-j" }, { wp_id: "WP-j", note: "another reason" }],
  [
    "update_wp",
    { wp_id: "WP-i", updates: { priority: 0 }, note: "bump" },
    { wp_id: "WP-i", updates: { priority: 3 } },
  ],
  [
    "register_mts",
    {
      wp_id: "WP-i",
      micro_tasks: [
        { mt_id: "MT-001", name: "m", max_iterations: 5 },
        { mt_id: "MT-002", name: "n" },
      ],
    },
    { wp_id: "WP-i", micro_tasks: [{ mt_id: "MT-003", name: "o" }] },
  ],
  ["start_mt", { wp_id: "WP-i", mt_id: "MT-001" }, { wp_id: "WP-i", mt_id: "MT-002" }],
  [
    "record_iteration",
    { wp_id: "WP-i", mt_id: "MT-001", iteration: 1, model_id: "m", outcome: "RETRY" },
    { wp_id: "WP-i", mt_id: "MT-001", iteration: 2, model_id: "m", outcome: "RETRY" },
  ],
  [
    "complete_mt",
    { wp_id: "WP-i", mt_id: "MT-001", outcome: "completed" },
    { wp_id: "WP-i", mt_id: "MT-001", outcome: "skipped" },
  ],
  [
    "gate_wp",
    { wp_id: "WP-c", gate: "post_work", result: { status: "pass" } },
    { wp_id: "WP-c", gate: "post_work", result: { status: "fail" } },
  ],
  ["close_wp", { wp_id: "WP-c" }, { wp_id: "WP-i" }],
  [
    "add_dependency",
    { from_wp_id: "WP-i", to_wp_id: "WP-j", type: "blocks" },
    { from_wp_id: "WP-i", to_wp_id: "WP-j", type: "related" },
  ],
  [
    "remove_dependency",
    { from_wp_id: "WP-i", to_wp_id: "WP-j", type: "blocks" },
    { from_wp_id: "WP-j", to_wp_id: "WP-i", type: "blocks" },
  ],
  ["delete_wp", { wp_id: "WP-d", reason: "obsolete" }, { wp_id: "WP-d", reason: "another reason" }],
  ["add_member", { actor_id: "keyed-agent", role: "member" }, { actor_id: "keyed-agent", role: "viewer" }],
  ["remove_member", { actor_id: "keyed-agent" }, { actor_id: "someone-else" }],
  ["require_members", { required: false }, { required: true }],
  ["purge_events", { older_than: "1s" }, { older_than: "2s" }],
  ["query_ready", {}, { limit: 3 }],
];
for (const backend of STORE_BACKENDS) {
  describe(`idempotency and compare-and-set (${backend.name})`, { skip: backend.skip }, () => {
    it("every write operation: a keyed repeat returns the first result and writes nothing; other params conflict", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-i", "in_progress");
        await wpIn(engine, "WP-j", "ready");
        await wpIn(engine, "WP-c", "in_progress");
        await wpIn(engine, "WP-d", "ready");
        const operations = new Set(KEYED_JOBS.map(([operation]) => operation));
        for (const op of OPERATIONS) {
          if (op.kind === "write" && !NOT_COVERED_HERE.has(op.name)) {
            assert.ok(operations.has(op.name), `${op.name} has no idempotency case`);
          }
        }
        for (const [index, [operation, params, otherParams]] of KEYED_JOBS.entries()) {
          const key = `key-${index}`;
          const first = await engine.run(operation, params, { idempotency_key: key });
          assert.equal(first.success, true, `${operation}: ${JSON.stringify(!first.success && first.error)}`);
          if (operation !== "query_ready") assert.notDeepEqual(first.events_emitted, [], operation);
          const before = await snapshot(store);
          const eventsBefore = (await store.readEvents()).length;
          const again = await engine.run(operation, params, { idempotency_key: key });
          // A secret field (a member's token) is shown once: the repeat answers it as null.
          const secret = OPERATIONS.find((op) => op.name === operation)?.secret ?? [];
          const expected =
            first.success && secret.length > 0
              ? {
                  ...first,
                  data: { ...first.data, ...Object.fromEntries(secret.map((field) => [field, null])) },
                }
              : first;
          if (secret.length > 0) assert.equal(typeof (first.success && first.data.token), "string");
          assert.deepEqual(again, expected, `${operation}: same result`);
          assert.equal(await snapshot(store), before, `${operation}: repeat changed the store`);
          assert.equal(
            (await store.readEvents()).length,
            eventsBefore,
            `${operation}: not even an audit event`,
          );
          const other = await engine.run(operation, otherParams, { idempotency_key: key });
          assert.equal(!other.success && other.error.code, "HSK-409-CONFLICT", `${operation}: other params`);
          assert.equal(await snapshot(store), before, `${operation}: the conflict changed the store`);
        }
      } finally {
        await cleanup();
      }
    });

    it("another actor reusing an idempotency key gets HSK-409-CONFLICT, not the first actor's result", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        const params = { wp_id: "WP-keyed", title: "Keyed" };
        const first = await engine.run("create_wp", params, { idempotency_key: "shared", actor_id: "ann" });
        assert.equal(first.success, true);
        const before = await snapshot(store);
        const other = await engine.run("create_wp", params, { idempotency_key: "shared", actor_id: "bob" });
        assert.equal(!other.success && other.error.code, "HSK-409-CONFLICT");
        assert.equal(!other.success && other.error.details?.field, "idempotency_key");
        assert.equal(await snapshot(store), before);
        const again = await engine.run("create_wp", params, { idempotency_key: "shared", actor_id: "ann" });
        assert.deepEqual(again, first);
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
