import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { TrackedMicroTask, TrackedWorkPacket } from "../../src/domain/records.js";
import { replayCheck } from "../../src/operations/flight-recorder.js";
import type { LocusEngine } from "../../src/operations/locus-engine.js";
import { ok, wpIn } from "../support/drive.js";
import { freshEngine, sqliteBackend } from "../support/stores.js";

// Issue 21 hole 14, as a property: whatever the MT dependency graph and whatever happened to its MTs
// (failures anywhere, blocked MTs, dependents that can never start), the WP can always be finished. From
// any reachable state a Coder (locus.write) skips every MT that is not final, and a Validator (locus.gate
// only) passes post_work: the WP is `done`, and the log replays to the live state.

const CODER = { capability_profile_id: "Coder" };
const VALIDATOR = { capability_profile_id: "Validator" };
const WP = "WP-finish";
const mtId = (index: number) => `MT-${String(index + 1).padStart(3, "0")}`;

/** A random acyclic graph: MT i may depend on any earlier MT. */
const graph = fc
  .integer({ min: 1, max: 6 })
  .chain((size) =>
    fc.tuple(...Array.from({ length: size }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j)))),
  );

type Step = { mt: number; action: "start" | "complete" | "fail" | "skip" | "block" | "retry" | "gate" };
const steps = fc.array(
  fc.record({
    mt: fc.integer({ min: 0, max: 5 }),
    action: fc.constantFrom("start", "complete", "fail", "skip", "block", "retry", "gate"),
  }) as fc.Arbitrary<Step>,
  { maxLength: 30 },
);

/** Attempts one step; refusals are part of the game (a dependent cannot start, a final MT cannot move). */
async function attempt(engine: LocusEngine, step: Step, size: number, iteration: number): Promise<void> {
  const id = { wp_id: WP, mt_id: mtId(step.mt % size) };
  const runs: Record<Step["action"], () => Promise<unknown>> = {
    start: () => engine.run("start_mt", id, CODER),
    complete: () => engine.run("complete_mt", { ...id, outcome: "completed" }, CODER),
    fail: () => engine.run("complete_mt", { ...id, outcome: "failed" }, CODER),
    skip: () => engine.run("complete_mt", { ...id, outcome: "skipped" }, CODER),
    block: () =>
      engine.run("record_iteration", { ...id, iteration, model_id: "m", outcome: "BLOCKED" }, CODER),
    retry: () => engine.run("record_iteration", { ...id, iteration, model_id: "m", outcome: "RETRY" }, CODER),
    // A Validator failing post_work on the way: the WP stays open.
    gate: () =>
      engine.run("gate_wp", { wp_id: WP, gate: "post_work", result: { status: "fail" } }, VALIDATOR),
  };
  await runs[step.action]();
}

describe("a WP can always be finished (sqlite)", () => {
  it("from any reachable MT state, skipping what is left and passing post_work makes the WP done", async () => {
    await fc.assert(
      fc.asyncProperty(graph, steps, async (dependsOn, moves) => {
        const { engine, store, cleanup } = await freshEngine(sqliteBackend);
        try {
          await wpIn(engine, WP, "in_progress");
          await ok(engine, "register_mts", {
            wp_id: WP,
            micro_tasks: dependsOn.map((deps, i) => ({
              mt_id: mtId(i),
              name: `step ${i}`,
              max_iterations: 3,
              depends_on: deps.map(mtId),
            })),
          });
          for (const [index, move] of moves.entries())
            await attempt(engine, move, dependsOn.length, index + 1);
          // The way out: skip every MT that is not final, whatever its status and its dependencies.
          const progress = await ok(engine, "get_mt_progress", { wp_id: WP });
          for (const mt of progress.micro_tasks as TrackedMicroTask[]) {
            if (["completed", "failed", "skipped"].includes(mt.status)) continue;
            await ok(engine, "complete_mt", { wp_id: WP, mt_id: mt.mt_id, outcome: "skipped" }, CODER);
          }
          await ok(
            engine,
            "gate_wp",
            { wp_id: WP, gate: "post_work", result: { status: "pass" } },
            VALIDATOR,
          );
          const status = await ok(engine, "get_wp_status", { wp_id: WP });
          assert.equal((status.wp as TrackedWorkPacket).status, "done");
          const report = await replayCheck(store);
          assert.equal(report.ok, true, report.mismatches.join("\n"));
        } finally {
          await cleanup();
        }
      }),
      { numRuns: Number(process.env.LOCUS_PROPERTY_RUNS ?? 100) },
    );
  });
});
