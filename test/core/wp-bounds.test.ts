import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { snapshot } from "../support/store-snapshot.js";
import { freshEngine, STORE_BACKENDS } from "../support/stores.js";

// Issue 21 hole 5: what one WP can hold is bounded (notes, their bytes, gate decisions). Past a bound the write is
// HSK-413-LIMIT naming the param, the bound, its limit and the actual value, and the store is left as it was.
const config = parseWorkspaceConfig({
  limits: { notes_per_wp: 4, note_bytes_per_wp: 40, gate_decisions_per_wp: 3 },
});

for (const backend of STORE_BACKENDS) {
  describe(`per-WP bounds (${backend.name})`, { skip: backend.skip }, () => {
    it("refuses a note past the byte bound (UTF-8 bytes), changing nothing", async () => {
      const { engine, store, cleanup } = await freshEngine(backend, { config });
      try {
        await wpIn(engine, "WP-n", "ready");
        await ok(engine, "update_wp", { wp_id: "WP-n", note: "é".repeat(10) }); // 20 bytes
        await ok(engine, "update_wp", { wp_id: "WP-n", note: "a".repeat(20) }); // 40 bytes: at the bound
        const before = await snapshot(store);
        const bytes = await refused(
          engine,
          "update_wp",
          { wp_id: "WP-n", note: "b", updates: { priority: 0 } },
          "HSK-413-LIMIT",
        );
        assert.deepEqual(bytes.details, {
          field: "params.note",
          wp_id: "WP-n",
          bound: "note_bytes_per_wp",
          limit: 40,
          actual: 41,
        });
        assert.equal(await snapshot(store), before);
        // A write without a note still goes through.
        await ok(engine, "update_wp", { wp_id: "WP-n", updates: { priority: 0 } });
      } finally {
        await cleanup();
      }
    });

    it("refuses the note past notes_per_wp; gate decisions are not blocked by full notes, but have their own bound", async () => {
      const { engine, store, cleanup } = await freshEngine(backend, { config });
      try {
        await wpIn(engine, "WP-g", "ready");
        for (let index = 0; index < 4; index++)
          await ok(engine, "update_wp", { wp_id: "WP-g", note: `n${index}` });
        const count = await refused(
          engine,
          "update_wp",
          { wp_id: "WP-g", note: "one more" },
          "HSK-413-LIMIT",
        );
        assert.equal(count.details?.bound, "notes_per_wp");
        assert.equal(count.details?.actual, 5);
        // A Coder who filled the notes does not stop a Validator's decisions.
        await ok(engine, "gate_wp", { wp_id: "WP-g", gate: "pre_work", result: { status: "fail" } });
        await ok(engine, "gate_wp", { wp_id: "WP-g", gate: "pre_work", result: { status: "fail" } });
        await ok(engine, "gate_wp", { wp_id: "WP-g", gate: "pre_work", result: { status: "pass" } });
        const before = await snapshot(store);
        const gate = await refused(
          engine,
          "gate_wp",
          { wp_id: "WP-g", gate: "post_work", result: { status: "fail" } },
          "HSK-413-LIMIT",
        );
        assert.deepEqual(gate.details, {
          field: "params.gate",
          wp_id: "WP-g",
          bound: "gate_decisions_per_wp",
          limit: 3,
          actual: 4,
        });
        assert.equal(await snapshot(store), before);
      } finally {
        await cleanup();
      }
    });

    it("the defaults hold what a real project writes: 1,000 notes, 1 MiB of note text, 100 gate decisions", () => {
      const limits = parseWorkspaceConfig({}).limits;
      assert.equal(limits.notes_per_wp, 1_000);
      assert.equal(limits.note_bytes_per_wp, 1024 * 1024);
      assert.equal(limits.gate_decisions_per_wp, 100);
    });
  });
}
