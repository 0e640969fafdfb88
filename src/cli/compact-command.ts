import type { Command } from "commander";
import { compactStore } from "../operations/maintenance/compact-store.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { commandJson } from "./cli-output.js";
import { wholeNumber } from "./number-option.js";

// Issue 20, third part: `locus compact` packs the store's cold events in blocks (compact-store.ts), the step no job
// waits for. The git hooks Locus installs run it after a commit's board sync and after a pull's replica sync;
// `locus serve` and `locus mcp` do it in their idle time. The hooks pack a bounded number of blocks, so the first
// commit after an upgrade of a large store does not wait for its whole history (`locus compact` packs it all). Nothing read changes: every event reads back as written.
// Fourth part: it also deflates cold WP documents and their search texts, 128 WPs a block.

/** `locus compact`. */
export function registerCompact(program: Command): void {
  program
    .command("compact")
    .description(
      "Pack cold events, Bronze snapshots and WP documents in compressed blocks (SQLite), give back free space (PostgreSQL); nothing read changes; the git hooks run it bounded",
    )
    .option(
      "--max-blocks <n>",
      "pack at most this many blocks (the git hooks: 64, ~0.1-0.5 s)",
      wholeNumber(1),
    )
    .action(async (options: { maxBlocks?: number }, command: Command) => {
      const { engine } = await openEngine(command);
      try {
        const started = performance.now();
        const blocks = await compactStore(engine.store, options.maxBlocks);
        const report = { blocks, ms: Math.round(performance.now() - started) };
        process.stdout.write(
          globalOptions(command).json
            ? commandJson(report)
            : `packed ${blocks} blocks of cold events and Bronze snapshots in ${report.ms} ms\n`,
        );
      } finally {
        await engine.close();
      }
    });
}
