import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { ALL_ERROR_CODES } from "../../src/domain/errors.js";
import { CATALOG } from "../../src/operations/catalog.js";
import type { LocusResult } from "../../src/operations/envelope.js";
import { jobFor, type LocusEngine } from "../../src/operations/locus-engine.js";
import { defineOperation, type OperationDefinition } from "../../src/operations/operation.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { ok, wpIn } from "../support/drive.js";
import { sideTables, snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 3 and 10: every refusal carries its code and the offending field, and leaves the store as it was.

/** Test-only operations: one emits an event outside the registry after a valid one; one trips the driver. */
const rogue: OperationDefinition[] = [
  defineOperation({
    name: "rogue_event",
    summary: "emits a valid event, then an unknown one",
    kind: "write",
    params: () => z.strictObject({ wp_id: z.string() }),
    capabilities: ["locus.write"],
    events: [],
    async run(ctx, p) {
      const wp = await ctx.wp(p.wp_id);
      ctx.emit("work_packet_updated", {
        wp_id: wp.wp_id,
        ...ctx.planWpWrite(wp),
        changes: { title: { from: wp.title, to: "hacked" } },
      });
      (ctx.emit as (name: string, payload: unknown) => void)("wp_teleported", { wp_id: wp.wp_id });
      return {};
    },
  }),
  defineOperation({
    name: "bad_payload",
    summary: "emits a registered event whose payload breaks its schema",
    kind: "write",
    params: () => z.strictObject({ wp_id: z.string() }),
    capabilities: ["locus.write"],
    events: [],
    async run(ctx, p) {
      const wp = await ctx.wp(p.wp_id);
      (ctx.emit as (name: string, payload: unknown) => void)("work_packet_updated", {
        wp_id: wp.wp_id,
        ...ctx.planWpWrite(wp),
        changes: { priority: { from: wp.priority, to: "urgent" } },
      });
      return {};
    },
  }),
  defineOperation({
    name: "driver_failure",
    summary: "writes a duplicate primary key",
    kind: "write",
    params: () => z.strictObject({ wp_id: z.string() }),
    capabilities: ["locus.write"],
    events: [],
    async run(ctx, p) {
      const wp = await ctx.wp(p.wp_id);
      ctx.emit("work_packet_updated", {
        wp_id: wp.wp_id,
        ...ctx.planWpWrite(wp),
        changes: { title: { from: wp.title, to: "half" } },
      });
      const dep = {
        dependency_id: "dep_01J00000000000000000000000",
        from_wp_id: wp.wp_id,
        to_wp_id: wp.wp_id,
        type: "related" as const,
        created_at: ctx.timestamp,
        created_by: "x",
        vector_clock: {},
      };
      await ctx.tx.putDependency(dep);
      await ctx.tx.putDependency(dep);
      return {};
    },
  }),
];
const catalog = new Map([...CATALOG, ...rogue.map((op) => [op.name, op] as const)]);

/** The per-WP edge bound of this file's workspace (small, so the bound is reached cheaply). */
const EDGE_BOUND = 4;

type Case = { code: string; field?: string; run: (engine: LocusEngine) => Promise<LocusResult> };
const big = "x".repeat(33 * 1024);
/** A job_id the setup uses, so a later job reusing it is refused. */
const USED_JOB_ID = "0190a5c2-0000-7000-8000-000000000001";
const CASES: Case[] = [
  {
    code: "HSK-400-INVALID-JOB",
    field: "job_kind",
    run: (e) => e.execute({ ...jobFor("create_wp", { title: "t" }), job_kind: "other" }),
  },
  {
    code: "HSK-400-INVALID-JOB",
    field: "protocol_id",
    run: (e) => e.execute({ ...jobFor("create_wp", { title: "t" }), protocol_id: "locus_update_wp_v1" }),
  },
  { code: "HSK-400-INVALID-JOB", field: "input.operation", run: (e) => e.execute(jobFor("teleport_wp", {})) },
  {
    code: "HSK-400-INVALID-PARAMS",
    field: "params.priority",
    run: (e) => e.run("create_wp", { title: "t", priority: 9 }),
  },
  {
    code: "HSK-400-INVALID-PARAMS",
    field: "params",
    run: (e) => e.run("create_wp", { title: "t", __proto__x: 1 }),
  },
  {
    code: "HSK-400-INVALID-PARAMS",
    field: "params.updates.colour",
    run: (e) => e.run("update_wp", { wp_id: "WP-live", updates: { colour: "red" } }),
  },
  {
    code: "HSK-400-INVALID-EVENT",
    field: "event_name",
    run: (e) => e.run("rogue_event", { wp_id: "WP-live" }),
  },
  {
    code: "HSK-400-INVALID-EVENT",
    field: "payload.changes.priority.to",
    run: (e) => e.run("bad_payload", { wp_id: "WP-live" }),
  },
  {
    code: "HSK-400-UNSAFE-PATH",
    field: "task_packet_path",
    run: (e) => e.run("create_wp", { title: "t", task_packet_path: "../../etc/passwd" }),
  },
  {
    code: "HSK-400-UNSAFE-PATH",
    field: "task_packet_path",
    run: (e) => e.run("update_wp", { wp_id: "WP-live", updates: { task_packet_path: "/etc/passwd" } }),
  },
  {
    code: "HSK-4001",
    field: "input.capabilities_requested",
    run: (e) =>
      e.execute({
        ...jobFor("create_wp", { title: "t" }),
        input: { operation: "create_wp", params: { title: "t" }, capabilities_requested: ["locus.root"] },
      }),
  },
  {
    code: "HSK-403-CAPABILITY",
    field: "input.capabilities_requested",
    run: (e) => e.run("delete_wp", { wp_id: "WP-live" }, { capability_profile_id: "Coder" }),
  },
  {
    code: "HSK-404-NOT-FOUND",
    field: "wp_id",
    run: (e) => e.run("update_wp", { wp_id: "WP-ghost", updates: { title: "t" } }),
  },
  {
    code: "HSK-404-NOT-FOUND",
    field: "mt_id",
    run: (e) => e.run("start_mt", { wp_id: "WP-live", mt_id: "MT-404" }),
  },
  {
    code: "HSK-404-WP-BINDING",
    field: "work_packet_binding.work_packet_id",
    run: (e) => e.run("create_wp", { title: "t" }, { work_packet_binding: { work_packet_id: "WP-ghost" } }),
  },
  {
    code: "HSK-409-CONFLICT",
    field: "expected_version",
    run: (e) => e.run("update_wp", { wp_id: "WP-live", updates: { title: "t" }, expected_version: 1 }),
  },
  {
    code: "HSK-409-CONFLICT",
    field: "wp_id",
    run: (e) => e.run("create_wp", { wp_id: "WP-live", title: "other title" }),
  },
  {
    code: "HSK-409-TRANSITION",
    field: "status",
    run: (e) => e.run("update_wp", { wp_id: "WP-live", updates: { status: "done" } }),
  },
  {
    code: "HSK-409-CYCLE",
    field: "params.to_wp_id",
    run: (e) => e.run("add_dependency", { from_wp_id: "WP-other", to_wp_id: "WP-live", type: "blocks" }),
  },
  {
    code: "HSK-413-LIMIT",
    field: "input.params",
    run: (e) => e.run("create_wp", { title: "t", description: big }),
  },
  {
    code: "HSK-413-LIMIT",
    field: "params.from_wp_id",
    run: (e) => e.run("add_dependency", { from_wp_id: "WP-full", to_wp_id: "WP-live", type: "related" }),
  },
  { code: "HSK-500-STORAGE", run: (e) => e.run("driver_failure", { wp_id: "WP-live" }) },
  // Issue 21 holes 8 and 11: loose inputs and shapes that once went through or crashed as storage failures.
  {
    code: "HSK-400-INVALID-PARAMS",
    field: "params.updates.__proto__",
    run: (e) => e.run("update_wp", JSON.parse('{"wp_id":"WP-live","updates":{"__proto__":{"title":"x"}}}')),
  },
  {
    code: "HSK-400-INVALID-JOB",
    field: "job_id",
    run: (e) => e.run("create_wp", { title: "t" }, { job_id: "job-1" }),
  },
  {
    code: "HSK-400-INVALID-JOB",
    field: "actor_id",
    run: (e) => e.run("create_wp", { title: "t" }, { actor_id: "ev\u0000il" }),
  },
  {
    code: "HSK-409-CONFLICT",
    field: "job_id",
    run: (e) => e.run("create_wp", { title: "t" }, { job_id: USED_JOB_ID }),
  },
  {
    code: "HSK-4001",
    field: "input.capabilities_requested",
    run: (e) =>
      e.execute({
        ...jobFor("create_wp", { title: "t" }),
        input: {
          operation: "create_wp",
          params: { title: "t" },
          capabilities_requested: ["locus.write", "fs.read:../../etc"],
        },
      }),
  },
  {
    code: "HSK-413-LIMIT",
    field: "input.params",
    run: (e) =>
      e.run("create_wp", { title: "t", labels: JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`) }),
  },
];

for (const backend of STORE_BACKENDS) {
  describe(`refusals leave the store as it was (${backend.name})`, { skip: backend.skip }, () => {
    it("covers every contract error code", () => {
      assert.deepEqual([...new Set(CASES.map((c) => c.code))].sort(), [...ALL_ERROR_CODES].sort());
    });

    it("each refusal names its code and field and changes no state, snapshot or state event", async () => {
      const { engine, store, cleanup } = await freshEngine(backend, {
        catalog,
        config: parseWorkspaceConfig({ limits: { edges_per_wp: EDGE_BOUND } }),
      });
      try {
        await wpIn(engine, "WP-live", "in_progress");
        await wpIn(engine, "WP-other", "ready");
        // WP-full reaches the per-WP edge bound with edges of its own, so no other case comes near it.
        await wpIn(engine, "WP-full", "ready");
        for (let i = 0; i < EDGE_BOUND; i++) {
          await wpIn(engine, `WP-leaf${i}`, "stub");
          await ok(engine, "add_dependency", {
            from_wp_id: "WP-full",
            to_wp_id: `WP-leaf${i}`,
            type: "related",
          });
        }
        // Idempotency records exist, so the snapshot would see a refusal that wrote or dropped one.
        await ok(
          engine,
          "update_wp",
          { wp_id: "WP-other", updates: { priority: 1 } },
          { idempotency_key: "k1" },
        );
        await ok(
          engine,
          "update_wp",
          { wp_id: "WP-live", updates: { title: "second version" } },
          { job_id: USED_JOB_ID },
        );
        await ok(engine, "add_dependency", { from_wp_id: "WP-live", to_wp_id: "WP-other", type: "blocks" });
        const side = await sideTables(store);
        assert.ok(side.idempotency?.length && side.search_docs?.length, "the snapshot sees the side tables");
        for (const c of CASES) {
          const before = await snapshot(store);
          const result = await c.run(engine);
          assert.equal(result.success, false, `${c.code} case succeeded`);
          if (result.success) continue;
          assert.equal(result.error.code, c.code, `${c.code}: ${result.error.message}`);
          if (c.field) assert.equal(result.error.details?.field, c.field, `${c.code}: field`);
          assert.deepEqual(result.events_emitted, []);
          assert.equal(await snapshot(store), before, `${c.code} changed the store`);
        }
      } finally {
        await cleanup();
      }
    });
  });
}
