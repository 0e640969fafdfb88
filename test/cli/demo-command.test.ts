import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { locus } from "./cli-process.js";

// `npm start` runs `locus demo`: it must walk the whole lifecycle in a fresh workspace, from any folder.

describe("locus demo", () => {
  it("walks the lifecycle: claim, escalation, a refused Coder gate, the ready list and the board", () => {
    const run = locus("/", ["demo", "--json"]);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout.trim()) as {
      success: boolean;
      data: {
        steps: { step: string; ok: boolean; code?: string }[];
        ready: string[];
        board: string;
        chain: { ok: boolean };
      };
    };
    assert.equal(result.success, true);
    const body = result.data;
    const refused = body.steps.filter((step) => !step.ok);
    // The hard gate holds the MT, a Coder cannot lift it, and a Coder cannot pass its own gate.
    assert.deepEqual(
      refused.map((step) => step.code),
      ["HSK-409-TRANSITION", "HSK-403-CAPABILITY", "HSK-403-CAPABILITY"],
    );
    assert.ok(body.steps.some((step) => /alice .* resumes/.test(step.step) && step.ok));
    assert.ok(body.steps.some((step) => step.step === "claim" && step.ok));
    assert.ok(body.steps.some((step) => /ESCALATE/.test(step.step) && step.ok));
    assert.ok(body.ready.includes("WP-auth-2"), "closing WP-auth-1 unblocks WP-auth-2");
    assert.ok(!body.ready.includes("WP-auth-3"), "WP-auth-3 is still blocked by WP-auth-2");
    assert.match(body.board, /WP-auth-1/);
    assert.equal(body.chain.ok, true);
  });

  it("prints a narrated walk-through for people", () => {
    const run = locus("/", ["demo"]);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Ready now/);
    assert.match(run.stdout, /hash chain verified/);
  });
});
