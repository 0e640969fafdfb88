import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { capabilityOfEvent } from "../../src/domain/events/log-governance.js";
import type { TrackedMicroTask, TrackedWorkPacket } from "../../src/domain/records.js";
import { auditWp } from "../../src/operations/audit-trail.js";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { REPO_ROOT } from "../support/cli.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 16: the workspace execution policy. MTs registered without a chain use the workspace's; ESCALATE
// climbs it; a hard-gate level holds the WP (gated, MT writes refused) until a holder of locus.gate resumes it;
// a cloud level without cloud_escalation_allowed ends the chain; max_total_iterations holds the WP too.

const coder = { capability_profile_id: "Coder", actor_id: "coder-1" };
const validator = { capability_profile_id: "Validator", actor_id: "lead" };
const wpOf = async (engine: Parameters<typeof ok>[0], wpId: string) =>
  (await ok(engine, "get_wp_status", { wp_id: wpId })).wp as TrackedWorkPacket;
const mtOf = async (engine: Parameters<typeof ok>[0], wpId: string, mtId: string) =>
  ((await ok(engine, "get_mt_progress", { wp_id: wpId })).micro_tasks as TrackedMicroTask[]).find(
    (mt) => mt.mt_id === mtId,
  ) as TrackedMicroTask;

for (const backend of STORE_BACKENDS) {
  describe(`execution policy (${backend.name})`, { skip: backend.skip }, () => {
    it("an MT without a chain climbs the default chain to the hard gate; only a gate holder resumes; cloud ends it", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-esc", "in_progress");
        await ok(engine, "register_mts", {
          wp_id: "WP-esc",
          micro_tasks: [{ mt_id: "MT-001", name: "build" }],
        });
        const registered = await mtOf(engine, "WP-esc", "MT-001");
        assert.equal(registered.max_iterations, 5);
        assert.deepEqual(
          registered.escalation.escalation_chain.map((level) => [
            level.level,
            level.is_hard_gate,
            level.is_cloud,
          ]),
          [
            [0, false, false],
            [1, false, false],
            [2, false, false],
            [3, false, false],
            [4, false, false],
            [5, true, false],
            [6, true, true],
          ],
        );
        await ok(engine, "start_mt", { wp_id: "WP-esc", mt_id: "MT-001" }, coder);
        // L0 -> L4: ordinary escalations, the WP keeps working.
        for (let level = 0; level < 4; level++) {
          const data = await ok(
            engine,
            "record_iteration",
            { wp_id: "WP-esc", mt_id: "MT-001", iteration: 1, model_id: "m", outcome: "ESCALATE" },
            coder,
          );
          assert.equal((data.wp as TrackedWorkPacket).status, "in_progress", `after level ${level}`);
        }
        assert.equal((await mtOf(engine, "WP-esc", "MT-001")).escalation.current_level, 4);
        // L4 -> L5, a hard gate: the WP is gated and held.
        await ok(
          engine,
          "record_iteration",
          { wp_id: "WP-esc", mt_id: "MT-001", iteration: 1, model_id: "m", outcome: "ESCALATE" },
          coder,
        );
        const held = await wpOf(engine, "WP-esc");
        assert.equal(held.status, "gated");
        assert.equal(held.governance.hold?.reason, "hard_gate");
        assert.equal(held.governance.hold?.level, 5);
        assert.match(held.notes.at(-1)?.content ?? "", /hard gate/);
        // Held: the MT's iterations are refused, and nothing changes.
        const before = await snapshot(store);
        const iteration = await refused(
          engine,
          "record_iteration",
          { wp_id: "WP-esc", mt_id: "MT-001", iteration: 1, model_id: "m", outcome: "SUCCESS" },
          "HSK-409-TRANSITION",
          coder,
        );
        assert.equal(iteration.details?.field, "wp_id");
        // A Coder cannot resume it.
        const resume = await refused(
          engine,
          "update_wp",
          { wp_id: "WP-esc", updates: { status: "in_progress" } },
          "HSK-403-CAPABILITY",
          coder,
        );
        assert.deepEqual(resume.details?.missing, ["locus.gate"]);
        assert.equal(resume.details?.field, "params.updates.status");
        const after = await snapshot(store);
        assert.equal(
          after.replace(/"capability_decision"[^\n]*/g, ""),
          before.replace(/"capability_decision"[^\n]*/g, ""),
        );
        assert.equal((await wpOf(engine, "WP-esc")).version, held.version);
        // An Orchestrator resumes it (update_wp needs locus.write, the resume locus.gate).
        await ok(
          engine,
          "update_wp",
          { wp_id: "WP-esc", updates: { status: "in_progress" } },
          {
            capability_profile_id: "Orchestrator",
            actor_id: "lead",
          },
        );
        const resumed = await wpOf(engine, "WP-esc");
        assert.equal(resumed.status, "in_progress");
        assert.equal(resumed.governance.hold, undefined);
        await ok(
          engine,
          "record_iteration",
          { wp_id: "WP-esc", mt_id: "MT-001", iteration: 1, model_id: "human", outcome: "RETRY" },
          coder,
        );
        // L5 -> L6 is a cloud level and cloud escalation is not allowed: the chain ends, the MT fails.
        await ok(
          engine,
          "record_iteration",
          { wp_id: "WP-esc", mt_id: "MT-001", iteration: 2, model_id: "human", outcome: "ESCALATE" },
          coder,
        );
        const failed = await mtOf(engine, "WP-esc", "MT-001");
        assert.equal(failed.status, "failed");
        assert.equal(failed.escalation.current_level, 5);
        // The audit (section 16) names who held and who resumed the WP, and what allowed the resume.
        const audit = await auditWp(store, "WP-esc");
        const resumedBy = audit.changes.find((change) =>
          /released the execution policy's hold/.test(change.summary),
        );
        assert.equal(resumedBy?.profile, "Orchestrator");
        assert.deepEqual(
          resumedBy?.decisions.find((d) => d.capability_id === "locus.gate"),
          {
            capability_id: "locus.gate",
            outcome: "allow",
            reason: "resume a WP held by the execution policy",
          },
        );
        assert.ok(
          audit.changes.some(
            (c) => c.actor_id === "coder-1" && /held by the execution policy/.test(c.summary),
          ),
        );
        assert.equal(audit.chain.ok, true);
        assert.equal((await verifyStore(store)).ok, true);
        assert.equal((await replayCheck(store)).ok, true);
      } finally {
        await cleanup();
      }
    });

    it("a gate decision that restarts a held WP releases the hold; a Validator alone cannot update", async () => {
      const config = parseWorkspaceConfig({
        execution_policy: {
          escalation_chain: [
            { level: 0, model_id: "small" },
            { level: 1, model_id: "person", is_hard_gate: true },
            { level: 2, model_id: "cloud", is_cloud: true },
          ],
          cloud_escalation_allowed: true,
        },
      });
      const { engine, store, cleanup } = await freshEngine(backend, { config });
      try {
        await wpIn(engine, "WP-g", "in_progress");
        await ok(engine, "register_mts", { wp_id: "WP-g", micro_tasks: [{ mt_id: "MT-001", name: "x" }] });
        await ok(engine, "start_mt", { wp_id: "WP-g", mt_id: "MT-001" });
        await ok(engine, "record_iteration", {
          wp_id: "WP-g",
          mt_id: "MT-001",
          iteration: 1,
          model_id: "small",
          outcome: "ESCALATE",
        });
        assert.equal((await wpOf(engine, "WP-g")).governance.hold?.reason, "hard_gate");
        await refused(
          engine,
          "update_wp",
          { wp_id: "WP-g", updates: { status: "in_progress" } },
          "HSK-403-CAPABILITY",
          validator,
        );
        await ok(
          engine,
          "gate_wp",
          { wp_id: "WP-g", gate: "pre_work", result: { status: "pass" } },
          validator,
        );
        const resumed = await wpOf(engine, "WP-g");
        assert.equal(resumed.status, "in_progress");
        assert.equal(resumed.governance.hold, undefined);
        // With cloud allowed, the cloud level is part of the chain.
        await ok(engine, "record_iteration", {
          wp_id: "WP-g",
          mt_id: "MT-001",
          iteration: 1,
          model_id: "person",
          outcome: "ESCALATE",
        });
        assert.equal((await mtOf(engine, "WP-g", "MT-001")).escalation.current_level, 2);
        assert.equal((await replayCheck(store)).ok, true);
      } finally {
        await cleanup();
      }
    });

    it("max_total_iterations holds the WP; further iterations are HSK-413-LIMIT until a gate holder resumes", async () => {
      const config = parseWorkspaceConfig({ execution_policy: { max_total_iterations: 3 } });
      const { engine, store, cleanup } = await freshEngine(backend, { config });
      try {
        await wpIn(engine, "WP-t", "in_progress");
        await ok(engine, "register_mts", {
          wp_id: "WP-t",
          micro_tasks: [
            { mt_id: "MT-001", name: "a", max_iterations: 20 },
            { mt_id: "MT-002", name: "b", max_iterations: 20 },
          ],
        });
        await ok(engine, "start_mt", { wp_id: "WP-t", mt_id: "MT-001" });
        await ok(engine, "start_mt", { wp_id: "WP-t", mt_id: "MT-002" });
        const iterate = (mt: string, iteration: number) =>
          engine.run(
            "record_iteration",
            { wp_id: "WP-t", mt_id: mt, iteration, model_id: "m", outcome: "RETRY" },
            coder,
          );
        assert.ok((await iterate("MT-001", 1)).success);
        assert.ok((await iterate("MT-002", 1)).success);
        assert.equal((await wpOf(engine, "WP-t")).status, "in_progress");
        assert.ok((await iterate("MT-001", 2)).success); // the third: the WP is held
        const held = await wpOf(engine, "WP-t");
        assert.equal(held.status, "gated");
        assert.deepEqual(
          { reason: held.governance.hold?.reason, iterations: held.governance.hold?.iterations },
          { reason: "max_total_iterations", iterations: 3 },
        );
        const over = await iterate("MT-002", 2);
        assert.equal(!over.success && over.error.code, "HSK-413-LIMIT");
        assert.equal(!over.success && over.error.details?.limit, 3);
        await ok(
          engine,
          "update_wp",
          { wp_id: "WP-t", updates: { status: "in_progress" } },
          {
            capability_profile_id: "Operator",
          },
        );
        assert.equal((await wpOf(engine, "WP-t")).governance.iteration_base, 3);
        // Three more from the resume, then held again.
        assert.ok((await iterate("MT-002", 2)).success);
        assert.ok((await iterate("MT-002", 3)).success);
        assert.equal((await wpOf(engine, "WP-t")).status, "in_progress");
        assert.ok((await iterate("MT-001", 3)).success);
        assert.equal((await wpOf(engine, "WP-t")).governance.hold?.iterations, 6);
        assert.equal((await verifyStore(store)).ok, true);
        assert.equal((await replayCheck(store)).ok, true);
      } finally {
        await cleanup();
      }
    });

    it("the README's policy example is a valid config; a bad policy chain is refused", () => {
      const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
      const example = readme
        .slice(readme.indexOf("**Execution policy.**"))
        .match(/```json\n([\s\S]*?)```/)?.[1];
      const policy = parseWorkspaceConfig(JSON.parse(example ?? "null")).execution_policy;
      assert.equal(policy.escalation_chain[2]?.is_hard_gate, true);
      assert.equal(policy.escalation_chain[0]?.is_hard_gate, false);
      assert.throws(
        () => parseWorkspaceConfig({ execution_policy: { escalation_chain: [{ level: 1, model_id: "x" }] } }),
        (error: { code?: string; details?: { field?: string } }) =>
          error.code === "HSK-400-INVALID-PARAMS" &&
          error.details?.field === "config.execution_policy.escalation_chain",
      );
      assert.throws(
        () => parseWorkspaceConfig({ execution_policy: { max_total_iterations: 501 } }),
        (error: { code?: string }) => error.code === "HSK-400-INVALID-PARAMS",
      );
    });
  });
}

describe("execution policy across logs", () => {
  it("releasing a hold needs locus.gate in any log (import, replica); holding it needs only locus.write", () => {
    const hold = {
      reason: "hard_gate",
      mt_id: "MT-001",
      level: 5,
      iterations: 7,
      since: "2026-01-01T00:00:00.000Z",
    };
    const updated = (changes: Record<string, unknown>) => ({
      event_name: "work_packet_updated",
      payload: { wp_id: "WP-1", changes },
    });
    assert.equal(capabilityOfEvent(updated({ hold: { from: hold, to: null } })), "locus.gate");
    assert.equal(capabilityOfEvent(updated({ hold: { from: null, to: hold } })), "locus.write");
    assert.equal(capabilityOfEvent(updated({ status: { from: "gated", to: "in_progress" } })), "locus.write");
    assert.equal(capabilityOfEvent({ event_name: "work_packet_gated", payload: {} }), "locus.gate");
  });
});
