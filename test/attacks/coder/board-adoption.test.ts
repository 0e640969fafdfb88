// issue 21 hole 1: a Coder wrote a board with `## Done`, `## In Progress` and `## Gated` entries for unknown ids and
// ran `LOCUS_PROFILE=Coder locus board sync --import-unknown`: the WPs were created done, in_progress and gated with
// both gates pending ("done" faked through a side door). What must hold: adoption reaches a status only through
// section 5. Past `ready` it needs gate decisions by a holder of locus.gate; a Coder's adopted WPs stop at ready,
// each reported as a conflict, and no gate event exists. An Operator's adoption records its gate decisions with a
// note saying they were adopted, and the locus.gate decision in the same job. Either log exports and re-imports.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";

const BOARD = [
  "# Task Board",
  "",
  "## Ready for Dev",
  "- **[WP-R]** - [READY_FOR_DEV]",
  "## In Progress",
  "- **[WP-P]** - [IN_PROGRESS] - coder: me",
  "## Gated",
  "- **[WP-G]** - [GATED]",
  "## Done",
  "- **[WP-D]** - [VALIDATED] - merged",
  "## Blocked",
  "- **[WP-B]** - [BLOCKED]",
  "",
].join("\n");

function withBoard(): AttackWorkspace {
  const ws = attackWorkspace();
  mkdirSync(path.join(ws.dir, "docs"), { recursive: true });
  writeFileSync(path.join(ws.dir, "docs", "TASK_BOARD.md"), BOARD);
  return ws;
}

function statuses(ws: AttackWorkspace): Record<string, string> {
  const list = resultOf(ws.as("Operator", ["list", "--json"]));
  const wps = (list.data?.wps ?? []) as { wp_id: string; status: string }[];
  return Object.fromEntries(wps.map((wp) => [wp.wp_id, wp.status]));
}

/** Exports `ws` and imports it as an Operator into a fresh workspace; returns that import's run. */
function reimports(ws: AttackWorkspace): void {
  const exported = ws.as("Operator", ["export", "--out", "log.jsonl"]);
  assert.equal(exported.status, 0, exported.stderr);
  const copy = attackWorkspace();
  try {
    const imported = copy.as("Operator", ["import", path.join(ws.dir, "log.jsonl")]);
    assert.equal(imported.status, 0, `the adoption's log re-imports: ${imported.stdout}${imported.stderr}`);
    assert.deepEqual(statuses(copy), statuses(ws));
    copy.assertIntact();
  } finally {
    copy.cleanup();
  }
}

describe("issue 21 hole 1: board adoption cannot fake done", () => {
  const workspaces: AttackWorkspace[] = [];
  after(() => {
    for (const ws of workspaces) ws.cleanup();
  });

  it("a Coder's adoption stops every WP past ready at ready, reports each, and records no gate", () => {
    const ws = withBoard();
    workspaces.push(ws);
    const run = ws.as("Coder", ["board", "sync", "--import-unknown", "--json"]);
    const sync = resultOf(run);
    assert.equal(sync.success, true, run.stdout + run.stderr);
    assert.deepEqual(statuses(ws), {
      "WP-R": "ready",
      "WP-P": "ready",
      "WP-G": "ready",
      "WP-D": "ready",
      "WP-B": "blocked",
    });
    const conflicts = (sync.data?.conflicts ?? []) as { wp_id: string; code: string; board_status: string }[];
    assert.deepEqual(
      conflicts.map((conflict) => [conflict.wp_id, conflict.board_status, conflict.code]).sort(),
      [
        ["WP-D", "DONE", "HSK-403-CAPABILITY"],
        ["WP-G", "GATED", "HSK-403-CAPABILITY"],
        ["WP-P", "IN_PROGRESS", "HSK-403-CAPABILITY"],
      ],
    );
    const events = ws.events();
    assert.equal(
      events.filter((event) => event.event_name === "work_packet_gated").length,
      0,
      "no gate event",
    );
    const gateDecisions = events.filter(
      (event) => event.event_name === "capability_decision" && event.payload.capability_id === "locus.gate",
    );
    assert.deepEqual(
      gateDecisions.map((event) => event.payload.decision_outcome),
      ["deny"],
      "the Coder's missing locus.gate is recorded once",
    );
    ws.assertIntact();
    // The board now says what the store says: the refused entries sit under Ready.
    const again = resultOf(ws.as("Coder", ["board", "sync", "--json"]));
    assert.equal(again.data?.written, false, "a second sync has nothing to change");
    assert.deepEqual(again.data?.conflicts, []);
    reimports(ws);
  });

  it("an Operator's adoption passes the gates, notes each as adopted, and records locus.gate in the same job", () => {
    const ws = withBoard();
    workspaces.push(ws);
    const sync = resultOf(ws.as("Operator", ["board", "sync", "--import-unknown", "--json"]));
    assert.equal(sync.success, true);
    assert.deepEqual(sync.data?.conflicts, []);
    assert.deepEqual(statuses(ws), {
      "WP-R": "ready",
      "WP-P": "in_progress",
      "WP-G": "gated",
      "WP-D": "done",
      "WP-B": "blocked",
    });
    const events = ws.events();
    const gates = events.filter((event) => event.event_name === "work_packet_gated");
    assert.equal(gates.length, 4, "pre_work for P, G, D and post_work for D");
    const jobs = new Set(gates.map((event) => event.job_id));
    assert.equal(jobs.size, 1, "all in the sync's job");
    const allowed = events.filter(
      (event) =>
        event.event_name === "capability_decision" &&
        event.payload.capability_id === "locus.gate" &&
        event.payload.decision_outcome === "allow" &&
        jobs.has(event.job_id),
    );
    assert.equal(allowed.length, 1, "the job recorded its locus.gate decision");
    for (const gate of gates) {
      assert.match(
        JSON.stringify(gate.payload.note),
        /adopted from the Task Board \(docs\/TASK_BOARD\.md line \d+/,
      );
    }
    // The entries keep their own tokens and text: the adopted board is not rewritten.
    const again = resultOf(ws.as("Operator", ["board", "sync", "--json"]));
    assert.equal(again.data?.written, false);
    ws.assertIntact();
    reimports(ws);
  });

  it("over MCP as a Coder the same adoption stops at ready", async () => {
    const ws = withBoard();
    workspaces.push(ws);
    const { rawMcpSession, replyTo, toolCall } = await import("../mcp-client/raw-session.js");
    const session = await rawMcpSession(ws.dir, [toolCall(1, "sync_task_board", '{"import_unknown":true}')]);
    const body = JSON.parse(replyTo(session, 1)?.result?.content?.[0]?.text ?? "{}");
    assert.equal(body.success, true, JSON.stringify(body).slice(0, 300));
    assert.deepEqual(
      Object.values(statuses(ws)).filter((status) => status !== "ready" && status !== "blocked"),
      [],
    );
    ws.assertIntact();
  });
});
