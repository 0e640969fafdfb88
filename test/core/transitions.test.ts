import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type TrackedWorkPacket, type WorkPacketStatus, WP_STATUSES } from "../../src/domain/records.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 5, written out again by hand so that the test does not read the table it checks.
const UPDATE_TARGETS: Record<WorkPacketStatus, WorkPacketStatus[]> = {
  stub: ["ready", "cancelled"],
  ready: ["stub", "in_progress", "blocked", "cancelled"],
  in_progress: ["blocked", "gated", "cancelled"],
  blocked: ["ready", "in_progress", "cancelled"],
  gated: ["in_progress", "cancelled"],
  done: [],
  cancelled: [],
};
/** Moves by update that also need a passed pre-work gate. */
const NEEDS_PRE_WORK = new Set(["ready>in_progress", "blocked>in_progress"]);

for (const backend of STORE_BACKENDS) {
  describe(`WP state machine (${backend.name})`, { skip: backend.skip }, () => {
    it("refuses every illegal update transition with HSK-409-TRANSITION and the allowed targets", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        let n = 0;
        for (const from of WP_STATUSES) {
          for (const to of WP_STATUSES) {
            if (from === to) continue;
            const wpId = `WP-t${n++}`;
            await wpIn(engine, wpId, from);
            const legal = UPDATE_TARGETS[from].includes(to) && !NEEDS_PRE_WORK.has(`${from}>${to}`);
            const result = await engine.run("update_wp", { wp_id: wpId, updates: { status: to } });
            assert.equal(result.success, legal, `${from} -> ${to}`);
            if (!result.success) {
              assert.equal(result.error.code, "HSK-409-TRANSITION", `${from} -> ${to}`);
              assert.equal(result.error.details?.from, from);
              assert.equal(result.error.details?.to, to);
              assert.deepEqual(result.error.details?.allowed, UPDATE_TARGETS[from]);
              const wp = (await ok(engine, "get_wp_status", { wp_id: wpId })).wp as TrackedWorkPacket;
              assert.equal(wp.status, from, "a refused move leaves the status");
            }
          }
        }
      } finally {
        await cleanup();
      }
    });

    it("ready -> in_progress by update once pre-work passed; blocked -> in_progress likewise", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-pre", "ready");
        await ok(engine, "gate_wp", { wp_id: "WP-pre", gate: "pre_work", result: { status: "skip" } });
        await ok(engine, "update_wp", { wp_id: "WP-pre", updates: { status: "blocked" } });
        const wp = (await ok(engine, "update_wp", { wp_id: "WP-pre", updates: { status: "in_progress" } }))
          .wp as TrackedWorkPacket;
        assert.equal(wp.status, "in_progress");
      } finally {
        await cleanup();
      }
    });

    it("closing without a passed post-work gate is refused; post-work cannot pass with an MT in progress", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-c", "in_progress");
        const close = await refused(engine, "close_wp", { wp_id: "WP-c" }, "HSK-409-TRANSITION");
        assert.equal(close.details?.requirement, "post_work_passed");
        await ok(engine, "register_mts", { wp_id: "WP-c", micro_tasks: [{ mt_id: "MT-001", name: "m" }] });
        await ok(engine, "start_mt", { wp_id: "WP-c", mt_id: "MT-001" });
        const gate = await refused(
          engine,
          "gate_wp",
          { wp_id: "WP-c", gate: "post_work", result: { status: "pass" } },
          "HSK-409-TRANSITION",
        );
        assert.equal(gate.details?.requirement, "micro_tasks_final");
        await ok(engine, "complete_mt", {
          wp_id: "WP-c",
          mt_id: "MT-001",
          outcome: "failed",
          error_summary: "gave up",
        });
        await ok(engine, "gate_wp", { wp_id: "WP-c", gate: "post_work", result: { status: "pass" } });
        // Reopen: only a post-work fail from a gate holder.
        await refused(
          engine,
          "update_wp",
          { wp_id: "WP-c", updates: { status: "in_progress" } },
          "HSK-409-TRANSITION",
        );
        const reopened = (
          await ok(engine, "gate_wp", { wp_id: "WP-c", gate: "post_work", result: { status: "fail" } })
        ).wp as TrackedWorkPacket;
        assert.equal(reopened.status, "in_progress");
        assert.equal(reopened.completed_at, undefined);
        assert.equal(reopened.governance.gate_history.post_work.length, 2);
      } finally {
        await cleanup();
      }
    });

    it("MT machine: iterations need in_progress; final MTs stay final", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-m", "in_progress");
        await ok(engine, "register_mts", {
          wp_id: "WP-m",
          // One level: without a chain of its own the MT would take the workspace's (section 16).
          micro_tasks: [
            {
              mt_id: "MT-001",
              name: "m",
              max_iterations: 2,
              escalation_chain: [{ level: 0, model_id: "a" }],
            },
          ],
        });
        await refused(
          engine,
          "record_iteration",
          { wp_id: "WP-m", mt_id: "MT-001", iteration: 1, model_id: "a", outcome: "RETRY" },
          "HSK-409-TRANSITION",
        );
        await ok(engine, "start_mt", { wp_id: "WP-m", mt_id: "MT-001" });
        await ok(engine, "record_iteration", {
          wp_id: "WP-m",
          mt_id: "MT-001",
          iteration: 1,
          model_id: "a",
          outcome: "RETRY",
        });
        // Second RETRY uses up max_iterations at the last (only) level: the MT fails for good (MT-006).
        const last = await engine.run("record_iteration", {
          wp_id: "WP-m",
          mt_id: "MT-001",
          iteration: 2,
          model_id: "a",
          outcome: "RETRY",
        });
        assert.deepEqual(last.events_emitted, ["FR-EVT-MT-002", "FR-EVT-MT-006"]);
        const wp = (await ok(engine, "get_wp_status", { wp_id: "WP-m" })).wp as TrackedWorkPacket;
        assert.deepEqual([wp.micro_tasks.failed, wp.micro_tasks.in_progress], [1, 0]);
        await refused(engine, "start_mt", { wp_id: "WP-m", mt_id: "MT-001" }, "HSK-409-TRANSITION");
        await refused(engine, "complete_mt", { wp_id: "WP-m", mt_id: "MT-001" }, "HSK-409-TRANSITION");
      } finally {
        await cleanup();
      }
    });

    it("delete_wp on a done WP is refused and changes nothing; on any other status it cancels", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-finished", "done");
        const before = await snapshot(store);
        const error = await refused(engine, "delete_wp", { wp_id: "WP-finished" }, "HSK-409-TRANSITION");
        assert.deepEqual([error.details?.from, error.details?.to], ["done", "cancelled"]);
        assert.equal(await snapshot(store), before, "the refused delete left the store as it was");
        for (const status of WP_STATUSES.filter((s) => s !== "done")) {
          await wpIn(engine, `WP-del-${status}`, status);
          const wp = (await ok(engine, "delete_wp", { wp_id: `WP-del-${status}` })).wp as TrackedWorkPacket;
          assert.equal(wp.status, "cancelled", status);
          assert.ok(wp.tombstone, status);
        }
      } finally {
        await cleanup();
      }
    });

    it("property: random update/gate sequences follow the hand-written machine", async () => {
      const { engine, cleanup } = await freshEngine(backend);
      let n = 0;
      const action = fc.oneof(
        fc.record({ kind: fc.constant("update" as const), to: fc.constantFrom(...WP_STATUSES) }),
        fc.record({
          kind: fc.constant("gate" as const),
          gate: fc.constantFrom("pre_work" as const, "post_work" as const),
          status: fc.constantFrom("pass" as const, "fail" as const, "skip" as const, "pending" as const),
        }),
      );
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(action, { maxLength: 12 }), async (actions) => {
            const wpId = `WP-p${n++}`;
            await ok(engine, "create_wp", { wp_id: wpId, title: "p" });
            let status = "stub" as WorkPacketStatus;
            let pre = "pending";
            const passed = (s: string) => s === "pass" || s === "skip";
            for (const a of actions) {
              let expected: WorkPacketStatus | "refused";
              if (a.kind === "update") {
                const legal: boolean =
                  a.to === status ||
                  (UPDATE_TARGETS[status].includes(a.to) &&
                    (!NEEDS_PRE_WORK.has(`${status}>${a.to}`) || passed(pre)));
                expected = legal ? a.to : "refused";
              } else if (a.gate === "pre_work") {
                expected =
                  passed(a.status) && (status === "ready" || status === "gated") ? "in_progress" : status;
              } else if (passed(a.status)) {
                expected =
                  status === "in_progress" || status === "gated" || status === "done" ? "done" : "refused";
              } else {
                expected =
                  a.status === "fail" && (status === "done" || status === "gated") ? "in_progress" : status;
              }
              const result =
                a.kind === "update"
                  ? await engine.run("update_wp", { wp_id: wpId, updates: { status: a.to } })
                  : await engine.run("gate_wp", { wp_id: wpId, gate: a.gate, result: { status: a.status } });
              assert.equal(result.success, expected !== "refused", `${JSON.stringify(a)} from ${status}`);
              if (expected !== "refused") {
                status = expected;
                if (a.kind === "gate" && a.gate === "pre_work") pre = a.status;
              }
              assert.equal(
                (result.success && (result.data.wp as TrackedWorkPacket)?.status) || status,
                status,
              );
            }
          }),
          { numRuns: 60 },
        );
      } finally {
        await cleanup();
      }
    });
  });
}
