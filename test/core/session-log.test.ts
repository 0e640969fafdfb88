import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jobFor } from "../../src/operations/locus-engine.js";
import { readSessionLog } from "../../src/operations/session-log.js";
import { ok, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Section 16, the Spec Session Log (spec 2.6.8.8): one entry per WP change, with the spec and governance mode
// of the job's binding (or the WP's spec_session_id), unique ids, a dedicated entry when the mode changes, the
// artifacts a change links, filters by spec, WP and words; derived from the log, so a replay gives it back.

const HANDLE = { artifact_id: "0190a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b", path: "docs/refinements/WP-s.md" };

for (const backend of STORE_BACKENDS) {
  describe(`spec session log (${backend.name})`, { skip: backend.skip }, () => {
    it("has an entry per change with its spec, mode, actor and artifacts; mode changes get their own entry", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-s", "ready", { spec_session_id: "SPEC-1" });
        await wpIn(engine, "WP-other", "stub");
        const bound = (mode: string, priority: number) =>
          engine.execute({
            ...jobFor("update_wp", { wp_id: "WP-s", updates: { priority } }),
            actor_id: "lead",
            work_packet_binding: { spec_id: "SPEC-1", work_packet_id: "WP-s", mode, refinement_ref: HANDLE },
          });
        assert.equal((await bound("GOV_STRICT", 1)).success, true);
        assert.equal((await bound("GOV_STRICT", 0)).success, true);
        assert.equal((await bound("GOV_LIGHT", 3)).success, true);
        await ok(engine, "query_ready", {}); // a read is no change: no entry

        const all = await readSessionLog(store, {}, "docs/TASK_BOARD.md");
        assert.equal(new Set(all.map((e) => e.entry_id)).size, all.length, "entry ids are unique");
        const spec = await readSessionLog(store, { spec_id: "SPEC-1" }, "docs/TASK_BOARD.md");
        assert.ok(spec.every((e) => e.work_packet_id === "WP-s"));
        assert.deepEqual(
          spec.map((e) => [e.event_type, e.governance_mode]),
          [
            ["work_packet_created", "GOV_STANDARD"],
            ["work_packet_updated", "GOV_STANDARD"],
            ["governance_mode_changed", "GOV_STRICT"],
            ["work_packet_updated", "GOV_STRICT"],
            ["work_packet_updated", "GOV_STRICT"],
            ["governance_mode_changed", "GOV_LIGHT"],
            ["work_packet_updated", "GOV_LIGHT"],
          ],
        );
        const strict = spec[3];
        assert.equal(strict?.actor, "lead");
        assert.match(strict?.summary ?? "", /priority 2 -> 1/);
        assert.deepEqual(strict?.linked_artifacts, [HANDLE]);
        const other = await readSessionLog(store, { wp_id: "WP-other" }, "docs/TASK_BOARD.md");
        assert.deepEqual(
          other.map((e) => [e.spec_id, e.event_type]),
          [["(none)", "work_packet_created"]],
        );
        const found = await readSessionLog(store, { text: "priority 1 -> 0" }, "docs/TASK_BOARD.md");
        assert.deepEqual(
          found.map((e) => e.work_packet_id),
          ["WP-s"],
        );
        const last = await readSessionLog(store, { limit: 2 }, "docs/TASK_BOARD.md");
        assert.deepEqual(last, all.slice(-2));
      } finally {
        await cleanup();
      }
    });

    it("is found by search: entries holding most of the query's words first, notes of the change included", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await wpIn(engine, "WP-tok", "ready");
        await wpIn(engine, "WP-ui", "ready");
        const note = (wp_id: string, content: string) =>
          ok(engine, "update_wp", { wp_id, updates: {}, note: { content } });
        await note("WP-tok", "token expiry was wrong in staging");
        await note("WP-ui", "the expiry banner overlaps the menu");
        await note("WP-ui", "nothing to do with it");
        await ok(engine, "gate_wp", {
          wp_id: "WP-tok",
          gate: "pre_work",
          result: { status: "pass", notes: "staging token checked by hand" },
        });
        const found = async (query: string, limit?: number) => {
          const result = await engine.run("search", {
            query,
            scope: "session_log",
            ...(limit ? { limit } : {}),
          });
          assert.ok(result.success, JSON.stringify(result));
          return result.data.entries as { work_packet_id: string; matched_terms: number; notes?: string }[];
        };
        // "token expiry staging": WP-tok's note holds all three words, its gate two (by its notes), WP-ui's note one
        // of three, under the half that search asks for.
        const best = await found("token expiry staging");
        assert.deepEqual(
          best.map((e) => [e.work_packet_id, e.matched_terms]),
          [
            ["WP-tok", 3],
            ["WP-tok", 2],
          ],
        );
        assert.match(best[0]?.notes ?? "", /token expiry was wrong/);
        assert.equal(best[1]?.notes, "pre_work gate: pass - staging token checked by hand");
        assert.deepEqual(
          (await found("expiry")).map((e) => e.work_packet_id),
          ["WP-ui", "WP-tok"],
        );
        assert.equal((await found("expiry", 1)).length, 1);
        assert.deepEqual(await found("xyzzy"), []);
        // A WP filter does not apply to the log: refused naming it, nothing written but the decision.
        const before = (await store.transaction((tx) => tx.chainHead())).seq;
        const refused = await engine.run("search", { query: "token", scope: "session_log", assignee: "bob" });
        assert.equal(refused.success, false);
        assert.equal(refused.error?.code, "HSK-400-INVALID-PARAMS");
        assert.equal(refused.error?.details?.field, "params.assignee");
        const after = await store.readEvents({ afterSeq: before, limit: 10 });
        assert.deepEqual(
          after.map((e) => e.event_name),
          ["capability_decision"],
        );
      } finally {
        await cleanup();
      }
    });
  });
}
