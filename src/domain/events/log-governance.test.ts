import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { STATE_EVENT_NAMES } from "./event-registry.js";
import { LogBuilder, newWp } from "./log-builder.test-support.js";
import { capabilitiesToWrite, checkLog, EVENT_CAPABILITIES } from "./log-governance.js";

// Issue 21 / section 13: table tests of the log check. Each row: given a log (built step by step), then either
// it passes, or the first offending event is named with its code.

/** A live WP-1 in `ready` (created, then refined), each job with its decision. */
const readyWp = () =>
  new LogBuilder()
    .decide("j1", "locus.write", "allow")
    .created("j1", newWp("WP-1"))
    .decide("j2", "locus.write", "allow")
    .status("j2", "WP-1", "stub", "ready");

/** WP-1 started by a pre_work pass a Validator was allowed to give. */
const startedWp = () =>
  readyWp().decide("j3", "locus.gate", "allow", "Validator").gated("j3", "WP-1", "pre_work", "pass", {
    from: "ready",
    to: "in_progress",
  });

type Row = [name: string, log: () => LogBuilder, expected: { code: string; seq: number } | "ok"];

const ROWS: Row[] = [
  [
    "a legal life: create, refine, start by gate, finish by gate, close",
    () =>
      startedWp()
        .decide("j4", "locus.gate", "allow")
        .gated("j4", "WP-1", "post_work", "pass", { from: "in_progress", to: "done" })
        .decide("j5", "locus.write", "allow")
        .completed("j5", "WP-1"),
    "ok",
  ],
  [
    "a gate decision in a job whose decision for locus.gate is a deny",
    () =>
      readyWp().decide("j3", "locus.gate", "deny", "Coder").gated("j3", "WP-1", "pre_work", "pass", {
        from: "ready",
        to: "in_progress",
      }),
    { code: "HSK-403-CAPABILITY", seq: 6 },
  ],
  [
    "a gate decision in a job with no decision for locus.gate",
    () => readyWp().gated("j2", "WP-1", "pre_work", "pass", { from: "ready", to: "in_progress" }),
    { code: "HSK-403-CAPABILITY", seq: 5 },
  ],
  [
    "a gate decision placed before its job's allow (decisions come first)",
    () =>
      readyWp()
        .gated("j3", "WP-1", "pre_work", "skip", { from: "ready", to: "in_progress" })
        .decide("j3", "locus.gate", "allow"),
    { code: "HSK-403-CAPABILITY", seq: 5 },
  ],
  [
    "an allow of locus.gate under the Coder profile, which does not grant it",
    () => readyWp().decide("j3", "locus.gate", "allow", "Coder"),
    { code: "HSK-403-CAPABILITY", seq: 5 },
  ],
  [
    "a reused job id: a later allow of the same job id is in force for the events after it",
    () =>
      readyWp()
        .decide("j3", "locus.gate", "deny", "Coder")
        .decide("j3", "locus.gate", "allow")
        .gated("j3", "WP-1", "pre_work", "pass", { from: "ready", to: "in_progress" }),
    "ok",
  ],
  [
    "a delete in a job that was granted locus.write only",
    () => readyWp().deleted("j2", "WP-1", "ready"),
    { code: "HSK-403-CAPABILITY", seq: 5 },
  ],
  [
    "a delete in a job allowed locus.delete",
    () => readyWp().decide("j3", "locus.delete", "allow").deleted("j3", "WP-1", "ready"),
    "ok",
  ],
  [
    "an update stub -> done",
    () =>
      new LogBuilder()
        .decide("j1", "locus.write", "allow")
        .created("j1", newWp("WP-1"))
        .decide("j2", "locus.write", "allow")
        .status("j2", "WP-1", "stub", "done"),
    { code: "HSK-409-TRANSITION", seq: 4 },
  ],
  [
    "a board edit in_progress -> done without the post_work gate",
    () =>
      startedWp()
        .decide("j4", "locus.write", "allow")
        .status("j4", "WP-1", "in_progress", "done", "task_board_sync"),
    { code: "HSK-409-TRANSITION", seq: 8 },
  ],
  [
    "an update to in_progress without pre_work (update needs it; a gate does not)",
    () => readyWp().decide("j3", "locus.write", "allow").status("j3", "WP-1", "ready", "in_progress"),
    { code: "HSK-409-TRANSITION", seq: 6 },
  ],
  [
    "an update that misstates the status it moves from",
    () => readyWp().decide("j3", "locus.write", "allow").status("j3", "WP-1", "blocked", "ready"),
    { code: "HSK-409-TRANSITION", seq: 6 },
  ],
  [
    "a pre_work fail that claims to start the WP",
    () =>
      readyWp().decide("j3", "locus.gate", "allow").gated("j3", "WP-1", "pre_work", "fail", {
        from: "ready",
        to: "in_progress",
      }),
    { code: "HSK-409-TRANSITION", seq: 6 },
  ],
  [
    "a pre_work pass on a ready WP that omits the start it causes",
    () => readyWp().decide("j3", "locus.gate", "allow").gated("j3", "WP-1", "pre_work", "pass"),
    { code: "HSK-409-TRANSITION", seq: 6 },
  ],
  [
    "a close before the post_work gate passed",
    () => startedWp().decide("j4", "locus.write", "allow").completed("j4", "WP-1"),
    { code: "HSK-409-TRANSITION", seq: 8 },
  ],
  [
    "a post_work fail reopening a done WP (a gate holder may)",
    () =>
      startedWp()
        .decide("j4", "locus.gate", "allow")
        .gated("j4", "WP-1", "post_work", "pass", { from: "in_progress", to: "done" })
        .decide("j5", "locus.gate", "allow")
        .gated("j5", "WP-1", "post_work", "fail", { from: "done", to: "in_progress" }),
    "ok",
  ],
  [
    "a WP created as done",
    () =>
      new LogBuilder().decide("j1", "locus.write", "allow").created("j1", newWp("WP-1", { status: "done" })),
    { code: "HSK-409-TRANSITION", seq: 2 },
  ],
  [
    "a WP created with its pre_work gate already passed",
    () =>
      new LogBuilder().decide("j1", "locus.write", "allow").created(
        "j1",
        newWp("WP-1", {
          governance: {
            ...newWp("WP-1").governance,
            gates: { pre_work: { status: "pass" }, post_work: { status: "pending" } },
          },
        }),
      ),
    { code: "HSK-409-TRANSITION", seq: 2 },
  ],
  [
    "a WP created twice",
    () => readyWp().decide("j3", "locus.write", "allow").created("j3", newWp("WP-1")),
    { code: "HSK-409-CONFLICT", seq: 6 },
  ],
  [
    "an update of a deleted WP",
    () =>
      readyWp()
        .decide("j3", "locus.delete", "allow")
        .deleted("j3", "WP-1", "ready")
        .decide("j4", "locus.write", "allow")
        .status("j4", "WP-1", "cancelled", "ready"),
    { code: "HSK-409-TRANSITION", seq: 8 },
  ],
  [
    "an event about a WP never created",
    () => new LogBuilder().decide("j1", "locus.write", "allow").status("j1", "WP-9", "stub", "ready"),
    { code: "HSK-404-NOT-FOUND", seq: 2 },
  ],
  [
    "MTs: registered pending, started, completed; then the WP finishes",
    () =>
      startedWp()
        .decide("j4", "locus.write", "allow")
        .registered("j4", "WP-1", "MT-001")
        .decide("j5", "locus.write", "allow")
        .mtStarted("j5", "WP-1", "MT-001")
        .decide("j6", "locus.write", "allow")
        .mtCompleted("j6", "WP-1", "MT-001")
        .decide("j7", "locus.gate", "allow")
        .gated("j7", "WP-1", "post_work", "pass", { from: "in_progress", to: "done" }),
    "ok",
  ],
  [
    "an MT registered as completed",
    () => startedWp().decide("j4", "locus.write", "allow").registered("j4", "WP-1", "MT-001", "completed"),
    { code: "HSK-409-TRANSITION", seq: 8 },
  ],
  [
    "an MT completed without being started",
    () =>
      startedWp()
        .decide("j4", "locus.write", "allow")
        .registered("j4", "WP-1", "MT-001")
        .decide("j5", "locus.write", "allow")
        .mtCompleted("j5", "WP-1", "MT-001"),
    { code: "HSK-409-TRANSITION", seq: 10 },
  ],
  [
    "MTs registered on a stub WP (section 4: ready or in_progress)",
    () =>
      new LogBuilder()
        .decide("j1", "locus.write", "allow")
        .created("j1", newWp("WP-1"))
        .registered("j1", "WP-1", "MT-001"),
    { code: "HSK-409-TRANSITION", seq: 3 },
  ],
  [
    "the post_work gate while an MT is still open",
    () =>
      startedWp()
        .decide("j4", "locus.write", "allow")
        .registered("j4", "WP-1", "MT-001")
        .decide("j5", "locus.gate", "allow")
        .gated("j5", "WP-1", "post_work", "pass", { from: "in_progress", to: "done" }),
    { code: "HSK-409-TRANSITION", seq: 10 },
  ],
  [
    "an event whose payload breaks its schema",
    () =>
      new LogBuilder()
        .decide("j1", "locus.write", "allow")
        .add("work_packet_created", "j1", { wp_id: "WP-1" }),
    { code: "HSK-400-INVALID-EVENT", seq: 2 },
  ],
];

describe("log governance: table (issue 21, section 13)", () => {
  for (const [name, log, expected] of ROWS) {
    it(`given ${name}, then ${expected === "ok" ? "the log passes" : `${expected.code} at seq ${expected.seq}`}`, () => {
      const check = checkLog(log().events);
      if (expected === "ok") {
        assert.equal(check.ok, true, check.ok ? "" : JSON.stringify(check.finding));
        return;
      }
      assert.equal(check.ok, false, "the log passed");
      if (check.ok) return;
      assert.equal(check.finding.code, expected.code, JSON.stringify(check.finding));
      assert.equal(check.finding.seq, expected.seq, JSON.stringify(check.finding));
    });
  }

  it("every state event needs a capability, and only gates and deletes need more than locus.write", () => {
    for (const name of STATE_EVENT_NAMES) assert.ok(EVENT_CAPABILITIES[name], name);
    const beyondWrite = Object.entries(EVENT_CAPABILITIES).filter(([, id]) => id !== "locus.write");
    assert.deepEqual(Object.fromEntries(beyondWrite), {
      work_packet_gated: "locus.gate",
      work_packet_deleted: "locus.delete",
    });
  });

  it("the importer of a log needs locus.write, plus locus.gate and locus.delete when the log holds them", () => {
    assert.deepEqual(capabilitiesToWrite([]), ["locus.write"]);
    assert.deepEqual(capabilitiesToWrite(readyWp().events), ["locus.write"]);
    assert.deepEqual(capabilitiesToWrite(startedWp().deleted("j9", "WP-1", "in_progress").events), [
      "locus.write",
      "locus.gate",
      "locus.delete",
    ]);
  });

  it("the finding names the job and the capability, and the state of a passing log is the replayed one", () => {
    const denied = checkLog(
      readyWp().decide("j3", "locus.gate", "deny", "Coder").gated("j3", "WP-1", "pre_work", "pass", {
        from: "ready",
        to: "in_progress",
      }).events,
    );
    assert.ok(!denied.ok);
    assert.equal(denied.finding.job_id, "j3");
    assert.equal(denied.finding.event_name, "work_packet_gated");
    assert.deepEqual(denied.finding.details, { capability_id: "locus.gate", decision: "deny" });
    const passed = checkLog(startedWp().events);
    assert.ok(passed.ok);
    assert.equal(passed.state.wps.get("WP-1")?.status, "in_progress");
  });
});
