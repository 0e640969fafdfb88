import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LocusError } from "./errors.js";
import { allowedTargets, assertWpTransition } from "./wp-state-machine.js";

const facts = { pre_work_passed: false, post_work_passed: false, micro_tasks_final: true };

describe("WP state machine table (section 5)", () => {
  it("given a ready WP, when the pre-work gate passes, then it may start", () => {
    assert.doesNotThrow(() => assertWpTransition("ready", "in_progress", "gate", facts));
  });
  it("given a ready WP without pre-work, when updated to in_progress, then HSK-409-TRANSITION names the requirement", () => {
    assert.throws(
      () => assertWpTransition("ready", "in_progress", "update", facts),
      (error: unknown) =>
        error instanceof LocusError &&
        error.code === "HSK-409-TRANSITION" &&
        error.details?.requirement === "pre_work_passed",
    );
  });
  it("given done, only a gate decision can reopen it; nothing cancels it", () => {
    assert.deepEqual(allowedTargets("done", "gate"), ["in_progress"]);
    assert.deepEqual(allowedTargets("done", "update"), []);
    assert.deepEqual(allowedTargets("done", "delete"), []);
  });
  it("given any status but done, delete may cancel it", () => {
    for (const from of ["stub", "ready", "in_progress", "blocked", "gated"] as const) {
      assert.ok(allowedTargets(from, "delete").includes("cancelled"), from);
    }
  });
  it("post-work pass needs every MT final", () => {
    assert.throws(() =>
      assertWpTransition("in_progress", "done", "gate", {
        ...facts,
        post_work_passed: true,
        micro_tasks_final: false,
      }),
    );
    assert.doesNotThrow(() =>
      assertWpTransition("gated", "done", "gate", { ...facts, post_work_passed: true }),
    );
  });
});
