// Issue 21 hole 10: a forged 4-event log (create, update, each with its capability decision) whose
// work_packet_updated says `stub -> done` imported as done with both gates pending: import checked the hash chain
// only. Import must hold the log to section 5 as the operations are held: every status change an event makes is
// checked against the state before it, with the trigger the event implies, and a created WP starts as stub. A log
// that breaks this is refused whole with HSK-409-TRANSITION naming the seq, the event and the job.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { StoredEvent } from "../../../src/domain/events/stored-event.js";
import { type AttackWorkspace, attackWorkspace } from "../attack-support.js";
import { assertImportRefused, exportLog, reseal, writeLog } from "./forged-log.js";

describe("attack: a forged log with an illegal transition (issue 21 hole 10)", () => {
  const scratch = mkdtempSync(join(tmpdir(), "locus-illegal-transition-"));
  let log: StoredEvent[] = [];
  let source: AttackWorkspace;
  before(() => {
    source = attackWorkspace();
    assert.equal(source.as("Operator", ["create", "Ship it", "--wp-id", "WP-1"]).status, 0);
    assert.equal(source.as("Operator", ["update", "WP-1", "--title", "Shipped"]).status, 0);
    log = exportLog(source).filter((event) => event.event_name !== "task_board_entry_added");
    assert.deepEqual(
      log.map((event) => event.event_name),
      ["capability_decision", "work_packet_created", "capability_decision", "work_packet_updated"],
    );
  });
  after(() => {
    source.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The 4-event log with the update's changes replaced by `changes` (and `extra` payload fields). */
  function forge(changes: Record<string, unknown>, extra: Record<string, unknown> = {}): StoredEvent[] {
    const [decision, created, decision2, update] = log as [
      StoredEvent,
      StoredEvent,
      StoredEvent,
      StoredEvent,
    ];
    return reseal([
      decision,
      created,
      decision2,
      { ...update, payload: { ...update.payload, changes, ...extra } },
    ]);
  }

  const assertRefused = (events: StoredEvent[], name: string) =>
    assertImportRefused(scratch, events, name, "HSK-409-TRANSITION");

  it("control: the real 4-event log imports", () => {
    const target = attackWorkspace();
    try {
      const run = target.as("Operator", ["--json", "import", writeLog(scratch, "real.jsonl", reseal(log))]);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      target.assertIntact();
    } finally {
      target.cleanup();
    }
  });

  it("work_packet_updated stub -> done is refused whole, naming seq 4, the event and the job", () => {
    const forged = forge({ status: { from: "stub", to: "done" } });
    const details = assertRefused(forged, "stub-done.jsonl");
    assert.equal(details.seq, 4);
    assert.equal(details.event_name, "work_packet_updated");
    assert.equal(details.job_id, (forged[3] as StoredEvent).job_id);
    assert.equal(details.from, "stub");
    assert.equal(details.to, "done");
    assert.equal(details.field, "events");
  });

  it("the same jump dressed as a Task Board edit (source task_board_sync) is refused too", () => {
    assertRefused(
      forge(
        { status: { from: "stub", to: "done" }, task_board_token: { from: "STUB", to: "VALIDATED" } },
        {
          source: "task_board_sync",
        },
      ),
      "stub-done-board.jsonl",
    );
  });

  it("a WP created straight into done (gates pending) is refused: a created WP starts as stub", () => {
    const [decision, created] = log as [StoredEvent, StoredEvent];
    const wp = { ...(created.payload.wp as Record<string, unknown>), status: "done" };
    const details = assertRefused(
      reseal([decision, { ...created, payload: { ...created.payload, wp } }]),
      "created-done.jsonl",
    );
    assert.equal(details.seq, 2);
    assert.equal(details.event_name, "work_packet_created");
  });
});
