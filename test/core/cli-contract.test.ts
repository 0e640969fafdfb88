import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { jobLine, locus, startLocus, tempWorkspace } from "../support/cli.js";

// Section 11: the command line contract, through the real `locus` process.
const W = ["locus.write"];
const G = ["locus.gate"];
const R = ["locus.read"];
const WP = "WP-1-MEX-v1.2-Runtime-v3";

describe("locus exec, events and verify as real processes", () => {
  it("runs the whole lifecycle as JSON Lines, one result per line, in order", () => {
    const dir = tempWorkspace();
    const iteration = (n: number, outcome: string, model: string) =>
      jobLine(
        "record_iteration",
        {
          wp_id: WP,
          mt_id: "MT-001",
          iteration: n,
          model_id: model,
          outcome,
          tokens_prompt: 10,
          tokens_completion: 5,
        },
        W,
      );
    const lines = [
      jobLine("create_wp", { wp_id: WP, title: "Runtime" }, W),
      jobLine("update_wp", { wp_id: WP, updates: { status: "ready" } }, W),
      jobLine("gate_wp", { wp_id: WP, gate: "pre_work", result: { status: "pass" } }, G),
      jobLine(
        "register_mts",
        {
          wp_id: WP,
          micro_tasks: [
            {
              mt_id: "MT-001",
              name: "core",
              escalation_chain: [
                { level: 0, model_id: "s" },
                { level: 1, model_id: "l" },
              ],
            },
          ],
        },
        W,
      ),
      jobLine("start_mt", { wp_id: WP, mt_id: "MT-001" }, W),
      iteration(1, "RETRY", "s"),
      iteration(2, "ESCALATE", "s"),
      iteration(1, "SUCCESS", "l"),
      jobLine("complete_mt", { wp_id: WP, mt_id: "MT-001" }, W),
      jobLine("gate_wp", { wp_id: WP, gate: "post_work", result: { status: "pass" } }, G),
      jobLine("close_wp", { wp_id: WP }, W),
      jobLine("get_wp_status", { wp_id: WP }, R),
    ];
    const run = locus(dir, ["exec"], `${lines.join("\n")}\n`);
    assert.equal(run.status, 0, run.stderr);
    const results = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.equal(results.length, lines.length);
    assert.deepEqual(
      results.map((r) => r.events_emitted),
      [
        ["FR-EVT-WP-001"],
        ["FR-EVT-WP-002"],
        ["FR-EVT-WP-003"],
        ["FR-EVT-MT-001"],
        ["FR-EVT-MT-003"],
        ["FR-EVT-MT-002"],
        ["FR-EVT-MT-002", "FR-EVT-MT-005"],
        ["FR-EVT-MT-002"],
        ["FR-EVT-MT-004"],
        ["FR-EVT-WP-003"],
        ["FR-EVT-WP-004"],
        ["FR-EVT-QUERY-001"],
      ],
    );
    const final = results.at(-1).data;
    assert.equal(final.wp.status, "done");
    assert.deepEqual(final.wp.micro_tasks, {
      total: 1,
      completed: 1,
      failed: 0,
      in_progress: 0,
      skipped: 0,
      mt_ids: ["MT-001"],
    });

    const events = locus(dir, ["events", "--json", "--wp", WP]);
    assert.equal(events.status, 0);
    const stored = events.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.ok(stored.length >= 12 && stored.every((e) => e.payload.wp_id === WP));
    assert.ok(stored.every((e, i) => i === 0 || e.seq > stored[i - 1].seq));
    const since = locus(dir, ["events", "--json", "--since", String(stored.at(-2).seq)]);
    assert.equal(since.stdout.trim().split("\n").length >= 1, true);
    assert.equal(locus(dir, ["events", "verify"]).status, 0);
    assert.equal(locus(dir, ["replay"]).status, 0);

    // Tamper with one stored event: verify names it and exits 1.
    const db = new Database(join(dir, ".locus", "locus.db"));
    const target = stored[3];
    // Issue 20: a payload is stored packed; an edit writes it back as JSON text, which readers still take.
    db.prepare("UPDATE events SET payload = ? WHERE seq = ?").run(
      JSON.stringify({ ...target.payload, tampered: 1 }),
      target.seq,
    );
    db.close();
    const verify = locus(dir, ["--json", "events", "verify"]);
    assert.equal(verify.status, 1);
    assert.equal(JSON.parse(verify.stdout).data.first_bad_seq, target.seq);
  });

  it("exits 1 when any job fails, 2 on usage errors, and refuses through profiles and actors", () => {
    const dir = tempWorkspace();
    const mixed = [
      jobLine("create_wp", { wp_id: "WP-a", title: "a" }, W),
      "{not json",
      jobLine("create_wp", { title: "" }, W),
    ].join("\n");
    const run = locus(dir, ["exec"], mixed);
    assert.equal(run.status, 1);
    const codes = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      codes.map((r) => (r.success ? "ok" : r.error.code)),
      ["ok", "HSK-400-INVALID-JOB", "HSK-400-INVALID-PARAMS"],
    );
    assert.equal(codes[2].error.details.field, "params.title");
    assert.equal(locus(dir, ["exec"], "").status, 2);
    assert.equal(locus(dir, ["no-such-command"]).status, 2);
    const gate = locus(
      dir,
      ["exec", "--profile", "Coder"],
      jobLine("gate_wp", { wp_id: "WP-a", gate: "pre_work", result: { status: "pass" } }, G),
    );
    assert.equal(gate.status, 1);
    assert.equal(JSON.parse(gate.stdout).error.code, "HSK-403-CAPABILITY");
    const viaEnv = locus(dir, ["exec"], jobLine("update_wp", { wp_id: "WP-a", updates: { title: "b" } }, W), {
      LOCUS_PROFILE: "Analyst",
      LOCUS_ACTOR: "bot-3",
    });
    assert.equal(JSON.parse(viaEnv.stdout).error.code, "HSK-403-CAPABILITY");
    const events = locus(dir, ["events", "--json"])
      .stdout.trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.ok(
      events.some(
        (e) =>
          e.event_name === "capability_decision" &&
          e.actor_id === "bot-3" &&
          e.payload.decision_outcome === "deny",
      ),
    );
  });

  it("a single job from --file prints one result; a store named by --store or LOCUS_STORE works without .locus", async () => {
    const dir = tempWorkspace();
    const other = join(dir, "elsewhere.db");
    const created = locus(
      dir,
      ["--store", `sqlite:${other}`, "exec"],
      JSON.stringify(JSON.parse(jobLine("create_wp", { wp_id: "WP-s", title: "s" }, W)), null, 2),
    );
    assert.equal(created.status, 0, created.stderr);
    const listed = locus(dir, ["exec"], jobLine("list_wps", {}, R), { LOCUS_STORE: other });
    assert.equal(JSON.parse(listed.stdout).data.total_count, 1);
    const home = locus(dir, ["exec"], jobLine("list_wps", {}, R));
    assert.equal(
      JSON.parse(home.stdout).data.total_count,
      0,
      "the workspace's own store is a different file",
    );
  });

  it("separate processes racing with one expected_version: exactly one wins each round, while others wait", async () => {
    const dir = tempWorkspace();
    locus(dir, ["exec"], jobLine("create_wp", { wp_id: "WP-r", title: "r" }, W));
    // Six processes (actors racer-0..5), each a batch that claims version 1, then 2, ... of one WP: every
    // version is won exactly once. The processes load first, held on stdin, then start together.
    const ROUNDS = 40;
    const racers = Array.from({ length: 6 }, (_, i) =>
      startLocus(dir, ["exec"], { LOCUS_ACTOR: `racer-${i}` }),
    );
    await new Promise((wait) => setTimeout(wait, 300));
    for (const [i, racer] of racers.entries())
      racer.release(
        Array.from({ length: ROUNDS }, (_, v) =>
          jobLine(
            "update_wp",
            { wp_id: "WP-r", updates: { assignee: `agent-${i}-${v}` }, expected_version: v + 1 },
            W,
          ),
        ).join("\n"),
      );
    type Outcome = { success: boolean; job_id: string; duration_ms: number; error?: { code: string } };
    const batches = (await Promise.all(racers.map((r) => r.done))).map((run) =>
      run.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Outcome),
    );
    for (let v = 0; v < ROUNDS; v++) {
      const round = batches.map((batch) => batch[v]);
      assert.equal(round.filter((o) => o?.success).length, 1, `expected_version ${v + 1}: one winner`);
      assert.ok(round.every((o) => o?.success || o?.error?.code === "HSK-409-CONFLICT"));
    }
    const status = locus(dir, ["exec"], jobLine("get_wp_status", { wp_id: "WP-r" }, R));
    assert.equal(JSON.parse(status.stdout).data.wp.version, ROUNDS + 1);

    // The processes really overlapped: some job of one racer was in flight (from its start, its end minus its
    // duration, to its end, the stamp of its last transaction) while another racer committed an event.
    const events = locus(dir, ["events", "--json"])
      .stdout.trim()
      .split("\n")
      .map(
        (line) => JSON.parse(line) as { actor_id: string; timestamp: string; payload: { job_id?: string } },
      )
      .filter((e) => e.actor_id.startsWith("racer-"));
    const endOf = new Map<string, number>();
    for (const e of events) if (e.payload.job_id) endOf.set(e.payload.job_id, Date.parse(e.timestamp));
    const overlapped = batches.some((batch, i) =>
      batch.some((job) => {
        const end = endOf.get(job.job_id) ?? Number.NaN;
        const start = end - job.duration_ms;
        // 1 ms either side for the clock's resolution.
        return events.some((e) => {
          const t = Date.parse(e.timestamp);
          return e.actor_id !== `racer-${i}` && t > start + 1 && t < end - 1;
        });
      }),
    );
    const wins = batches.map((batch) => batch.filter((o) => o.success).length).join(",");
    assert.ok(overlapped, `no racer committed while another's job was in flight (wins ${wins})`);
  });
});
