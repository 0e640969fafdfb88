import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { WP_STATUSES } from "./records.js";
import { rollupOf } from "./rollup.js";

// Section 17: the children rollup, as a table and as properties.

it("counts each status; done_ratio is done over what is not cancelled", () => {
  assert.deepEqual(rollupOf(["done", "done", "in_progress", "cancelled"]), {
    total: 4,
    by_status: { done: 2, in_progress: 1, cancelled: 1 },
    done_ratio: 0.6667,
  });
  assert.deepEqual(rollupOf(["done", "cancelled"]).done_ratio, 1);
  assert.deepEqual(rollupOf(["cancelled"]).done_ratio, 0);
  assert.deepEqual(rollupOf([]), { total: 0, by_status: {}, done_ratio: 0 });
});

it("the counts add up to the total and the ratio stays within [0, 1]", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...WP_STATUSES)), (statuses) => {
      const rollup = rollupOf(statuses);
      const sum = Object.values(rollup.by_status).reduce((a, b) => a + (b ?? 0), 0);
      assert.equal(sum, rollup.total);
      assert.ok(rollup.done_ratio >= 0 && rollup.done_ratio <= 1);
      if (statuses.every((s) => s === "done" || s === "cancelled") && statuses.includes("done"))
        assert.equal(rollup.done_ratio, 1);
    }),
  );
});
