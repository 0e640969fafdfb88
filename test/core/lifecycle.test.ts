import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TrackedMicroTask, TrackedWorkPacket } from "../../src/domain/records.js";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import type { LocusEngine } from "../../src/operations/locus-engine.js";
import { ok } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// 2.3.15.1: the whole lifecycle through the envelope, with the events each step must list.
for (const backend of STORE_BACKENDS) {
  describe(`lifecycle of 2.3.15.1 (${backend.name})`, { skip: backend.skip }, () => {
    let engine: LocusEngine;
    let cleanup: () => Promise<void>;
    before(async () => ({ engine, cleanup } = await freshEngine(backend)));
    after(async () => cleanup());

    const step = async (operation: string, params: Record<string, unknown>, events: string[]) => {
      const result = await engine.run(operation, params, { actor_id: "orchestrator-1" });
      assert.equal(result.success, true, JSON.stringify(result));
      assert.deepEqual(result.events_emitted, events, `${operation} events`);
      return result.success ? result.data : {};
    };

    it("runs create -> ready -> gates -> MTs with RETRY, ESCALATE, SUCCESS -> close", async () => {
      const created = await step(
        "create_wp",
        { wp_id: "WP-1-Auth-System", title: "Auth system", priority: 1, labels: ["auth"] },
        ["FR-EVT-WP-001"],
      );
      assert.match(String(created.bronze_id), /^brz_/);
      await step("update_wp", { wp_id: "WP-1-Auth-System", updates: { status: "ready" }, note: "refined" }, [
        "FR-EVT-WP-002",
      ]);
      await step(
        "gate_wp",
        { wp_id: "WP-1-Auth-System", gate: "pre_work", result: { status: "pass", notes: "spec ok" } },
        ["FR-EVT-WP-003"],
      );
      await step(
        "register_mts",
        {
          wp_id: "WP-1-Auth-System",
          micro_tasks: [
            {
              mt_id: "MT-001",
              name: "Login endpoint",
              max_iterations: 3,
              escalation_chain: [
                { level: 0, model_id: "qwen2.5-coder:7b" },
                { level: 1, model_id: "qwen2.5-coder:32b" },
              ],
            },
            { mt_id: "MT-002", name: "Tests", depends_on: ["MT-001"] },
          ],
        },
        ["FR-EVT-MT-001"],
      );
      await step("start_mt", { wp_id: "WP-1-Auth-System", mt_id: "MT-001" }, ["FR-EVT-MT-003"]);
      const iteration = {
        wp_id: "WP-1-Auth-System",
        mt_id: "MT-001",
        tokens_prompt: 1200,
        tokens_completion: 300,
        duration_ms: 4000,
      };
      await step(
        "record_iteration",
        { ...iteration, iteration: 1, model_id: "qwen2.5-coder:7b", outcome: "RETRY" },
        ["FR-EVT-MT-002"],
      );
      await step(
        "record_iteration",
        { ...iteration, iteration: 2, model_id: "qwen2.5-coder:7b", outcome: "ESCALATE" },
        ["FR-EVT-MT-002", "FR-EVT-MT-005"],
      );
      await step(
        "record_iteration",
        {
          ...iteration,
          iteration: 1,
          model_id: "qwen2.5-coder:32b",
          outcome: "SUCCESS",
          claimed_complete: true,
          validation_passed: true,
        },
        ["FR-EVT-MT-002"],
      );
      await step("complete_mt", { wp_id: "WP-1-Auth-System", mt_id: "MT-001", final_iteration: 1 }, [
        "FR-EVT-MT-004",
      ]);
      await step("start_mt", { wp_id: "WP-1-Auth-System", mt_id: "MT-002", model_id: "qwen2.5-coder:7b" }, [
        "FR-EVT-MT-003",
      ]);
      await step("complete_mt", { wp_id: "WP-1-Auth-System", mt_id: "MT-002", outcome: "skipped" }, [
        "FR-EVT-MT-004",
      ]);
      await step("gate_wp", { wp_id: "WP-1-Auth-System", gate: "post_work", result: { status: "pass" } }, [
        "FR-EVT-WP-003",
      ]);
      await step("close_wp", { wp_id: "WP-1-Auth-System" }, ["FR-EVT-WP-004"]);

      const status = await step("get_wp_status", { wp_id: "WP-1-Auth-System" }, ["FR-EVT-QUERY-001"]);
      const wp = status.wp as TrackedWorkPacket;
      assert.equal(wp.status, "done");
      assert.ok(wp.completed_at && wp.started_at);
      assert.deepEqual(wp.micro_tasks, {
        total: 2,
        completed: 1,
        failed: 0,
        in_progress: 0,
        skipped: 1,
        mt_ids: ["MT-001", "MT-002"],
      });
      assert.equal(wp.governance.gates.pre_work.status, "pass");
      assert.equal(wp.governance.gates.post_work.status, "pass");
      assert.equal(wp.governance.gate_history.pre_work.length, 1);
      assert.equal(wp.governance.gate_history.post_work[0]?.validated_by, "orchestrator-1");
      assert.deepEqual(
        wp.notes.map((note) => [note.note_type, note.content]),
        [
          ["user", "refined"],
          ["gate", "pre_work gate: pass - spec ok"],
          ["gate", "post_work gate: pass"],
        ],
      );
      assert.equal(wp.governance.task_board_status, "DONE");
      // Every change bumped the version by exactly one: create, update, gate, register, 2 starts, 2 completes, gate, close.
      assert.equal(wp.version, 10);
      const mts = status.micro_tasks as TrackedMicroTask[];
      const first = mts.find((mt) => mt.mt_id === "MT-001") as TrackedMicroTask;
      assert.deepEqual(
        first.iterations.map((it) => [it.escalation_level, it.iteration, it.outcome, it.model_id]),
        [
          [0, 1, "RETRY", "qwen2.5-coder:7b"],
          [0, 2, "ESCALATE", "qwen2.5-coder:7b"],
          [1, 1, "SUCCESS", "qwen2.5-coder:32b"],
        ],
      );
      assert.equal(first.escalation.current_level, 1);
      assert.equal(first.escalation.escalations_count, 1);
      assert.equal(first.status, "completed");
    });

    it("keeps a verifiable chain and a log that replays to the live state", async () => {
      assert.deepEqual(await verifyStore(engine.store), {
        ok: true,
        checked: (await engine.store.readEvents()).length,
        head_seq: (await engine.store.readEvents()).length,
      });
      const replay = await replayCheck(engine.store);
      assert.equal(replay.ok, true, replay.mismatches.join("\n"));
      assert.equal(replay.wps, 1);
      assert.equal(replay.mts, 2);
    });

    it("reports MT progress per status", async () => {
      const progress = await ok(engine, "get_mt_progress", { wp_id: "WP-1-Auth-System" });
      assert.deepEqual(progress.summary, { completed: 1, skipped: 1 });
    });
  });
}
