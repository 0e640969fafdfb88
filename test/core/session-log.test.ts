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
  });
}
