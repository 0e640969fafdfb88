import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { locus, tempWorkspace } from "../support/cli.js";

// Section 16, audit: `locus audit WP_ID` answers "who allowed this" from the log alone, for people and as JSON,
// and says whether the chain verifies (exit 1 when it does not).

interface Change {
  seq: number;
  actor_id: string;
  profile: string | null;
  operation: string;
  summary: string;
  decisions: { capability_id: string; outcome: string }[];
  gate?: { gate: string; status: string; notes?: string };
}

describe("locus audit", () => {
  let dir: string;
  let wp: string;
  before(() => {
    dir = tempWorkspace();
    wp = JSON.parse(locus(dir, ["create", "Audited work", "--json", "--actor", "alice"]).stdout).data.wp
      .wp_id;
    assert.equal(locus(dir, ["update", wp, "--status", "ready", "--actor", "alice"]).status, 0);
    // A Coder's refused gate is not a change; the Validator's is, with its notes.
    assert.equal(
      locus(dir, ["gate", wp, "pre_work", "pass", "--profile", "Coder", "--actor", "agent-7"]).status,
      1,
    );
    const gate = locus(dir, [
      "gate",
      wp,
      "pre_work",
      "pass",
      "--result-notes",
      "scope agreed",
      "--profile",
      "Validator",
      "--actor",
      "val",
    ]);
    assert.equal(gate.status, 0, gate.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--json names, per change, the actor, the profile, the decisions and the gate notes", () => {
    const run = locus(dir, ["audit", wp, "--json"]);
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as {
      success: boolean;
      data: { wp_id: string; changes: Change[]; chain: { ok: boolean } };
    };
    assert.equal(result.success, true);
    assert.equal(result.data.chain.ok, true);
    const changes = result.data.changes;
    assert.deepEqual(
      changes.map((c) => [c.actor_id, c.profile, c.operation]),
      [
        ["alice", "Operator", "create_wp"],
        ["alice", "Operator", "update_wp"],
        ["val", "Validator", "gate_wp"],
      ],
    );
    const gate = changes[2] as Change;
    assert.deepEqual(gate.decisions, [{ capability_id: "locus.gate", outcome: "allow" }]);
    assert.deepEqual(gate.gate, {
      gate: "pre_work",
      status: "pass",
      notes: "scope agreed",
      validated_by: "val",
    });
    assert.match(gate.summary, /pre_work gate pass \(ready -> in_progress\)/);
    assert.match((changes[1] as Change).summary, /status stub -> ready/);
    // The refused Coder left no change behind.
    assert.ok(changes.every((c) => c.actor_id !== "agent-7"));
  });

  it("prints a readable timeline; an unknown WP is HSK-404-NOT-FOUND and exit 1", () => {
    const run = locus(dir, ["audit", wp]);
    assert.equal(run.status, 0);
    assert.match(run.stdout, new RegExp(`Audit of ${wp}: 3 changes`));
    assert.match(run.stdout, /val as Validator via gate_wp\n {4}pre_work gate pass/);
    assert.match(run.stdout, /allowed by: locus.gate allow/);
    assert.match(run.stdout, /gate notes: scope agreed/);
    assert.match(run.stdout, /chain ok: \d+ events verified/);
    const missing = locus(dir, ["audit", "WP-nothing-here"]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /HSK-404-NOT-FOUND/);
    assert.equal(locus(dir, ["audit"]).status, 2);
  });

  it("says when the chain does not verify, and exits 1", () => {
    const db = new Database(join(dir, ".locus", "locus.db"));
    db.prepare("UPDATE events SET actor_id = 'mallory' WHERE seq = 2").run();
    db.close();
    const run = locus(dir, ["audit", wp]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /chain BROKEN at seq 2/);
  });
});
