// Issue 21 hole 6: `UPDATE events SET wp_id='WP-2' ...` on the SQLite file moved an event to another WP unnoticed:
// `events verify` and `replay` passed and `locus events --wp WP-1` lost its history. The events table has two
// columns outside the hash (wp_id, related_wp_id: derived from the payload for `--wp` lookups); verify must check
// them against their derivation and name the first bad seq, and `events --wp` must list only events whose hashed
// payload is about the WP. Hole 11 (part): a stored payload that is not JSON made verify fail with
// HSK-500-STORAGE "(unknown)"; it must name the seq instead (exit 1).
import assert from "node:assert/strict";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import Database from "better-sqlite3";
import { type AttackWorkspace, attackWorkspace } from "../attack-support.js";

describe("attack: editing the events table's columns outside Locus (issue 21 holes 6, 11)", () => {
  let ws: AttackWorkspace;
  beforeEach(() => {
    ws = attackWorkspace();
    for (const args of [
      ["create", "One", "--wp-id", "WP-1"],
      ["create", "Two", "--wp-id", "WP-2"],
      ["update", "WP-1", "--title", "One, renamed"],
      ["dep", "add", "WP-1", "blocks", "WP-2"],
    ]) {
      const run = ws.as("Operator", args);
      assert.equal(run.status, 0, `${args.join(" ")}: ${run.stderr}`);
    }
    ws.assertIntact();
  });
  afterEach(() => ws.cleanup());

  /** Runs one SQL statement on the workspace's SQLite file, as a person with the file would. */
  function tamper(sql: string, ...params: unknown[]): void {
    const db = new Database(join(ws.dir, ".locus", "locus.db"));
    try {
      assert.equal(db.prepare(sql).run(...params).changes, 1);
    } finally {
      db.close();
    }
  }

  const seqOf = (name: string): number => {
    const event = ws.events().find((e) => e.event_name === name);
    assert.ok(event, name);
    return event.seq;
  };

  function assertVerifyNames(seq: number, reason: RegExp): void {
    const text = ws.as("Operator", ["events", "verify"]);
    assert.equal(text.status, 1, `verify passed: ${text.stdout}`);
    assert.match(text.stdout, new RegExp(`seq ${seq}\\b`));
    assert.match(text.stdout, reason);
    assert.doesNotMatch(text.stdout + text.stderr, /HSK-500/);
    const json = ws.as("Operator", ["--json", "events", "verify"]);
    assert.equal(json.status, 1);
    const report = (JSON.parse(json.stdout) as { data: { ok: boolean; first_bad_seq: number } }).data;
    assert.equal(report.ok, false);
    assert.equal(report.first_bad_seq, seq);
  }

  it("an event moved to another WP by its wp_id column: verify names the seq; events --wp trusts the payload", () => {
    const seq = seqOf("work_packet_updated");
    tamper("UPDATE events SET wp_id = 'WP-2' WHERE seq = ?", seq);
    assertVerifyNames(seq, /wp_id/);
    const listed = ws.as("Operator", ["events", "--json", "--wp", "WP-2"]);
    assert.equal(listed.status, 0);
    const seqs = listed.stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => (JSON.parse(line) as { seq: number; payload: { wp_id?: string } }).seq);
    assert.ok(!seqs.includes(seq), `events --wp WP-2 lists WP-1's update (seq ${seq})`);
  });

  it("a dependency event's related_wp_id column edited: verify names the seq", () => {
    const seq = seqOf("dependency_added");
    tamper("UPDATE events SET related_wp_id = 'WP-9' WHERE seq = ?", seq);
    assertVerifyNames(seq, /related_wp_id/);
  });

  it("a wp_id column emptied (NULL) on a WP event: verify names the seq", () => {
    const seq = seqOf("work_packet_created");
    tamper("UPDATE events SET wp_id = NULL WHERE seq = ?", seq);
    assertVerifyNames(seq, /wp_id/);
  });

  it("a payload that is not JSON: verify exits 1 naming the seq, not HSK-500-STORAGE", () => {
    const seq = seqOf("work_packet_updated");
    tamper("UPDATE events SET payload = '{not json' WHERE seq = ?", seq);
    assertVerifyNames(seq, /not JSON/);
  });
});
