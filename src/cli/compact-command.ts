import type { Command } from "commander";
import { compactStore } from "../operations/maintenance/compact-store.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { commandJson } from "./cli-output.js";

// Issue 20, third part: `locus compact` packs the store's cold events in blocks (compact-store.ts), the step no job
// waits for. The git hooks Locus installs run it after a commit's board sync and after a pull's replica sync;
// `locus serve` and `locus mcp` do it in their idle time. Nothing read changes: every event reads back as written.

/** `locus compact`. */
export function registerCompact(program: Command): void {
  program
    .command("compact")
    .description(
      "Pack cold Flight Recorder events in compressed blocks (SQLite; nothing read changes); the git hooks run it",
    )
    .action(async (_options: unknown, command: Command) => {
      const { engine } = await openEngine(command);
      try {
        const started = performance.now();
        const blocks = await compactStore(engine.store);
        const report = { blocks, ms: Math.round(performance.now() - started) };
        process.stdout.write(
          globalOptions(command).json
            ? commandJson(report)
            : `packed ${blocks} blocks of cold events in ${report.ms} ms\n`,
        );
      } finally {
        await engine.close();
      }
    });
}
