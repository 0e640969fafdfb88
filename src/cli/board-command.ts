import { existsSync, watch } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import type { OperationDefinition } from "../operations/operation.js";
import { globalOptions, openEngine } from "./cli-context.js";
import { printFailure } from "./cli-output.js";
import { subcommand } from "./operation-commands.js";

// `board sync` is generated from the catalog's sync_task_board; `board watch` combines it with a file
// watcher (section 8: manual edits come in within 5 s). Both exist only when the catalog has the operation.

const SYNC = "sync_task_board";
const DEBOUNCE_MS = 300;

/** `locus board watch`: syncs the board whenever its file changes (and once at start). */
export function registerBoardWatch(program: Command, catalog: readonly OperationDefinition[]): void {
  if (!catalog.some((operation) => operation.name === SYNC)) return;
  subcommand(program, "board")
    .command("watch")
    .description(`Sync the Task Board whenever its file changes (Ctrl-C to stop) [${SYNC}]`)
    .action(async (_options: unknown, command: Command) => {
      const json = globalOptions(command).json;
      const { engine, workspace } = await openEngine(command);
      const boardPath = join(workspace.root, workspace.config.board_path);
      let timer: NodeJS.Timeout | undefined;
      let running = Promise.resolve();
      const sync = () => {
        running = running.then(async () => {
          const result = await engine.run(SYNC, {});
          if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
          else if (!result.success) printFailure(result.error);
          else {
            const data = result.data as {
              written?: boolean;
              status_changes?: unknown[];
              conflicts?: unknown[];
            };
            process.stdout.write(
              `${new Date().toISOString()} board synced: ${data.written ? "written" : "unchanged"}, ${data.status_changes?.length ?? 0} status changes, ${data.conflicts?.length ?? 0} conflicts\n`,
            );
          }
        });
      };
      sync();
      // Watch the folder, not the file: editors and our atomic rename replace the file's inode.
      const folder = dirname(boardPath);
      if (!existsSync(folder)) await running;
      const watcher = watch(existsSync(folder) ? folder : workspace.root, (_event, name) => {
        if (name !== null && !boardPath.endsWith(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(sync, DEBOUNCE_MS);
      });
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => {
          watcher.close();
          resolve();
        });
      });
      await running;
      await engine.close();
    });
}
