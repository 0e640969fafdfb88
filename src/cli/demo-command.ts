import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TrackedWorkPacket } from "../domain/records.js";
import { CATALOG } from "../operations/catalog.js";
import type { LocusResult } from "../operations/envelope.js";
import { verifyStore } from "../operations/flight-recorder.js";
import { LocusEngine } from "../operations/locus-engine.js";
import { initWorkspace, type Workspace } from "../workspace/workspace.js";
import { commandJson } from "./cli-output.js";
import { wpTable } from "./result-render.js";
import { paint } from "./terminal-style.js";

// `locus demo`: a small auth project walked through the lifecycle in a fresh embedded-SQLite workspace, with
// three actors on their own capability profiles, so a newcomer sees what Locus does in one run.

interface DemoOptions {
  keep: boolean;
  json: boolean;
}

/** One actor: an engine whose surface has the actor's name and profile. */
function actorEngine(workspace: Workspace, actor: string, profile: string): LocusEngine {
  return new LocusEngine(workspace.store, {
    config: workspace.config,
    workspaceRoot: workspace.root,
    surface: { actor, profile },
  });
}

/** Runs the demo; prints a narrated walk-through (or, with json, one summary object). */
export async function runDemo(options: DemoOptions): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "locus-demo-"));
  const workspace = await initWorkspace(dir);
  const say = (text: string) => {
    if (!options.json) process.stdout.write(`${text}\n`);
  };
  const steps: { step: string; ok: boolean; code?: string }[] = [];
  const run = async (
    label: string,
    engine: LocusEngine,
    operation: string,
    params: Record<string, unknown>,
    expectFailure = false,
  ): Promise<LocusResult> => {
    const result = await engine.run(operation, params);
    steps.push({ step: label, ok: result.success, ...(result.success ? {} : { code: result.error.code }) });
    const mark = result.success ? paint("green", "ok ") : paint(expectFailure ? "yellow" : "red", "no ");
    const why = result.success ? "" : paint("dim", `  (${result.error.code}: ${result.error.message})`);
    say(`  ${mark} ${label}${why}`);
    if (!result.success && !expectFailure)
      throw new Error(`demo step failed: ${label}: ${result.error.message}`);
    return result;
  };

  const alice = actorEngine(workspace, "alice", "Orchestrator");
  const coder = actorEngine(workspace, "agent-7", "Coder");
  const validator = actorEngine(workspace, "val", "Validator");
  try {
    say(paint("bold", `Locus demo in ${dir}`));
    say("\n1. alice (Orchestrator) plans the auth work");
    const plan = [
      ["WP-auth-1", "Design the session token schema", 1, "backend"],
      ["WP-auth-2", "Implement the login endpoint", 1, "backend"],
      ["WP-auth-3", "Expire idle sessions", 2, "backend"],
      ["WP-docs-1", "Document the auth API", 3, "docs"],
      ["WP-ops-1", "Add the CI pipeline", 2, "ops"],
    ] as const;
    for (const [wpId, title, priority, label] of plan)
      await run(`create ${wpId} "${title}"`, alice, "create_wp", {
        wp_id: wpId,
        title,
        priority,
        labels: [label],
      });
    for (const [from, to] of [
      ["WP-auth-1", "WP-auth-2"],
      ["WP-auth-2", "WP-auth-3"],
      ["WP-auth-2", "WP-docs-1"],
    ] as const)
      await run(`${from} blocks ${to}`, alice, "add_dependency", {
        from_wp_id: from,
        to_wp_id: to,
        type: "blocks",
      });
    for (const [wpId] of plan)
      await run(`refine ${wpId} -> ready`, alice, "update_wp", { wp_id: wpId, updates: { status: "ready" } });

    say("\n2. val (Validator) passes the pre-work gate of WP-auth-1; agent-7 (Coder) claims work");
    await run("pre_work gate of WP-auth-1: pass", validator, "gate_wp", {
      wp_id: "WP-auth-1",
      gate: "pre_work",
      result: { status: "pass", notes: "scope and done criteria agreed" },
    });
    const claim = await coder.run("claim_wp", { labels: ["backend"] });
    const claimedWp = claim.success ? (claim.data.wp as TrackedWorkPacket) : undefined;
    steps.push({ step: "claim", ok: claim.success });
    say(
      `  ${paint("green", "ok ")} agent-7 claims ${claimedWp?.wp_id} (now ${claimedWp?.status}, assignee ${claimedWp?.assignee})`,
    );

    const resume = { wp_id: "WP-auth-1", updates: { status: "in_progress" } };
    say("\n3. agent-7 works through micro-tasks; an escalation reaches a hard gate a person must lift");
    // MT-001 takes the workspace execution policy's default chain; MT-002 brings its own, shorter one, whose
    // third level is a person (a hard gate) and whose last is a cloud model the policy does not allow.
    const chain = [
      { level: 0, model_id: "local-coder-7b" },
      { level: 1, model_id: "local-coder-14b" },
      { level: 2, model_id: "human-review", is_hard_gate: true },
      { level: 3, model_id: "cloud-coder-large", is_cloud: true, is_hard_gate: true },
    ];
    await run(
      "register MT-001 (schema, default chain) and MT-002 (migration, own chain)",
      coder,
      "register_mts",
      {
        wp_id: "WP-auth-1",
        micro_tasks: [
          { mt_id: "MT-001", name: "Write the token schema", done_criteria: ["schema validates"] },
          {
            mt_id: "MT-002",
            name: "Write the migration",
            depends_on: ["MT-001"],
            max_iterations: 3,
            escalation_chain: chain,
          },
        ],
      },
    );
    const iterate = (mt: string, iteration: number, outcome: string, model: string, expectFailure = false) =>
      run(
        `${mt} iteration ${iteration} on ${model}: ${outcome}`,
        coder,
        "record_iteration",
        {
          wp_id: "WP-auth-1",
          mt_id: mt,
          iteration,
          outcome,
          model_id: model,
          tokens_prompt: 1200 * iteration,
          tokens_completion: 300,
          claimed_complete: outcome === "SUCCESS",
        },
        expectFailure,
      );
    await run("start MT-001", coder, "start_mt", { wp_id: "WP-auth-1", mt_id: "MT-001" });
    await iterate("MT-001", 1, "SUCCESS", "local:7b");
    await run("complete MT-001", coder, "complete_mt", { wp_id: "WP-auth-1", mt_id: "MT-001" });
    await run("start MT-002", coder, "start_mt", { wp_id: "WP-auth-1", mt_id: "MT-002" });
    await iterate("MT-002", 1, "RETRY", "local-coder-7b");
    await iterate("MT-002", 2, "ESCALATE", "local-coder-7b");
    await iterate("MT-002", 1, "ESCALATE", "local-coder-14b");
    say("     the next level is a hard gate: WP-auth-1 is now gated and its micro-tasks wait");
    await iterate("MT-002", 1, "SUCCESS", "human-review", true);
    await run("agent-7 tries to resume WP-auth-1", coder, "update_wp", resume, true);
    await run("alice (holds locus.gate) resumes WP-auth-1", alice, "update_wp", resume);
    await iterate("MT-002", 1, "SUCCESS", "human-review");
    await run("complete MT-002", coder, "complete_mt", { wp_id: "WP-auth-1", mt_id: "MT-002" });

    say("\n4. Gates: a Coder cannot pass its own gate; the Validator can");
    const gate = { wp_id: "WP-auth-1", gate: "post_work", result: { status: "pass", notes: "tests green" } };
    await run("agent-7 tries the post_work gate", coder, "gate_wp", gate, true);
    await run("val passes the post_work gate (WP-auth-1 -> done)", validator, "gate_wp", gate);
    await run("close WP-auth-1", coder, "close_wp", { wp_id: "WP-auth-1" });

    const ready = await alice.run("query_ready", { limit: 20 });
    const readyWps = ready.success ? (ready.data.ready_wps as TrackedWorkPacket[]) : [];
    say(`\n5. Ready now (WP-auth-2 was unblocked when WP-auth-1 closed):\n${wpTable(readyWps)}`);

    const board = await showBoard(workspace, alice, say);
    const chainReport = await verifyStore(workspace.store);
    say(
      `\nFlight Recorder: ${chainReport.checked} events, hash chain ${chainReport.ok ? paint("green", "verified") : paint("red", "BROKEN")}`,
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    say(`Done in ${seconds} s.${options.keep ? ` Workspace kept: cd ${dir} && locus ready` : ""}`);
    if (options.json) {
      process.stdout.write(
        commandJson({
          workspace: options.keep ? dir : null,
          steps,
          ready: readyWps.map((wp) => wp.wp_id),
          board,
          chain: chainReport,
        }),
      );
    }
  } finally {
    await workspace.store.close();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** The Task Board: synced through sync_task_board when the catalog has it, else grouped from list_wps. */
async function showBoard(
  workspace: Workspace,
  engine: LocusEngine,
  say: (text: string) => void,
): Promise<string> {
  if (CATALOG.has("sync_task_board")) {
    const synced = await engine.run("sync_task_board", {});
    const path = join(workspace.root, workspace.config.board_path);
    if (synced.success && existsSync(path)) {
      const text = readFileSync(path, "utf8");
      say(
        `\n6. The Task Board (${workspace.config.board_path}, kept in sync both ways):\n${paint("dim", text)}`,
      );
      return text;
    }
  }
  const listed = await engine.run("list_wps", { limit: 1000 });
  const wps = listed.success ? (listed.data.wps as TrackedWorkPacket[]) : [];
  const lines: string[] = [];
  for (const status of ["stub", "ready", "in_progress", "blocked", "gated", "done", "cancelled"]) {
    const here = wps.filter((wp) => wp.status === status);
    if (here.length === 0) continue;
    lines.push(
      `## ${status.toUpperCase()}`,
      ...here.map((wp) => `- **[${wp.wp_id}]** - [${wp.governance.task_board_token}] ${wp.title}`),
      "",
    );
  }
  const text = lines.join("\n");
  say(`\n6. The board (by status):\n${text}`);
  return text;
}
