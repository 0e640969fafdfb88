import type * as ChildProcess from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Command } from "commander";
import { resolveBoardFile } from "../board/board-file.js";
import { LocusError } from "../domain/errors.js";
import { assertRelativeWorkspacePath } from "../domain/path-safety.js";
import { ANCHOR_FILE } from "../operations/chain-anchors.js";
import { locateWorkspace } from "../workspace/workspace.js";
import { globalOptions } from "./cli-context.js";
import { commandJson } from "./cli-output.js";

// `locus hooks install` (section 8): a git pre-commit hook that syncs the Task Board and stages the board file, so
// a commit always carries a board that agrees with the store, and (section 16) writes and stages the chain head
// in locus-anchor.json. Nothing else is staged.

/** A line every hook Locus writes carries, so a re-install may replace it and nothing else. */
export const HOOK_MARKER = "# locus: task board pre-commit hook";

const single = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * Section 17: the workspace folder as the hook finds it when it runs: `workspaceRoot` is the folder inside the
 * repository (relative to its top), and the hook goes there in the worktree it runs in. Git's hooks are shared by
 * every worktree of a repository, so a path fixed at install time would sync and stage the main worktree's board
 * during a commit in another worktree.
 */
const cdWorkspace = (workspaceRoot: string, onFailure: string) =>
  `cd "$(git rev-parse --show-toplevel)"${workspaceRoot === "" ? "" : `/${single(workspaceRoot)}`} || ${onFailure}`;

/** A line the post-merge hook Locus writes carries (section 13, replica files). */
export const POST_MERGE_MARKER = "# locus: replica files post-merge hook";

/**
 * The hook script: sync (refusals stop the commit), then `git add` of the board alone. With `replicas` (section
 * 13), it also appends this replica's new events to its own file in that folder and stages the folder (only
 * this replica's file changes there).
 */
export function preCommitScript(
  nodePath: string,
  cliPath: string,
  /** The workspace folder relative to the repository's top ("" when it is the top). */
  workspaceRoot: string,
  boardPath: string,
  replicas?: string,
): string {
  const locus = `${single(nodePath)} ${single(cliPath)}`;
  return [
    "#!/bin/sh",
    HOOK_MARKER,
    cdWorkspace(workspaceRoot, "exit 1"),
    `${locus} board sync >/dev/null || { echo "locus: task board sync failed or refused a move (run: locus board sync); commit stopped" >&2; exit 1; }`,
    `git add -- ${single(boardPath)}`,
    // Section 16: the chain head goes into the commit, a witness of the log outside the store.
    `${locus} events anchor >/dev/null || { echo "locus: could not write ${ANCHOR_FILE}; commit stopped" >&2; exit 1; }`,
    `git add -- ${ANCHOR_FILE}`,
    ...(replicas === undefined
      ? []
      : [
          `${locus} sync ${single(replicas)} --direction push >/dev/null || { echo "locus: replica sync failed; commit stopped" >&2; exit 1; }`,
          `git add -- ${single(replicas)}`,
        ]),
    // Issue 20, third part: cold events packed while a person waits on the commit anyway; never stops it.
    `${locus} compact --max-blocks 64 >/dev/null 2>&1 || true`,
    "",
  ].join("\n");
}

/** The post-merge hook (section 13): after a pull or merge, read the other replicas' files. Never fails a merge. */
export function postMergeScript(
  nodePath: string,
  cliPath: string,
  workspaceRoot: string,
  replicas: string,
): string {
  return [
    "#!/bin/sh",
    POST_MERGE_MARKER,
    cdWorkspace(workspaceRoot, "exit 0"),
    `${single(nodePath)} ${single(cliPath)} sync ${single(replicas)} --direction pull >/dev/null || echo "locus: replica sync failed; run: locus sync ${replicas}" >&2`,
    `${single(nodePath)} ${single(cliPath)} compact --max-blocks 64 >/dev/null 2>&1`, // issue 20: the pull's events packed
    "exit 0",
    "",
  ].join("\n");
}

/** Writes a hook file unless a hook Locus did not write is there (then only with --force). */
function writeHook(file: string, script: string, marker: string, force: boolean | undefined): void {
  if (existsSync(file) && !readFileSync(file, "utf8").includes(marker) && !force) {
    throw new LocusError("HSK-409-CONFLICT", `${file} exists and was not written by Locus (use --force)`, {
      field: "hook",
    });
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, script);
  chmodSync(file, 0o755);
}

/** Registers `locus hooks install`. */
export function registerHooks(program: Command): void {
  program
    .command("hooks")
    .description("Git hooks for the Task Board")
    .command("install")
    .description(
      "Install a git pre-commit hook that syncs the Task Board and stages it with the chain anchor (locus-anchor.json)",
    )
    .option("--force", "replace a pre-commit hook that Locus did not write")
    .option(
      "--replicas [folder]",
      "also share events through replica files: each commit appends yours, each pull or merge reads the others' (default locus-replicas/)",
    )
    .action((options: { force?: boolean; replicas?: string | true }, command: Command) => {
      const json = globalOptions(command).json;
      // Loaded here: child_process (with net and streams) costs every other command's start-up several ms.
      const { execFileSync } = createRequire(import.meta.url)("node:child_process") as typeof ChildProcess;
      const location = locateWorkspace(process.cwd());
      if (location === undefined) {
        throw new LocusError(
          "HSK-404-NOT-FOUND",
          "no Locus workspace here or above: run `locus init` first",
          {
            field: "workspace",
          },
        );
      }
      const root = location.root;
      let hooksDir: string;
      let inRepository: string;
      try {
        hooksDir = execFileSync("git", ["rev-parse", "--git-path", "hooks"], {
          cwd: root,
          encoding: "utf8",
        }).trim();
        const top = execFileSync("git", ["rev-parse", "--show-toplevel"], {
          cwd: root,
          encoding: "utf8",
        }).trim();
        inRepository = path.relative(realpathSync(top), realpathSync(root)).split(path.sep).join("/");
      } catch {
        throw new LocusError("HSK-404-NOT-FOUND", "the workspace is not inside a git repository", {
          field: "git",
        });
      }
      const hookFile = path.resolve(root, hooksDir, "pre-commit");
      // Ends with / so that the first sync creates the folder (section 13: a new replica folder's path ends with /).
      const replicas =
        options.replicas === undefined
          ? undefined
          : `${assertRelativeWorkspacePath(options.replicas === true ? "locus-replicas" : options.replicas, "--replicas")}/`;
      const boardPath = resolveBoardFile(root, readBoardConfig(location.locusDir), "board_path").relative;
      // The script this process was started as (bin/locus.js, through any npm link): the hook runs the same Locus.
      const cliPath = realpathSync(process.argv[1] ?? "locus");
      const postMerge = path.resolve(root, hooksDir, "post-merge");
      if (replicas !== undefined)
        writeHook(
          postMerge,
          postMergeScript(process.execPath, cliPath, inRepository, replicas),
          POST_MERGE_MARKER,
          options.force,
        );
      writeHook(
        hookFile,
        preCommitScript(process.execPath, cliPath, inRepository, boardPath, replicas),
        HOOK_MARKER,
        options.force,
      );
      const shared =
        replicas === undefined
          ? ""
          : `, appends this replica's events to ${replicas} and stages it; ${postMerge} reads the others' after each pull`;
      process.stdout.write(
        json
          ? commandJson({
              hook: hookFile,
              board_path: boardPath,
              ...(replicas === undefined ? {} : { replicas, post_merge_hook: postMerge }),
            })
          : `Installed ${hookFile}: each commit syncs ${boardPath} and stages it with ${ANCHOR_FILE}${shared}\n`,
      );
    });
}

/** The workspace's board path (config.json `board_path` in its `.locus/`, default docs/TASK_BOARD.md). */
function readBoardConfig(locusDir: string): string {
  const file = path.join(locusDir, "config.json");
  if (!existsSync(file)) return "docs/TASK_BOARD.md";
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { board_path?: unknown };
  return typeof parsed.board_path === "string" ? parsed.board_path : "docs/TASK_BOARD.md";
}
