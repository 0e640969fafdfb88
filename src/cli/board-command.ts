import type { Command } from "commander";
import { resolveBoardFile } from "../board/board-file.js";
import { BoardWatcher } from "../board/board-watcher.js";
import type { OperationDefinition } from "../operations/operation.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { printFailure } from "./cli-output.js";
import { subcommand } from "./operation-commands.js";

// `board sync` is generated from the catalog's sync_task_board; `board watch` runs it on every change of the
// board file by someone else (section 8: manual edits come in within 5 s; see src/board/board-watcher.ts).

const SYNC = "sync_task_board";

/** `locus board watch`: syncs the board whenever its file changes (and once at start). */
export function registerBoardWatch(program: Command, catalog: readonly OperationDefinition[]): void {
  if (!catalog.some((operation) => operation.name === SYNC)) return;
  subcommand(program, "board")
    .command("watch")
    .description(`Sync the Task Board whenever its file changes (Ctrl-C to stop) [${SYNC}]`)
    .option("--import-unknown", "also adopt entries of WPs the store does not know")
    .action(async (options: { importUnknown?: boolean }, command: Command) => {
      const json = globalOptions(command).json;
      const { engine, workspace } = await openEngine(command);
      const boardFile = resolveBoardFile(workspace.root, workspace.config.board_path, "board_path").absolute;
      const params = options.importUnknown ? { import_unknown: true } : {};
      const watcher = new BoardWatcher({
        boardFile,
        sync: async () => {
          const result = await engine.run(SYNC, params);
          if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
          else if (!result.success) printFailure(result.error);
          else {
            const data = result.data as { written: boolean; status_changes: number; conflicts: unknown[] };
            process.stdout.write(
              `${new Date().toISOString()} board synced: ${data.written ? "written" : "unchanged"}, ${data.status_changes} status changes, ${data.conflicts.length} conflicts\n`,
            );
          }
          return { written: result.success && result.data.written === true };
        },
      });
      await watcher.start();
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await watcher.stop();
      await engine.close();
    });
}
