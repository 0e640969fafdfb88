import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ok, wpIn } from "../../../test/support/drive.js";
import { freshEngine, STORE_BACKENDS } from "../../../test/support/stores.js";
import { renderData } from "../../cli/result-render.js";
import type { LocusEngine } from "../locus-engine.js";

// Section 17: get_wp_status's `children` rolls up every descendant along parent-child edges, each counted once
// (a diamond too), deleted ones left out, other edge types ignored; `locus show` prints it.

for (const backend of STORE_BACKENDS) {
  describe(`children rollup (${backend.name})`, { skip: backend.skip }, () => {
    let engine: LocusEngine;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ engine, cleanup } = await freshEngine(backend));
      // P -> A (done), P -> B (in_progress), A -> G and B -> G (a diamond: G once, ready), B -> X (deleted),
      // P blocks Z (not a child), and G -> C (cancelled).
      await wpIn(engine, "WP-P", "ready");
      await wpIn(engine, "WP-A", "done");
      await wpIn(engine, "WP-B", "in_progress");
      await wpIn(engine, "WP-G", "ready");
      await wpIn(engine, "WP-X", "ready");
      await wpIn(engine, "WP-Z", "ready");
      await wpIn(engine, "WP-C", "cancelled");
      const child = (from: string, to: string, type = "parent-child") =>
        ok(engine, "add_dependency", { from_wp_id: from, to_wp_id: to, type });
      await child("WP-P", "WP-A");
      await child("WP-P", "WP-B");
      await child("WP-A", "WP-G");
      await child("WP-B", "WP-G");
      await child("WP-B", "WP-X");
      await child("WP-G", "WP-C");
      await child("WP-P", "WP-Z", "blocks");
      await ok(engine, "delete_wp", { wp_id: "WP-X", reason: "split elsewhere" });
    });
    after(async () => cleanup());

    it("counts every descendant once, by status, with done over what is not cancelled", async () => {
      const status = await ok(engine, "get_wp_status", { wp_id: "WP-P" });
      assert.deepEqual(status.children, {
        total: 4,
        by_status: { done: 1, in_progress: 1, ready: 1, cancelled: 1 },
        done_ratio: 0.3333,
      });
      const below = await ok(engine, "get_wp_status", { wp_id: "WP-B" });
      assert.deepEqual(below.children, { total: 2, by_status: { ready: 1, cancelled: 1 }, done_ratio: 0 });
    });

    it("a WP without children has no rollup; locus show prints the rollup line", async () => {
      const leaf = await ok(engine, "get_wp_status", { wp_id: "WP-Z" });
      assert.equal("children" in leaf, false);
      const shown = renderData(await ok(engine, "get_wp_status", { wp_id: "WP-P" }));
      assert.match(shown, /children: 4 \(1 ready, 1 in_progress, 1 done, 1 cancelled\), 33% done/);
    });
  });
}
