import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { isLocusError } from "../domain/errors.js";
import type { StoredEvent } from "../domain/events/stored-event.js";
import { surfaceGrants } from "../operations/workspace-config.js";
import { followEvents } from "../store/follow-events.js";
import type { LocusStore } from "../store/store-port.js";
import { EXIT, globalOptions, openEngine } from "./cli-context.js";
import { commandJson, failureJson, printFailure } from "./cli-output.js";
import { humanEventLine } from "./event-line.js";
import { exportEvents, importEvents, parseEventLines } from "./event-transfer.js";
import { untilInterrupted } from "./events-follow.js";
import { wholeNumber } from "./number-option.js";
import { subcommand } from "./operation-commands.js";
import { writeLines } from "./stdout-writer.js";
import { Progress } from "./terminal-style.js";
import { UsageError } from "./zod-options.js";

const toLines = (events: readonly StoredEvent[]): string =>
  events.length === 0 ? "" : `${events.map((event) => JSON.stringify(event)).join("\n")}\n`;

/** Writes events to `--out` (and a summary) or as JSON Lines to stdout. */
async function exportAction(options: { out?: string }, command: Command): Promise<void> {
  const { engine } = await openEngine(command);
  try {
    const events = await exportEvents(engine.store);
    if (options.out === undefined) {
      await writeLines(events, (event) => JSON.stringify(event));
      return;
    }
    writeFileSync(options.out, toLines(events));
    const summary = {
      file: options.out,
      events: events.length,
      head_seq: events.at(-1)?.seq ?? 0,
    };
    process.stdout.write(
      globalOptions(command).json
        ? commandJson(summary)
        : `exported ${summary.events} events (head seq ${summary.head_seq}) to ${options.out}\n`,
    );
  } finally {
    await engine.close();
  }
}

/** Reads the file `locus import` names; one that cannot be read is the caller's mistake (exit 2), not the store's. */
function readImportFile(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new UsageError(`import <file>: cannot read ${file}: ${reason}; nothing was imported`);
  }
}

/** `locus export`, `locus import`, `locus events export` and `locus events tail`. */
export function registerTransfer(program: Command): void {
  const exportHelp = "Export the workspace as JSON Lines of Flight Recorder events (stdout, or --out FILE)";
  program
    .command("export")
    .description(exportHelp)
    .option("--out <file>", "write to this file")
    .action(exportAction);

  // `import` may already hold the tracker imports (import beads, ...) from the catalog: the event import is its
  // own action, taken when the first word names none of them.
  subcommand(program, "import")
    .description(
      "Import a JSON Lines event export into an EMPTY workspace: chain verified first, then replayed",
    )
    .argument("<file>", "the export file, or - for stdin")
    .action(async (file: string, _options: unknown, command: Command) => {
      const json = globalOptions(command).json;
      const text = readImportFile(file);
      const { engine, workspace } = await openEngine(command);
      try {
        // Who imports: --profile / LOCUS_PROFILE, else the workspace default (the envelope's rule, section 3).
        const importer = surfaceGrants(workspace.config, globalOptions(command).profile);
        const events = parseEventLines(text);
        let bar: Progress | undefined;
        const report = await importEvents(engine.store, events, {
          importer,
          onProgress: (done, total) => {
            bar ??= new Progress("importing", total);
            bar.update(done);
          },
          workspaceRoot: workspace.root,
        });
        bar?.finish();
        process.stdout.write(
          json
            ? commandJson({ ...report })
            : `imported ${report.events} events (head seq ${report.head_seq}): ${report.wps} WPs, ${report.mts} MTs, ${report.dependencies} dependencies\n`,
        );
      } catch (error) {
        if (!isLocusError(error)) throw error;
        const body = error.toJSON();
        if (json) process.stdout.write(failureJson(body));
        else printFailure(body);
        process.exitCode = body.code === "HSK-400-INVALID-PARAMS" ? EXIT.usage : EXIT.failed;
      } finally {
        await engine.close();
      }
    });

  const events = subcommand(program, "events");
  events
    .command("export")
    .description(exportHelp)
    .option("--out <file>", "write to this file")
    .action(exportAction);
  events
    .command("tail")
    .description(
      "Print the latest events people care about (state changes, board moves, syncs); --follow keeps printing new ones",
    )
    .option("-n, --lines <n>", "how many recent events to print first", wholeNumber(0), 20)
    .option("--follow", "keep printing new events as they commit (Ctrl-C to stop)")
    .option(
      "--all",
      "also the audit records: capability decisions and queries (--json always prints every event)",
    )
    .action(async (options: { lines: number; follow?: boolean; all?: boolean }, command: Command) => {
      const json = globalOptions(command).json;
      // Issue 18: most of a log is capability decisions and query records; a person tailing it wants the work.
      const shown = (event: StoredEvent) =>
        json || options.all === true || !AUDIT_EVENTS.has(event.event_name);
      const { engine } = await openEngine(command);
      const print = (list: readonly StoredEvent[]) => {
        for (const event of list) {
          if (!shown(event)) continue;
          process.stdout.write(`${json ? JSON.stringify(event) : humanEventLine(event)}\n`);
        }
      };
      try {
        const head = await engine.store.transaction((tx) => tx.chainHead());
        print(await latestShown(engine.store, head.seq, options.lines, shown));
        if (options.follow) await followEvents(engine.store, head.seq, print, untilInterrupted());
      } finally {
        await engine.close();
      }
    });
}

/** The audit records `events tail` leaves out unless asked (--all). */
const AUDIT_EVENTS: ReadonlySet<string> = new Set(["capability_decision", "work_query_executed"]);

/** The last `count` shown events up to `headSeq`, reading back in growing windows (a log is mostly audit). */
async function latestShown(
  store: LocusStore,
  headSeq: number,
  count: number,
  shown: (event: StoredEvent) => boolean,
): Promise<StoredEvent[]> {
  if (count === 0) return [];
  for (let window = count * 4; ; window *= 4) {
    const from = Math.max(0, headSeq - window);
    const picked = (await store.readEvents({ afterSeq: from, limit: headSeq - from })).filter(shown);
    if (picked.length >= count || from === 0) return picked.slice(-count);
  }
}
