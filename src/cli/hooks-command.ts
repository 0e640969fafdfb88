import type * as ChildProcess from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Command } from "commander";
import { resolveBoardFile } from "../board/board-file.js";
import { LocusError } from "../domain/errors.js";
import { findWorkspaceRoot } from "../workspace/workspace.js";
import { globalOptions } from "./cli-context.js";

// `locus hooks install` (section 8): a git pre-commit hook that syncs the Task Board and stages only the board
// file, so a commit always carries a board that agrees with the store. Nothing else is staged.

/** A line every hook Locus writes carries, so a re-install may replace it and nothing else. */
export const HOOK_MARKER = "# locus: task board pre-commit hook";

const single = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** The hook script: sync (refusals stop the commit), then `git add` of the board alone. */
export function preCommitScript(
  nodePath: string,
  cliPath: string,
  workspaceRoot: string,
  boardPath: string,
): string {
  return [
    "#!/bin/sh",
    HOOK_MARKER,
    `cd ${single(workspaceRoot)} || exit 1`,
    `${single(nodePath)} ${single(cliPath)} board sync >/dev/null || { echo "locus: task board sync failed; commit stopped" >&2; exit 1; }`,
    `git add -- ${single(boardPath)}`,
    "",
  ].join("\n");
}

/** Registers `locus hooks install`. */
export function registerHooks(program: Command): void {
  program
    .command("hooks")
    .description("Git hooks for the Task Board")
    .command("install")
    .description("Install a git pre-commit hook that syncs the Task Board and stages only the board file")
    .option("--force", "replace a pre-commit hook that Locus did not write")
    .action((options: { force?: boolean }, command: Command) => {
      const json = globalOptions(command).json;
      // Loaded here: child_process (with net and streams) costs every other command's start-up several ms.
      const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof ChildProcess;
      const root = findWorkspaceRoot(process.cwd());
      if (root === undefined) {
        throw new LocusError(
          "HSK-404-NOT-FOUND",
          "no Locus workspace here or above: run `locus init` first",
          {
            field: "workspace",
          },
        );
      }
      let hooksDir: string;
      try {
        hooksDir = execFileSync("git", ["rev-parse", "--git-path", "hooks"], {
          cwd: root,
          encoding: "utf8",
        }).trim();
      } catch {
        throw new LocusError("HSK-404-NOT-FOUND", "the workspace is not inside a git repository", {
          field: "git",
        });
      }
      const hookFile = path.resolve(root, hooksDir, "pre-commit");
      if (existsSync(hookFile) && !readFileSync(hookFile, "utf8").includes(HOOK_MARKER) && !options.force) {
        throw new LocusError(
          "HSK-409-CONFLICT",
          `${hookFile} exists and was not written by Locus (use --force)`,
          {
            field: "hook",
          },
        );
      }
      const boardPath = resolveBoardFile(root, readBoardConfig(root), "board_path").relative;
      // The script this process was started as (bin/locus.js, through any npm link): the hook runs the same Locus.
      const cliPath = realpathSync(process.argv[1] ?? "locus");
      mkdirSync(path.dirname(hookFile), { recursive: true });
      writeFileSync(hookFile, preCommitScript(process.execPath, cliPath, root, boardPath));
      chmodSync(hookFile, 0o755);
      process.stdout.write(
        json
          ? `${JSON.stringify({ success: true, hook: hookFile, board_path: boardPath })}\n`
          : `Installed ${hookFile}: each commit syncs ${boardPath} and stages it\n`,
      );
    });
}

/** The workspace's board path (config.json `board_path`, default docs/TASK_BOARD.md). */
function readBoardConfig(root: string): string {
  const file = path.join(root, ".locus", "config.json");
  if (!existsSync(file)) return "docs/TASK_BOARD.md";
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { board_path?: unknown };
  return typeof parsed.board_path === "string" ? parsed.board_path : "docs/TASK_BOARD.md";
}
