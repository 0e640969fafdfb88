// Issue 21 hole 3 (the log's own decisions): an export where a Coder's gate_wp was denied, with a forged
// work_packet_gated added to that denied job and the chain sealed again by the documented hash rule, imported and
// put the WP in_progress. Every event that needs a capability (a gate decision: locus.gate; a delete:
// locus.delete) must sit in a job whose recorded capability decisions allow it; a log that breaks this is
// refused whole (HSK-403-CAPABILITY naming the seq, event and job), even by an Operator, and nothing is written.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { StoredEvent } from "../../../src/domain/events/stored-event.js";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";
import { assertImportRefused, exportLog, reseal, writeLog } from "./forged-log.js";

describe("attack: a forged gate decision in a denied job (issue 21 hole 3)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "locus-forged-gate-"));
  let source: AttackWorkspace;
  let log: StoredEvent[] = [];
  before(() => {
    source = attackWorkspace();
    const run = (profile: string, args: string[]) => source.as(profile, args);
    for (const id of ["WP-1", "WP-2"]) {
      assert.equal(run("Operator", ["create", id, "--wp-id", id]).status, 0);
      assert.equal(run("Operator", ["update", id, "--status", "ready"]).status, 0);
    }
    // A real gate on WP-2: the forger's template for a well-formed work_packet_gated.
    assert.equal(run("Validator", ["gate", "WP-2", "pre_work", "pass"]).status, 0);
    // The Coder tries to pass its own gate and is denied: the log records the deny, and nothing else.
    const denied = run("Coder", ["--json", "gate", "WP-1", "pre_work", "pass"]);
    assert.equal(resultOf(denied).error?.code, "HSK-403-CAPABILITY");
    log = exportLog(source);
  });
  after(() => {
    source.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The work_packet_gated the forger writes into `job` (WP-1 pre_work pass, ready -> in_progress). */
  function forgedGate(job: StoredEvent): StoredEvent {
    const template = log.find((event) => event.event_name === "work_packet_gated") as StoredEvent;
    return {
      ...template,
      event_uuid: `${template.event_uuid.slice(0, -4)}f0f0`,
      job_id: job.job_id,
      trace_id: job.trace_id,
      actor_id: job.actor_id,
      timestamp: job.timestamp,
      payload: {
        ...template.payload,
        wp_id: "WP-1",
        version: 3,
        bronze_id: `${String(template.payload.bronze_id).slice(0, -4)}F0F0`,
      },
    };
  }

  const assertRefused = (events: StoredEvent[], name: string) =>
    assertImportRefused(scratch, events, name, "HSK-403-CAPABILITY");

  it("control: the export as it was imports (an Operator holds every right it needs)", () => {
    const target = attackWorkspace();
    try {
      const run = target.as("Operator", ["--json", "import", writeLog(scratch, "real.jsonl", log)]);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      target.assertIntact();
    } finally {
      target.cleanup();
    }
  });

  it("a work_packet_gated added to the Coder's denied gate_wp job is refused whole, naming seq, event and job", () => {
    const deny = log.findLast(
      (event) => event.event_name === "capability_decision" && event.payload.decision_outcome === "deny",
    ) as StoredEvent;
    const at = log.indexOf(deny) + 1;
    const forged = reseal([...log.slice(0, at), forgedGate(deny), ...log.slice(at)]);
    const details = assertRefused(forged, "forged-gate.jsonl");
    assert.equal(details.seq, at + 1);
    assert.equal(details.event_name, "work_packet_gated");
    assert.equal(details.job_id, deny.job_id);
    assert.equal(details.capability_id, "locus.gate");
    assert.equal(details.field, "events");
  });

  it("a work_packet_gated in an update job, which recorded no decision for locus.gate, is refused", () => {
    const update = log.findLast((event) => event.event_name === "work_packet_updated") as StoredEvent;
    const at = log.indexOf(update) + 1;
    const forged = reseal([...log.slice(0, at), forgedGate(update), ...log.slice(at)]);
    const details = assertRefused(forged, "forged-gate-no-decision.jsonl");
    assert.equal(details.job_id, update.job_id);
    assert.equal(details.capability_id, "locus.gate");
  });

  it("a work_packet_deleted in a job that was granted only locus.write is refused: locus.delete", () => {
    const update = log.findLast((event) => event.event_name === "work_packet_updated") as StoredEvent;
    const at = log.indexOf(update) + 1;
    const deleted: StoredEvent = {
      ...update,
      event_uuid: `${update.event_uuid.slice(0, -4)}d0d0`,
      event_id: "FR-EVT-WP-005",
      event_name: "work_packet_deleted",
      payload: {
        wp_id: "WP-1",
        bronze_id: `${String(update.payload.bronze_id).slice(0, -4)}D0D0`,
        version: 3,
        deleted_by: update.actor_id,
        previous_status: "ready",
        replica_id: update.replica_id,
        sequence: update.sequence,
        vector_clock: update.vector_clock,
      },
    };
    const details = assertRefused(
      reseal([...log.slice(0, at), deleted, ...log.slice(at)]),
      "forged-delete.jsonl",
    );
    assert.equal(details.event_name, "work_packet_deleted");
    assert.equal(details.capability_id, "locus.delete");
  });
});
