import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrackedMicroTask } from "../../src/domain/records.js";
import { jobFor } from "../../src/operations/locus-engine.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 16: WorkPacketBinding carries and validates every field of spec 2.6.8.7, and the job's events record
// it; ArtifactHandle `{artifact_id, path}` is accepted wherever the spec types a reference so, with its path
// checked like every path. Every refusal has its code, names the field and changes nothing.

const HANDLE = { artifact_id: "0190a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b", path: "docs/refinements/WP-b.md" };
const BINDING = {
  spec_id: "SPEC-auth-1",
  task_board_id: "docs/TASK_BOARD.md",
  work_packet_id: "WP-b",
  refinement_ref: HANDLE,
  signature_ref: { ...HANDLE, path: "docs/signatures/WP-b.sig" },
  mode: "GOV_STRICT",
  workflow_context: { phase: "build", surface: "cli" },
  capability_registry_version: "locus-caps-1",
};

for (const backend of STORE_BACKENDS) {
  describe(`bindings and artifact handles (${backend.name})`, { skip: backend.skip }, () => {
    it("a full binding is accepted and recorded with the job's decisions; bad fields are refused by name", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-b", "ready");
        const job = jobFor("update_wp", { wp_id: "WP-b", updates: { priority: 1 } });
        const done = await engine.execute({ ...job, work_packet_binding: BINDING });
        assert.equal(done.success, true, JSON.stringify(done));
        const decisions = (await store.readEvents()).filter(
          (e) => e.event_name === "capability_decision" && e.job_id === (done as { job_id: string }).job_id,
        );
        assert.ok(decisions.length > 0);
        for (const decision of decisions) assert.deepEqual(decision.payload.work_packet_binding, BINDING);

        const before = await snapshot(store);
        const cases: [Record<string, unknown>, string, string][] = [
          [{ ...BINDING, mode: "GOV_LOOSE" }, "HSK-400-INVALID-JOB", "work_packet_binding.mode"],
          [
            { ...BINDING, refinement_ref: "docs/x.md" },
            "HSK-400-INVALID-JOB",
            "work_packet_binding.refinement_ref",
          ],
          [{ ...BINDING, extra: 1 }, "HSK-400-INVALID-JOB", "work_packet_binding"],
          [
            { ...BINDING, refinement_ref: { ...HANDLE, path: "../../etc/passwd" } },
            "HSK-400-UNSAFE-PATH",
            "work_packet_binding.refinement_ref.path",
          ],
          [
            { ...BINDING, signature_ref: { ...HANDLE, artifact_id: "not-a-uuid" } },
            "HSK-400-INVALID-JOB",
            "work_packet_binding.signature_ref.artifact_id",
          ],
          [
            { ...BINDING, work_packet_id: "WP-missing" },
            "HSK-404-WP-BINDING",
            "work_packet_binding.work_packet_id",
          ],
        ];
        for (const [binding, code, field] of cases) {
          const result = await engine.execute({
            ...jobFor("update_wp", { wp_id: "WP-b", updates: { priority: 3 } }),
            work_packet_binding: binding,
          });
          assert.equal(result.success, false, JSON.stringify(binding));
          if (result.success) continue;
          assert.equal(result.error.code, code, `${field}: ${result.error.message}`);
          assert.ok(
            String(result.error.details?.field).startsWith(field),
            `${String(result.error.details?.field)} names ${field}`,
          );
        }
        const after = await snapshot(store);
        assert.equal(
          after.replace(/"capability_decision"[^\n]*/g, ""),
          before.replace(/"capability_decision"[^\n]*/g, ""),
          "refusals changed nothing but their decisions",
        );
      } finally {
        await cleanup();
      }
    });

    it("artifact handles are accepted in iterations, MT validation and gates; their paths are checked", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-a", "in_progress");
        await ok(engine, "register_mts", { wp_id: "WP-a", micro_tasks: [{ mt_id: "MT-001", name: "x" }] });
        await ok(engine, "start_mt", { wp_id: "WP-a", mt_id: "MT-001" });
        const iteration = { wp_id: "WP-a", mt_id: "MT-001", model_id: "m", outcome: "RETRY" };
        const outside = await refused(
          engine,
          "record_iteration",
          { ...iteration, iteration: 1, output_artifact_ref: { ...HANDLE, path: "/etc/passwd" } },
          "HSK-400-UNSAFE-PATH",
        );
        assert.equal(outside.details?.field, "params.output_artifact_ref.path");
        await ok(engine, "record_iteration", {
          ...iteration,
          iteration: 1,
          output_artifact_ref: HANDLE,
          validation_artifact_ref: "https://ci.example.com/run/42",
        });
        await refused(
          engine,
          "complete_mt",
          {
            wp_id: "WP-a",
            mt_id: "MT-001",
            validation_result: { passed: true, evidence_ref: { ...HANDLE, path: "a/../../b" } },
          },
          "HSK-400-UNSAFE-PATH",
        );
        await ok(engine, "complete_mt", {
          wp_id: "WP-a",
          mt_id: "MT-001",
          validation_result: { passed: true, evidence_ref: HANDLE },
        });
        const mts = (await ok(engine, "get_mt_progress", { wp_id: "WP-a" }))
          .micro_tasks as TrackedMicroTask[];
        assert.deepEqual(mts[0]?.iterations[0]?.output_artifact_ref, HANDLE);
        assert.equal(mts[0]?.iterations[0]?.validation_artifact_ref, "https://ci.example.com/run/42");
        assert.deepEqual(mts[0]?.validation_result?.evidence_ref, HANDLE);
        const gate = await refused(
          engine,
          "gate_wp",
          {
            wp_id: "WP-a",
            gate: "post_work",
            result: { status: "pass", validation_report_ref: { ...HANDLE, path: "~/r" } },
          },
          "HSK-400-UNSAFE-PATH",
        );
        assert.equal(gate.details?.field, "params.result.validation_report_ref.path");
        await ok(engine, "gate_wp", {
          wp_id: "WP-a",
          gate: "post_work",
          result: { status: "pass", validation_report_ref: HANDLE },
        });
      } finally {
        await cleanup();
      }
    });
  });
}
