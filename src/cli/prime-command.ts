import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import {
  agentBrief,
  agentRules,
  type BriefFacts,
  type BriefWp,
  upsertMarkedSection,
} from "../agents/agent-brief.js";
import type { TrackedWorkPacket } from "../domain/records.js";
import { surfaceGrants } from "../operations/workspace-config.js";
import type { Workspace } from "../workspace/workspace.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { commandJson, printResult } from "./cli-output.js";
import { wholeNumber } from "./number-option.js";

// Section 17: `locus prime` (the brief an agent reads when it starts) and `locus init --agents` (the same rules in a
// marked section of AGENTS.md, and of CLAUDE.md when present). The text is src/agents/agent-brief.ts.

/** `locus prime [--limit N]`: the rules for this actor and profile, and the top of the ready list it could claim. */
export function registerPrime(program: Command): void {
  program
    .command("prime")
    .description(
      "Print a short Markdown brief for an agent starting work here: how to claim, report and ask for gates, its profile, its ready list",
    )
    .option("--limit <n>", "how many ready WPs to list", wholeNumber(0), 5)
    .addHelpText("after", "\nExample:\n  LOCUS_ACTOR=agent-7 LOCUS_PROFILE=Coder locus prime")
    .action(async (options: { limit: number }, command: Command) => {
      const { workspace, engine, actor } = await openEngine(command);
      try {
        const surface = globalOptions(command);
        const facts: BriefFacts = {
          actor,
          ...profileOf(workspace, surface.profile),
          leaseSeconds: workspace.config.lease_seconds,
        };
        const result = await engine.run("query_ready", {
          free: true,
          limit: Math.max(1, options.limit),
          sort_by: "hybrid",
        });
        if (!result.success) {
          printResult(result, surface.json, () => "");
          return;
        }
        const wps = (result.data.ready_wps as TrackedWorkPacket[]).slice(0, options.limit);
        const ready: BriefWp[] = wps.map((wp) => ({
          wp_id: wp.wp_id,
          title: wp.title,
          priority: wp.priority,
          status: wp.status,
          pre_work: wp.governance.gates.pre_work.status,
        }));
        const brief = agentBrief(facts, ready, result.data.total_count as number);
        process.stdout.write(
          surface.json
            ? commandJson({
                brief,
                bytes: Buffer.byteLength(brief),
                ...facts,
                ready: ready.map((wp) => wp.wp_id),
              })
            : brief,
        );
      } finally {
        await workspace.store.close();
      }
    });
}

/** The profile in force for this surface (--profile, else the workspace default) and what it grants. */
function profileOf(
  workspace: Workspace,
  profile: string | undefined,
): Pick<BriefFacts, "profile" | "grants"> {
  const resolved = surfaceGrants(workspace.config, profile);
  return { profile: resolved.profile, grants: [...resolved.grants] };
}

/** The files `init --agents` writes: AGENTS.md always, CLAUDE.md only when the project has one. */
const AGENT_FILES = ["AGENTS.md", "CLAUDE.md"] as const;

/**
 * `locus init --agents`: writes the rules between Locus's markers in AGENTS.md (made when missing) and CLAUDE.md (when
 * present), in the workspace's root, replacing an earlier section in place and never touching the rest.
 */
export function writeAgentInstructions(workspace: Workspace): string[] {
  const rules = agentRules({
    ...profileOf(workspace, undefined),
    leaseSeconds: workspace.config.lease_seconds,
  });
  const written: string[] = [];
  for (const name of AGENT_FILES) {
    const file = join(workspace.root, name);
    if (name !== "AGENTS.md" && !existsSync(file)) continue;
    const before = existsSync(file) ? readFileSync(file, "utf8") : "";
    const after = upsertMarkedSection(before, rules);
    if (after !== before) writeFileSync(file, after);
    written.push(name);
  }
  return written;
}
