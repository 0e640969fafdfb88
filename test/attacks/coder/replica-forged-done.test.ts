// Section 13 "Governance holds across replicas", attacked the way a Coder would: its replica cannot make a WP
// done on the team's store. The Coder's own gate is refused locally; so the Coder writes a replica file by
// hand (line hashes and all) and lets git carry it to the team. The team's `locus sync` must refuse a job whose
// recorded decision allows locus.gate to a profile that does not grant it, and must not let a status edit or a
// completion reach done without its passed gate. Each attack leaves the WP in progress and the store intact.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { canonicalSha256 } from "../../../src/domain/canonical-json.js";
import { attackWorkspace, resultOf } from "../attack-support.js";

type Line = Record<string, unknown> & { payload: Record<string, unknown> };

const team = attackWorkspace();
after(team.cleanup);

/** The team's WP, in progress, published to its replica file. */
function teamWp(): { wpId: string; gated: Line } {
  const created = resultOf(team.as("Operator", ["create", "Ship the login page", "--json"]));
  const wpId = (created.data as { wp: { wp_id: string } }).wp.wp_id;
  assert.equal(team.as("Operator", ["update", wpId, "--status", "ready"]).status, 0);
  assert.equal(team.as("Operator", ["gate", wpId, "pre_work", "pass"]).status, 0);
  assert.equal(team.as("Operator", ["sync", "locus-replicas/"]).status, 0);
  const folder = join(team.dir, "locus-replicas");
  const lines = readFileSync(join(folder, readdirSync(folder)[0] as string), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Line);
  const gated = lines.findLast(
    (l) => l.event_name === "work_packet_gated" && l.payload.wp_id === wpId,
  ) as Line;
  return { wpId, gated };
}

/** Writes a forged replica file holding one job of `events` (hashed lines, as Locus would write them). */
function forge(
  name: string,
  events: { event_name: string; event_id: string; payload: Record<string, unknown> }[],
  profile: string,
  capability = "locus.gate",
) {
  const replica = `rep_${name}`;
  const job = randomUUID();
  const decision = {
    event_name: "capability_decision",
    event_id: "FR-EVT-CAP-001",
    payload: {
      capability_id: capability,
      actor_id: "coder-bot",
      job_id: job,
      decision_outcome: "allow",
      capability_profile_id: profile,
    },
  };
  let prev = "";
  const lines = [decision, ...events].map((event, index) => {
    const sequence = index + 1;
    const origin = {
      event_uuid: randomUUID(),
      event_id: event.event_id,
      event_name: event.event_name,
      timestamp: new Date(Date.now() + 60_000).toISOString(),
      trace_id: randomUUID(),
      job_id: job,
      protocol_id: "locus_gate_wp_v1",
      actor_id: "coder-bot",
      replica_id: replica,
      sequence,
      vector_clock: { [replica]: sequence },
      payload: { ...event.payload, replica_id: replica, sequence, vector_clock: { [replica]: sequence } },
    };
    const hash = canonicalSha256(origin, prev);
    const line = JSON.stringify({ ...origin, line_prev: prev, line_hash: hash });
    prev = hash;
    return line;
  });
  const folder = join(team.dir, "locus-replicas");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${replica}.jsonl`), `${lines.join("\n")}\n`);
}

const statusOf = (wpId: string) =>
  (resultOf(team.as("Operator", ["show", wpId, "--json"])).data?.wp as { status: string })?.status;

describe("a Coder's replica cannot make a WP done on the team's store (section 13)", () => {
  const { wpId, gated } = teamWp();
  const passPostWork = {
    ...gated.payload,
    gate: "post_work",
    status_change: { from: "in_progress", to: "done" },
  };

  it("the Coder's own gate is refused where it works", () => {
    const coder = attackWorkspace();
    after(coder.cleanup);
    const run = coder.as("Coder", ["gate", "WP-1", "post_work", "pass", "--json"]);
    assert.equal(resultOf(run).error?.code, "HSK-403-CAPABILITY");
  });

  it("a forged gate decision whose job allows locus.gate to the Coder profile is refused whole", () => {
    forge(
      "coder1",
      [{ event_name: "work_packet_gated", event_id: "FR-EVT-WP-003", payload: passPostWork }],
      "Coder",
    );
    const run = team.as("Operator", ["sync", "locus-replicas/", "--json"]);
    assert.equal(run.status, 0, run.stdout);
    const refused = resultOf(run).data?.refused as { code: string; replica_id: string; events: number }[];
    assert.equal(refused.length, 1, JSON.stringify(refused));
    assert.equal(refused[0]?.code, "HSK-403-CAPABILITY");
    assert.equal(refused[0]?.replica_id, "rep_coder1");
    assert.equal(refused[0]?.events, 2);
    assert.equal(statusOf(wpId), "in_progress");
    team.assertIntact();
  });

  it("an allow under a profile the team does not know is refused too", () => {
    forge(
      "coder2",
      [{ event_name: "work_packet_gated", event_id: "FR-EVT-WP-003", payload: passPostWork }],
      "Superuser",
    );
    const refused = resultOf(team.as("Operator", ["sync", "locus-replicas/", "--json"])).data
      ?.refused as unknown[];
    assert.equal(refused.length, 1, JSON.stringify(refused));
    assert.equal(statusOf(wpId), "in_progress");
  });

  it("a status edit to done (as if from the board) and a bare completion do not reach done without the gate", () => {
    const update = {
      wp_id: wpId,
      bronze_id: gated.payload.bronze_id,
      version: 9,
      changes: { status: { from: "in_progress", to: "done" } },
      source: "task_board",
    };
    const completed = {
      wp_id: wpId,
      bronze_id: gated.payload.bronze_id,
      version: 10,
      completed_at: new Date().toISOString(),
    };
    forge(
      "coder3",
      [
        { event_name: "work_packet_updated", event_id: "FR-EVT-WP-002", payload: update },
        { event_name: "work_packet_completed", event_id: "FR-EVT-WP-004", payload: completed },
      ],
      "Coder",
      "locus.write",
    );
    const run = team.as("Operator", ["sync", "locus-replicas/", "--json"]);
    const conflicts = resultOf(run).data?.conflicts as { kind: string; event_name: string }[];
    assert.deepEqual(
      conflicts.map((c) => [c.kind, c.event_name]),
      [
        ["status", "work_packet_updated"],
        ["status", "work_packet_completed"],
      ],
    );
    assert.equal(statusOf(wpId), "in_progress");
    team.assertIntact();
  });
});
