import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrackedWorkPacket } from "../../src/domain/records.js";
import { jobFor } from "../../src/operations/locus-engine.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 3 step 2 and 11.1: capability checks, their audit, and the profile intersection.
for (const backend of STORE_BACKENDS) {
  describe(`capabilities (${backend.name})`, { skip: backend.skip }, () => {
    it("a Coder cannot pass a gate or delete; decisions are logged; the WP is unchanged", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-cap", "ready");
        const before = (await ok(engine, "get_wp_status", { wp_id: "WP-cap" })).wp as TrackedWorkPacket;
        const coder = { capability_profile_id: "Coder", actor_id: "coder-7" };
        const gate = await refused(
          engine,
          "gate_wp",
          { wp_id: "WP-cap", gate: "pre_work", result: { status: "pass" } },
          "HSK-403-CAPABILITY",
          coder,
        );
        assert.deepEqual(gate.details?.missing, ["locus.gate"]);
        await refused(engine, "delete_wp", { wp_id: "WP-cap" }, "HSK-403-CAPABILITY", coder);
        const after = (await ok(engine, "get_wp_status", { wp_id: "WP-cap" })).wp as TrackedWorkPacket;
        assert.deepEqual(after, before);
        const denials = (await store.readEvents()).filter(
          (e) => e.event_name === "capability_decision" && e.payload.decision_outcome === "deny",
        );
        assert.deepEqual(
          denials.map((e) => [e.payload.capability_id, e.payload.actor_id, e.payload.capability_profile_id]),
          [
            ["locus.gate", "coder-7", "Coder"],
            ["locus.delete", "coder-7", "Coder"],
          ],
        );
        assert.ok(
          denials.every((e) => typeof e.payload.job_id === "string" && e.payload.job_id === e.job_id),
        );
      } finally {
        await cleanup();
      }
    });

    it("an unknown capability is HSK-4001, a missing one HSK-403-CAPABILITY, an empty request is denied", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        const job = jobFor("create_wp", { wp_id: "WP-x", title: "x" });
        const unknown = await engine.execute({
          ...job,
          input: { ...job.input, capabilities_requested: ["locus.write", "net.http"] },
        });
        assert.equal(!unknown.success && unknown.error.code, "HSK-4001");
        const missing = await engine.execute({
          ...job,
          input: { ...job.input, capabilities_requested: ["locus.read"] },
        });
        assert.equal(!missing.success && missing.error.code, "HSK-403-CAPABILITY");
        const empty = await engine.execute({ ...job, input: { ...job.input, capabilities_requested: [] } });
        assert.equal(!empty.success && empty.error.code, "HSK-403-CAPABILITY");
        const events = await store.readEvents();
        // The required capability that was not requested is itself a recorded deny, for this very job.
        const decisionsOf = (jobId: string) =>
          events
            .filter((e) => e.event_name === "capability_decision" && e.payload.job_id === jobId)
            .map((e) => [e.payload.capability_id, e.payload.decision_outcome]);
        assert.deepEqual(decisionsOf(missing.job_id), [
          ["locus.write", "deny"],
          ["locus.read", "allow"],
        ]);
        assert.deepEqual(decisionsOf(empty.job_id), [["locus.write", "deny"]]);
        assert.ok(
          events.every((e) => e.event_name === "capability_decision"),
          "only audit events were written",
        );
        assert.ok(
          events.some((e) => e.payload.capability_id === "net.http" && e.payload.decision_outcome === "deny"),
        );
        await refused(engine, "get_wp_status", { wp_id: "WP-x" }, "HSK-404-NOT-FOUND");
      } finally {
        await cleanup();
      }
    });

    it("the surface profile intersects the job's profile: naming a stronger profile does not raise rights", async () => {
      const { engine, cleanup } = await freshEngine(backend, {
        surface: { profile: "Coder", actor: "agent" },
      });
      try {
        await wpIn(engine, "WP-sf", "ready");
        await refused(
          engine,
          "gate_wp",
          { wp_id: "WP-sf", gate: "pre_work", result: { status: "pass" } },
          "HSK-403-CAPABILITY",
          {
            capability_profile_id: "Operator",
          },
        );
        await refused(engine, "create_wp", { title: "y" }, "HSK-403-CAPABILITY", {
          capability_profile_id: "Analyst",
        });
        const unknownProfile = await refused(engine, "create_wp", { title: "y" }, "HSK-403-CAPABILITY", {
          capability_profile_id: "Root",
        });
        assert.equal(unknownProfile.details?.field, "capability_profile_id");
      } finally {
        await cleanup();
      }
    });

    it("a Validator passes gates but cannot write; a scoped fs request is covered by its axis grant", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-val", "ready");
        await ok(
          engine,
          "gate_wp",
          { wp_id: "WP-val", gate: "pre_work", result: { status: "pass" } },
          { capability_profile_id: "Validator" },
        );
        await refused(
          engine,
          "update_wp",
          { wp_id: "WP-val", updates: { title: "z" } },
          "HSK-403-CAPABILITY",
          { capability_profile_id: "Validator" },
        );
        // Section 3: an axis grant covers every scope. Coder holds fs.read, so fs.read:<scope> is allowed;
        // Validator holds no fs axis, so the same scoped request is denied (and audited) for it.
        const scoped = (profile: string) => {
          const job = jobFor("get_wp_status", { wp_id: "WP-val" });
          return engine.execute({
            ...job,
            capability_profile_id: profile,
            input: { ...job.input, capabilities_requested: ["locus.read", "fs.read:docs/task_packets"] },
          });
        };
        const coder = await scoped("Coder");
        const validator = await scoped("Validator");
        assert.equal(coder.success && validator.success, true, "an extra capability does not fail the job");
        const scopedDecision = async (jobId: string) =>
          (await store.readEvents()).find(
            (e) =>
              e.event_name === "capability_decision" &&
              e.payload.job_id === jobId &&
              e.payload.capability_id === "fs.read:docs/task_packets",
          )?.payload.decision_outcome;
        assert.equal(await scopedDecision(coder.job_id), "allow");
        assert.equal(await scopedDecision(validator.job_id), "deny");
      } finally {
        await cleanup();
      }
    });
  });
}
