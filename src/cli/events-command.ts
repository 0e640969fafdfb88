import type { Command } from "commander";
import { isLocusError } from "../domain/errors.js";
import { type AuditReport, auditWp } from "../operations/audit-trail.js";
import { rebuildFromLog, replayCheck, verifyStore } from "../operations/flight-recorder.js";
import { EXIT, globalOptions, openEngine } from "./cli-context.js";
import { commandJson, failureJson, printFailure } from "./cli-output.js";
import { humanEventLine } from "./event-line.js";
import { wholeNumber } from "./number-option.js";
import { withReplayProgress } from "./replay-progress.js";
import { writeLines } from "./stdout-writer.js";

/** `locus events` (JSON Lines of stored events), `locus events verify`, `locus replay` and `locus audit`. */
export function registerEvents(program: Command): void {
  const events = program
    .command("events")
    .description("Print Flight Recorder events (JSON Lines with --json)")
    .option("--since <seq>", "only events after this seq", wholeNumber(0))
    .option("--wp <id>", "only events about this work packet")
    .option("--limit <n>", "at most this many events", wholeNumber(0))
    .action(async (options: { since?: number; wp?: string; limit?: number }, command: Command) => {
      const { engine } = await openEngine(command);
      try {
        const stored = await engine.store.readEvents({
          ...(options.since !== undefined ? { afterSeq: options.since } : {}),
          ...(options.wp !== undefined ? { wpId: options.wp } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
        });
        const json = globalOptions(command).json;
        const line = (event: (typeof stored)[number]): string =>
          json ? JSON.stringify(event) : humanEventLine(event, true);
        await writeLines(stored, line);
      } finally {
        await engine.close();
      }
    });

  events
    .command("verify")
    .description("Recompute the hash chain; exit 1 and name the first bad seq when it is broken")
    .action(async (_options: unknown, command: Command) => {
      const { engine } = await openEngine(command);
      try {
        const report = await verifyStore(engine.store);
        if (globalOptions(command).json) process.stdout.write(commandJson({ ...report }));
        else if (report.ok) process.stdout.write(`chain ok: ${report.checked} events verified\n`);
        else process.stdout.write(`chain BROKEN at seq ${report.first_bad_seq}: ${report.reason}\n`);
        process.exitCode = report.ok ? EXIT.ok : EXIT.failed;
      } finally {
        await engine.close();
      }
    });

  program
    .command("audit")
    .description(
      "Who changed a work packet, under which profile, allowed by which decisions (from the log alone)",
    )
    .argument("<wp_id>", "the work packet, e.g. WP-1")
    .action(async (wpId: string, _options: unknown, command: Command) => {
      const { engine } = await openEngine(command);
      const json = globalOptions(command).json;
      try {
        const report = await auditWp(engine.store, wpId);
        process.stdout.write(json ? commandJson({ ...report }) : auditText(report));
        process.exitCode = report.chain.ok ? EXIT.ok : EXIT.failed;
      } catch (error) {
        if (!isLocusError(error)) throw error;
        const failure = { code: error.code, message: error.toJSON().message, details: error.details ?? {} };
        if (json) process.stdout.write(failureJson(failure));
        else printFailure(failure);
        process.exitCode = EXIT.failed;
      } finally {
        await engine.close();
      }
    });

  program
    .command("replay")
    .description("Rebuild WPs, MTs and dependencies from the event log and compare with the live state")
    .option("--rebuild", "replace the live tables with the replayed state")
    .action(async (options: { rebuild?: boolean }, command: Command) => {
      const { engine } = await openEngine(command);
      try {
        // Progress on stderr (a terminal, or LOCUS_PROGRESS=1): --rebuild reads the log twice.
        const { store, finish } = await withReplayProgress(
          engine.store,
          options.rebuild ? "rebuilding" : "replaying",
          options.rebuild ? 2 : 1,
        );
        const report = options.rebuild ? await rebuildFromLog(store) : await replayCheck(store);
        finish();
        if (globalOptions(command).json) process.stdout.write(commandJson({ ...report }));
        else {
          process.stdout.write(
            `${report.ok ? "replay matches" : "replay DIFFERS from"} the live state: ${report.events} events, ${report.wps} WPs, ${report.mts} MTs, ${report.dependencies} dependencies\n`,
          );
          for (const mismatch of report.mismatches) process.stdout.write(`  ${mismatch}\n`);
        }
        process.exitCode = report.ok ? EXIT.ok : EXIT.failed;
      } finally {
        await engine.close();
      }
    });
}

/** The audit as people read it: one block per change, then the chain's verdict. */
function auditText(report: AuditReport): string {
  const lines = [`Audit of ${report.wp_id}: ${report.changes.length} changes`];
  for (const change of report.changes) {
    const allowed = change.decisions
      .map((d) => `${d.capability_id} ${d.outcome}${d.reason ? ` (${d.reason})` : ""}`)
      .join(", ");
    lines.push(
      `${change.timestamp}  #${change.seq}  ${change.actor_id} as ${change.profile ?? "(no profile recorded)"} via ${change.operation}`,
      `    ${change.summary}`,
      `    allowed by: ${allowed || "no decision recorded"}`,
    );
    if (change.gate?.notes) lines.push(`    gate notes: ${change.gate.notes}`);
  }
  lines.push(
    report.chain.ok
      ? `chain ok: ${report.chain.checked} events verified`
      : `chain BROKEN at seq ${report.chain.first_bad_seq}: ${report.chain.reason} (what is above may not be what happened)`,
  );
  return `${lines.join("\n")}\n`;
}
