import type { Command } from "commander";
import type { TrackedWorkPacket } from "../domain/records.js";
import type { LocusResult } from "../operations/envelope.js";
import type { LocusEngine } from "../operations/locus-engine.js";
import type { OperationDefinition } from "../operations/operation.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { cliFailure, printResult } from "./cli-output.js";
import { addParamOptions, paramsFrom } from "./operation-commands.js";
import { wpCard } from "./result-render.js";

// `locus claim`: the decision (section 5 says a ready WP starts only through its pre_work gate).
// Claim takes the best ready WP (query_ready order) that nobody is assigned to, and in ONE update_wp with
// `expected_version` (compare-and-set) sets `assignee` to the actor and, when pre_work already passed or was
// skipped, also moves a `ready` WP to `in_progress`. A ready WP whose pre_work gate is still pending is
// claimed but stays `ready` (`started: false`): a Coder cannot pass its own gate. An unassigned in_progress
// WP (e.g. released by someone) is simply re-assigned. On HSK-409-CONFLICT another agent won that WP: claim
// moves on to the next candidate, so N agents claiming at once end with N different WPs.

const PAGE = 100;
const MAX_PAGES = 50;

const prePassed = (wp: TrackedWorkPacket): boolean =>
  wp.governance.gates.pre_work.status === "pass" || wp.governance.gates.pre_work.status === "skip";

/** Tries to take `wp` for `actor` with compare-and-set; returns the update_wp result. */
function takeWp(engine: LocusEngine, wp: TrackedWorkPacket, actor: string): Promise<LocusResult> {
  const start = wp.status === "ready" && prePassed(wp);
  return engine.run("update_wp", {
    wp_id: wp.wp_id,
    expected_version: wp.version,
    updates: { assignee: actor, ...(start ? { status: "in_progress" } : {}) },
    note: { content: `claimed by ${actor}${start ? " and started" : ""}`, note_type: "system" },
  });
}

/** Adds what the claim decided to a successful update result. */
function claimed(result: LocusResult, attempts: number): LocusResult {
  if (!result.success) return result;
  const wp = result.data.wp as TrackedWorkPacket;
  return {
    ...result,
    data: {
      ...result.data,
      claimed: wp.wp_id,
      started: wp.status === "in_progress",
      attempts,
      ...(wp.status === "in_progress"
        ? {}
        : { next: `pass the pre_work gate: locus gate ${wp.wp_id} pre_work pass` }),
    },
  };
}

/** Claims the best ready, unassigned WP matching `filters` (or exactly `wpId`) for `actor`. */
export async function claimWork(
  engine: LocusEngine,
  actor: string,
  filters: Record<string, unknown>,
  wpId?: string,
): Promise<LocusResult> {
  let attempts = 0;
  if (wpId !== undefined) {
    for (;;) {
      const status = await engine.run("get_wp_status", { wp_id: wpId });
      if (!status.success) return status;
      const wp = status.data.wp as TrackedWorkPacket;
      if (wp.assignee !== undefined && wp.assignee !== actor)
        return cliFailure("HSK-409-CONFLICT", `${wpId} is already claimed by ${wp.assignee}`, {
          field: "wp_id",
          assignee: wp.assignee,
        });
      attempts += 1;
      const result = await takeWp(engine, wp, actor);
      if (result.success || result.error.code !== "HSK-409-CONFLICT") return claimed(result, attempts);
    }
  }
  for (let page = 0; page < MAX_PAGES; page++) {
    const ready = await engine.run("query_ready", { ...filters, offset: page * PAGE, limit: PAGE });
    if (!ready.success) return ready;
    const wps = ready.data.ready_wps as TrackedWorkPacket[];
    for (const wp of wps) {
      if (wp.assignee !== undefined) continue;
      attempts += 1;
      const result = await takeWp(engine, wp, actor);
      // A conflict means another agent changed this WP since we read it: try the next candidate.
      if (!result.success && result.error.code === "HSK-409-CONFLICT") continue;
      return claimed(result, attempts);
    }
    if ((page + 1) * PAGE >= (ready.data.total_count as number)) break;
  }
  return cliFailure("HSK-404-NOT-FOUND", "no ready, unassigned work packet matches", {
    field: "filters",
    attempts,
    filters,
  });
}

/** `locus claim [--wp ID] [ready filters]`. */
export function registerClaim(program: Command, queryReady: OperationDefinition | undefined): void {
  const command = program
    .command("claim")
    .description(
      "Atomically take the best ready, unassigned work packet: assign it to you and start it when pre_work passed",
    )
    .option("--wp <id>", "claim this work packet instead of the best ready one");
  const fields = queryReady
    ? addParamOptions(command, queryReady, [], ["offset", "limit", "assignee", "statuses"])
    : [];
  command.addHelpText(
    "after",
    "\nCompare-and-set on the WP version: agents claiming at once get different WPs.\nExample:\n  LOCUS_ACTOR=agent-7 locus claim --labels backend --json",
  );
  command.action(async (options: { wp?: string }, self: Command) => {
    const filters = paramsFrom(self, fields, []);
    const { engine, actor } = await openEngine(self);
    try {
      const result = await claimWork(engine, actor, filters, options.wp);
      printResult(result, globalOptions(self).json, (data) => {
        const started = data.started ? "claimed and started" : "claimed (waiting for its pre_work gate)";
        return `${started}\n${wpCard(data.wp as TrackedWorkPacket)}${data.next ? `\nnext: ${String(data.next)}` : ""}`;
      });
    } finally {
      await engine.close();
    }
  });
}
