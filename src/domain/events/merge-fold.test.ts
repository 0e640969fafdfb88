// Section 13's merge rules, as a table of small concurrent logs, and the property that makes replicas converge:
// the state a set of events folds to does not depend on the order they arrived in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { stateFingerprint } from "../../operations/flight-recorder.js";
import type { TrackedDependency } from "../records.js";
import { newWp } from "./log-builder.test-support.js";
import { type MergeEvent, mergeReplay } from "./merge-fold.js";

const sequences = new Map<string, number>();
let uuid = 0;

/** One event of `replica` at second `at` (each replica's sequence counts up). */
function ev(replica: string, at: number, event_name: string, payload: Record<string, unknown>): MergeEvent {
  const sequence = (sequences.get(replica) ?? 0) + 1;
  sequences.set(replica, sequence);
  uuid += 1;
  return {
    event_uuid: `u-${String(uuid).padStart(6, "0")}`,
    event_name,
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(),
    replica_id: replica,
    sequence,
    payload: { ...payload, replica_id: replica, sequence, vector_clock: { [replica]: sequence } },
  };
}

const created = (wpId: string, at = 0, replica = "rep_A") =>
  ev(replica, at, "work_packet_created", {
    wp_id: wpId,
    wp: newWp(wpId, { title: `${wpId} by ${replica}` }),
    created_by: "ann",
    source: "api",
  });
const update = (
  replica: string,
  at: number,
  wpId: string,
  changes: Record<string, unknown>,
  source?: string,
) => ev(replica, at, "work_packet_updated", { wp_id: wpId, changes, ...(source ? { source } : {}) });
const edge = (
  replica: string,
  at: number,
  from: string,
  type: TrackedDependency["type"],
  to: string,
  id: string,
) =>
  ev(replica, at, "dependency_added", {
    dependency: {
      dependency_id: id,
      from_wp_id: from,
      to_wp_id: to,
      type,
      created_at: "2026-01-01T00:00:00.000Z",
      created_by: "ann",
      vector_clock: {},
    } satisfies TrackedDependency,
  });

describe("merge rules (section 13)", () => {
  it("per field, the last writer wins by (timestamp, replica, ...); other fields keep their own last writer", () => {
    const { state } = mergeReplay([
      created("WP-1"),
      update("rep_A", 3, "WP-1", {
        title: { from: "WP-1 by rep_A", to: "A's title" },
        priority: { from: 2, to: 0 },
      }),
      update("rep_B", 2, "WP-1", { title: { from: "WP-1 by rep_A", to: "B's title" } }),
    ]);
    assert.equal(state.wps.get("WP-1")?.title, "A's title");
    assert.equal(state.wps.get("WP-1")?.priority, 0);
  });

  it("a timestamp tie goes to the greater replica id", () => {
    const { state } = mergeReplay([
      created("WP-1"),
      update("rep_B", 5, "WP-1", { title: { from: "WP-1 by rep_A", to: "from B" } }),
      update("rep_A", 5, "WP-1", { title: { from: "WP-1 by rep_A", to: "from A" } }),
    ]);
    assert.equal(state.wps.get("WP-1")?.title, "from B");
  });

  it("labels merge as a set: additions and removals on two replicas both hold", () => {
    const { state } = mergeReplay([
      created("WP-1"),
      update("rep_A", 1, "WP-1", { labels: { from: [], to: ["api", "old"] } }),
      update("rep_B", 2, "WP-1", { labels: { from: ["api", "old"], to: ["api", "ui"] } }),
      update("rep_A", 2, "WP-1", { labels: { from: ["api", "old"], to: ["api", "old", "db"] } }),
    ]);
    assert.deepEqual([...(state.wps.get("WP-1")?.labels ?? [])].sort(), ["api", "db", "ui"]);
  });

  it("a tombstone wins over a later status edit, which is reported", () => {
    const { state, conflicts } = mergeReplay([
      created("WP-1"),
      ev("rep_A", 1, "work_packet_deleted", { wp_id: "WP-1", deleted_by: "ann", previous_status: "stub" }),
      update("rep_B", 2, "WP-1", {
        status: { from: "stub", to: "ready" },
        title: { from: "WP-1", to: "kept" },
      }),
    ]);
    const wp = state.wps.get("WP-1");
    assert.equal(wp?.status, "cancelled");
    assert.ok(wp?.tombstone);
    assert.equal(wp?.title, "kept");
    assert.deepEqual(
      conflicts.map((c) => c.kind),
      ["tombstone"],
    );
  });

  it("an illegal merged move keeps the last writer's status and is reported", () => {
    const { state, conflicts } = mergeReplay([
      created("WP-1"),
      update("rep_A", 1, "WP-1", { status: { from: "stub", to: "ready" } }),
      update("rep_A", 2, "WP-1", { status: { from: "ready", to: "blocked" } }),
      update("rep_B", 3, "WP-1", { status: { from: "ready", to: "stub" } }),
    ]);
    assert.equal(state.wps.get("WP-1")?.status, "stub");
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0]?.kind, "status");
  });

  it("done is never reached by a merge without its passed gate", () => {
    const { state, conflicts } = mergeReplay([
      created("WP-1"),
      update("rep_A", 1, "WP-1", { status: { from: "stub", to: "ready" } }),
      update("rep_B", 2, "WP-1", { status: { from: "in_progress", to: "done" } }, "task_board"),
      ev("rep_B", 3, "work_packet_completed", { wp_id: "WP-1", completed_at: "2026-01-01T00:00:03.000Z" }),
    ]);
    assert.equal(state.wps.get("WP-1")?.status, "ready");
    assert.deepEqual(
      conflicts.map((c) => c.event_name),
      ["work_packet_updated", "work_packet_completed"],
    );
  });

  it("a WP created on two replicas keeps the first creation", () => {
    const { state, conflicts } = mergeReplay([created("WP-1", 2, "rep_B"), created("WP-1", 1, "rep_A")]);
    assert.equal(state.wps.get("WP-1")?.title, "WP-1 by rep_A");
    assert.equal(conflicts[0]?.kind, "duplicate");
  });

  it("the newest edge of a merged cycle is dropped and reported; a repeated edge exists once", () => {
    const { state, conflicts } = mergeReplay([
      created("WP-1"),
      created("WP-2"),
      created("WP-3"),
      edge("rep_A", 1, "WP-1", "blocks", "WP-2", "dep_A"),
      edge("rep_B", 2, "WP-2", "blocks", "WP-3", "dep_B"),
      edge("rep_C", 3, "WP-3", "blocks", "WP-1", "dep_C"),
      edge("rep_C", 4, "WP-1", "blocks", "WP-2", "dep_D"),
      edge("rep_C", 5, "WP-1", "related", "WP-3", "dep_E"),
    ]);
    assert.deepEqual([...state.deps.keys()].sort(), ["dep_A", "dep_B", "dep_E"]);
    assert.deepEqual(
      conflicts.map((c) => [c.kind, c.dependency_id]),
      [["cycle", "dep_C"]],
    );
  });

  it("folds to the same state whatever order the events arrive in (property)", () => {
    const log = [
      created("WP-1"),
      created("WP-2", 1, "rep_B"),
      update("rep_A", 2, "WP-1", { status: { from: "stub", to: "ready" }, labels: { from: [], to: ["a"] } }),
      update("rep_B", 2, "WP-1", { labels: { from: [], to: ["b"] }, title: { from: "WP-1", to: "B" } }),
      update("rep_C", 3, "WP-1", { status: { from: "ready", to: "blocked" } }),
      ev("rep_B", 4, "work_packet_deleted", { wp_id: "WP-2", deleted_by: "bo", previous_status: "stub" }),
      update("rep_A", 5, "WP-2", { title: { from: "WP-2 by rep_B", to: "late edit" } }),
      edge("rep_A", 6, "WP-1", "blocks", "WP-2", "dep_1"),
      edge("rep_B", 6, "WP-2", "blocks", "WP-1", "dep_2"),
      ev("rep_C", 7, "dependency_removed", {
        dependency_id: "dep_1",
        from_wp_id: "WP-1",
        to_wp_id: "WP-2",
        type: "blocks",
      }),
    ];
    const expected = stateFingerprint(mergeReplay(log).state);
    fc.assert(
      fc.property(fc.shuffledSubarray(log, { minLength: log.length, maxLength: log.length }), (arrived) => {
        assert.deepEqual(stateFingerprint(mergeReplay(arrived).state), expected);
      }),
      { numRuns: 200 },
    );
  });
});
