import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LogBuilder } from "../../src/domain/events/log-builder.test-support.js";
import { checkLog, type GovernedEvent } from "../../src/domain/events/log-governance.js";
import { replay } from "../../src/domain/events/merge-fold.js";
import { type WorkPacketStatus, WP_STATUSES } from "../../src/domain/records.js";
import { allowedTargets } from "../../src/domain/wp-state-machine.js";
import { stateFingerprint } from "../../src/operations/flight-recorder.js";
import { microTaskCalls } from "../support/operation-arbitraries.js";
import { freshEngine, sqliteBackend } from "../support/stores.js";

// Issue 21 / section 13, as properties over real logs: random operation sequences, each job run under a random
// profile (so some are denied and leave only their capability decisions), write logs that the log check
// passes, building the state replay builds; and one forged event inserted anywhere (a status jump, a gate
// decision in a job that was denied locus.gate, a delete in a job without locus.delete) is the finding.

const PROFILES = ["Analyst", "Coder", "Validator", "Orchestrator", "Operator"];
const id = fc.constantFrom("WP-1", "WP-2", "WP-3");
const mt = fc.constantFrom("MT-001", "MT-002");
const step = fc.record({
  profile: fc.constantFrom(...PROFILES),
  call: fc.oneof(
    fc.record({ op: fc.constant("create_wp"), params: fc.record({ wp_id: id, title: fc.constant("T") }) }),
    fc.record({
      op: fc.constant("update_wp"),
      params: fc.record({ wp_id: id, updates: fc.record({ status: fc.constantFrom(...WP_STATUSES) }) }),
    }),
    fc.record({
      op: fc.constant("update_wp"),
      params: fc.record({
        wp_id: id,
        updates: fc.record({ status: fc.constantFrom(...WP_STATUSES) }),
        source: fc.constant("task_board_sync"),
      }),
    }),
    fc.record({
      op: fc.constant("gate_wp"),
      params: fc.record({
        wp_id: id,
        gate: fc.constantFrom("pre_work", "post_work"),
        result: fc.record({ status: fc.constantFrom("pass", "fail", "skip", "pending") }),
      }),
    }),
    fc.record({ op: fc.constant("close_wp"), params: fc.record({ wp_id: id }) }),
    { arbitrary: fc.record({ op: fc.constant("finish"), params: fc.record({ wp_id: id }) }), weight: 4 },
    // Weighted (here and `finish`): only some profiles may delete or finish, and the coverage check needs both.
    { arbitrary: fc.record({ op: fc.constant("delete_wp"), params: fc.record({ wp_id: id }) }), weight: 8 },
    fc.record({ op: fc.constant("claim_wp"), params: fc.record({ wp_id: id }) }),
    ...microTaskCalls(id, mt),
    fc.record({
      op: fc.constant("add_dependency"),
      params: fc.record({ from_wp_id: id, to_wp_id: id, type: fc.constantFrom("blocks", "related") }),
    }),
  ),
});

/** A sequence whose log holds a denial, a gate, a delete, a completed WP and a completed MT. */
const COVERING = [
  { profile: "Operator", call: { op: "finish", params: { wp_id: "WP-1" } } },
  { profile: "Operator", call: { op: "create_wp", params: { wp_id: "WP-2", title: "T" } } },
  { profile: "Coder", call: { op: "delete_wp", params: { wp_id: "WP-2" } } },
  { profile: "Operator", call: { op: "delete_wp", params: { wp_id: "WP-2" } } },
];

/** Runs `steps` (after creating WP-1 as an Operator) on a fresh SQLite store; returns its log. */
async function logOf(steps: { profile: string; call: { op: string; params: object } }[]) {
  const { engine, store, cleanup } = await freshEngine(sqliteBackend);
  try {
    await engine.run("create_wp", { wp_id: "WP-1", title: "first" });
    for (const { profile, call } of steps) {
      const extra = { capability_profile_id: profile };
      const params = call.params as Record<string, unknown>;
      if (call.op !== "finish") {
        await engine.run(call.op, params, extra);
        continue;
      }
      // The whole way to done, job by job, so that logs reach close_wp and done often enough to judge them.
      await engine.run("update_wp", { ...params, updates: { status: "ready" } }, extra);
      await engine.run("gate_wp", { ...params, gate: "pre_work", result: { status: "pass" } }, extra);
      const one = { ...params, mt_id: "MT-001" };
      await engine.run("register_mts", { ...params, micro_tasks: [{ mt_id: "MT-001", name: "a" }] }, extra);
      await engine.run("start_mt", one, extra);
      await engine.run("complete_mt", one, extra);
      await engine.run("gate_wp", { ...params, gate: "post_work", result: { status: "skip" } }, extra);
      await engine.run("close_wp", params, extra);
    }
    return { events: await store.readEvents(), live: await store.loadState() };
  } finally {
    await cleanup();
  }
}

/** The forged jobs: each a capability decision and the one event it must not carry. */
const FORGERIES = {
  /** An update that jumps to a status the update trigger can never reach from where the WP is. */
  status_jump(builder: LogBuilder, status: WorkPacketStatus) {
    const to = WP_STATUSES.find((s) => s !== status && !allowedTargets(status, "update").includes(s));
    return builder.decide("forged", "locus.write", "allow").status("forged", "WP-1", status, to ?? "done");
  },
  /** A gate decision (pending: no status change) in a job that was denied locus.gate. */
  gate_in_denied_job(builder: LogBuilder) {
    return builder
      .decide("forged", "locus.gate", "deny", "Coder")
      .gated("forged", "WP-1", "pre_work", "pending");
  },
  /** A delete in a job that was allowed locus.write only. */
  delete_without_right(builder: LogBuilder, status: WorkPacketStatus) {
    return builder.decide("forged", "locus.write", "allow").deleted("forged", "WP-1", status);
  },
} as const;
const EXPECTED = {
  status_jump: "HSK-409-TRANSITION",
  gate_in_denied_job: "HSK-403-CAPABILITY",
  delete_without_right: "HSK-403-CAPABILITY",
} as const;

describe("log governance: properties over real logs (issue 21)", () => {
  it("property: every log Locus writes passes, and builds the state replay and the live tables hold", async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const { events, live } = await logOf(steps);
        for (const event of events)
          seen.add(
            event.event_name === "capability_decision"
              ? `${event.payload.decision_outcome}`
              : event.event_name,
          );
        const check = checkLog(events);
        assert.ok(check.ok, check.ok ? "" : JSON.stringify(check.finding));
        assert.deepEqual(stateFingerprint(check.state), stateFingerprint(replay(events)));
        assert.deepEqual(stateFingerprint(check.state), stateFingerprint(live));
      }),
      // The random runs seldom fail to delete (weights above), but a seed can miss it: this sequence holds every
      // event the coverage check names, so the check never depends on the seed.
      { numRuns: 60, examples: [[COVERING]] },
    );
    // The logs must have held what the rule judges, or passing proved little.
    for (const name of [
      "deny",
      "work_packet_gated",
      "work_packet_deleted",
      "work_packet_completed",
      "mt_completed",
    ])
      assert.ok(seen.has(name), `no sequence produced ${name}`);
  });

  it("property: one forged event inserted anywhere after WP-1 exists is the finding, with its code", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 20 }),
        fc.nat(),
        fc.constantFrom(...(Object.keys(FORGERIES) as (keyof typeof FORGERIES)[])),
        async (steps, at, kind) => {
          const { events } = await logOf(steps);
          const created = events.findIndex((event) => event.event_name === "work_packet_created");
          const position = created + 1 + (at % (events.length - created));
          const before = checkLog(events.slice(0, position));
          assert.ok(before.ok);
          const status = before.state.wps.get("WP-1")?.status ?? "stub";
          const forged = FORGERIES[kind](new LogBuilder(), status).events;
          const log: GovernedEvent[] = [
            ...events.slice(0, position),
            ...forged,
            ...events.slice(position),
          ].map((event, index) => ({ ...event, seq: index + 1 }));
          const check = checkLog(log);
          assert.ok(!check.ok, `forged ${kind} at ${position} passed`);
          assert.equal(check.finding.code, EXPECTED[kind], JSON.stringify(check.finding));
          assert.equal(check.finding.seq, position + forged.length, JSON.stringify(check.finding));
          assert.equal(check.finding.job_id, "forged");
        },
      ),
      { numRuns: 60 },
    );
  });
});
