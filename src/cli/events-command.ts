import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { isLocusError } from "../domain/errors.js";
import { type AuditReport, auditWp } from "../operations/audit-trail.js";
import { ANCHOR_FILE, anchorText, checkAnchors } from "../operations/chain-anchors.js";
import { rebuildFromLog, replayCheck, verifyStore } from "../operations/flight-recorder.js";
import { readSessionLog } from "../operations/session-log.js";
import { EXIT, globalOptions, openEngine } from "./cli-context.js";
import { commandJson, failureJson, printFailure } from "./cli-output.js";
import { humanEventLine } from "./event-line.js";
import { committedAnchors } from "./git-anchors.js";
import { wholeNumber } from "./number-option.js";
import { subcommand } from "./operation-commands.js";
import { withReplayProgress } from "./replay-progress.js";
import { sessionLogLine } from "./result-render.js";
import { writeLines } from "./stdout-writer.js";

/** `locus events` (JSON Lines of stored events), `locus events verify`, `locus replay` and `locus audit`. */
export function registerEvents(program: Command): void {
  // `events purge` (a catalog operation) may have made the group already.
  const events = subcommand(program, "events")
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
    .description(
      "Recompute the hash chain and check it against every locus-anchor.json in git history; exit 1 naming the first bad seq or anchor",
    )
    .action(async (_options: unknown, command: Command) => {
      const { engine, workspace } = await openEngine(command);
      try {
        const report = await verifyStore(engine.store);
        const committed = committedAnchors(workspace.root);
        const anchors =
          committed === undefined ? undefined : await checkAnchors(engine.store, committed.anchors);
        const unreadable = committed?.unreadable ?? [];
        const ok = report.ok && (anchors?.ok ?? true);
        if (globalOptions(command).json)
          process.stdout.write(
            commandJson({
              ...report,
              ok,
              chain_ok: report.ok,
              anchors: anchors === undefined ? null : { ...anchors, unreadable },
            }),
          );
        else {
          process.stdout.write(
            report.ok
              ? `chain ok: ${report.checked} events verified\n`
              : `chain BROKEN at seq ${report.first_bad_seq}: ${report.reason}\n`,
          );
          if (anchors?.first_mismatch !== undefined)
            process.stdout.write(
              `anchor of commit ${anchors.first_mismatch.commit.slice(0, 12)} (seq ${anchors.first_mismatch.seq}) NOT matched: ${anchors.first_mismatch.reason}\n`,
            );
          else if (anchors !== undefined && anchors.checked > 0)
            process.stdout.write(
              `anchors ok: the store matches all ${anchors.checked} anchors in git history\n`,
            );
          if (unreadable.length > 0)
            process.stdout.write(
              `${unreadable.length} committed ${ANCHOR_FILE} versions are not anchors (edited by hand?): ${unreadable.map((c) => c.slice(0, 12)).join(", ")}\n`,
            );
        }
        process.exitCode = ok ? EXIT.ok : EXIT.failed;
      } finally {
        await engine.close();
      }
    });

  events
    .command("anchor")
    .description(
      `Write the chain head (seq, hash) to ${ANCHOR_FILE} at the workspace root (the pre-commit hook does)`,
    )
    .action(async (_options: unknown, command: Command) => {
      const { engine, workspace } = await openEngine(command);
      try {
        const head = await engine.store.transaction((tx) => tx.chainHead());
        const file = join(workspace.root, ANCHOR_FILE);
        const text = anchorText(head);
        // Unchanged head, unchanged file: no rewrite, so git sees no change.
        if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
          writeFileSync(`${file}.tmp`, text);
          renameSync(`${file}.tmp`, file);
        }
        if (globalOptions(command).json)
          process.stdout.write(commandJson({ file, seq: head.seq, hash: head.hash }));
        else process.stdout.write(`${ANCHOR_FILE}: seq ${head.seq}, hash ${head.hash.slice(0, 16)}...\n`);
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
    .command("session-log")
    .description(
      "The Spec Session Log: every WP and Task Board change with its spec, mode, actor and artifacts",
    )
    .option("--spec <id>", "only entries of this spec (a binding's spec_id or the WP's spec_session_id)")
    .option("--wp <id>", "only entries about this work packet")
    .option("--search <text>", "only entries whose summary, spec, WP or actor contains this text")
    .option("--limit <n>", "the last n entries (default 200)", wholeNumber(1))
    .action(
      async (options: { spec?: string; wp?: string; search?: string; limit?: number }, command: Command) => {
        const { engine, workspace } = await openEngine(command);
        try {
          const entries = await readSessionLog(
            engine.store,
            {
              ...(options.spec !== undefined ? { spec_id: options.spec } : {}),
              ...(options.wp !== undefined ? { wp_id: options.wp } : {}),
              ...(options.search !== undefined ? { text: options.search } : {}),
              ...(options.limit !== undefined ? { limit: options.limit } : {}),
            },
            workspace.config.board_path,
          );
          if (globalOptions(command).json) process.stdout.write(commandJson({ entries }));
          else if (entries.length === 0) process.stdout.write("(no session log entries match)\n");
          else await writeLines(entries, sessionLogLine);
        } finally {
          await engine.close();
        }
      },
    );

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
