import type { Command } from "commander";
import type { TrackedWorkPacket } from "../domain/records.js";
import type { OperationDefinition } from "../operations/operation.js";
import { addParamOptions, paramsFrom, runOperation } from "./operation-commands.js";
import { wpCard } from "./result-render.js";

// `locus claim`: the catalog's claim_wp operation (src/operations/work-packets/claim-wp.op.ts), which picks the
// best ready, unassigned WP and assigns it in one transaction, so N agents claiming at once get N different
// WPs. MCP agents call the same operation as the `claim_wp` tool. This file only gives the command its
// friendly shape: `claim [wp_id]`, `--wp` kept as a synonym of the positional id, and a readable summary.

/** The text a person sees after a claim. */
function renderClaim(data: Record<string, unknown>): string {
  const started = data.started ? "claimed and started" : "claimed (waiting for its pre_work gate)";
  const wp = data.wp as TrackedWorkPacket;
  const next = data.started ? "" : `\nnext: pass the pre_work gate: locus gate ${wp.wp_id} pre_work pass`;
  return `${started}\n${wpCard(wp)}${next}`;
}

/** `locus claim [wp_id] [--wp ID] [ready filters]`, generated from the claim_wp definition. */
export function registerClaim(program: Command, claimWp: OperationDefinition | undefined): void {
  if (claimWp === undefined) return; // a catalog without claim_wp gets no claim command
  const command = program
    .command("claim")
    .description(`${claimWp.summary} [${claimWp.name}, needs ${claimWp.capabilities.join(", ")}]`);
  const fields = addParamOptions(command, claimWp, ["wp_id"]);
  command.option(
    "--wp <id>",
    "same as the wp_id argument: claim this work packet instead of the best ready one",
  );
  command.addHelpText(
    "after",
    "\nOne transaction picks and assigns: agents claiming at once get different WPs.\nExample:\n  LOCUS_ACTOR=agent-7 locus claim --labels backend --json",
  );
  command.action(async (...args: unknown[]) => {
    const self = args[args.length - 1] as Command;
    const params = paramsFrom(self, fields, ["wp_id"]);
    const wp = (self.opts() as { wp?: string }).wp;
    if (wp !== undefined && params.wp_id === undefined) params.wp_id = wp;
    await runOperation(self, claimWp.name, params, renderClaim);
  });
}
