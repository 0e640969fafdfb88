import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { LocusError } from "../domain/errors.js";
import { parseWorkspaceConfig, type WorkspaceConfig } from "../operations/workspace-config.js";
import { openStore, parseStoreUrl } from "../store/open-store.js";
import type { LocusStore } from "../store/store-port.js";

/** The folder that marks a workspace (section 11). */
export const LOCUS_DIR = ".locus";
/** The default SQLite file inside it (section 9). */
export const DEFAULT_DB = "locus.db";

/** An open workspace: its root folder, configuration and store. */
export interface Workspace {
  /** Where the workspace's files are (the Task Board, task packets): in a linked git worktree, that worktree's. */
  root: string;
  /** The `.locus/` folder holding the config and the default store: in a linked worktree, the main worktree's. */
  locusDir: string;
  /** Section 17: the name of the linked git worktree this workspace was found from, if any. */
  checkout?: string;
  config: WorkspaceConfig;
  store: LocusStore;
}

/** Where a workspace was found: see `Workspace`. */
export interface WorkspaceLocation {
  root: string;
  locusDir: string;
  checkout?: string;
}

const isDirectory = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** The nearest folder from `start` up to `stop` (the filesystem root when absent) that holds `.locus/`. */
function nearestLocusFolder(start: string, stop?: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (isDirectory(join(dir, LOCUS_DIR))) return dir;
    if (dir === stop || dirname(dir) === dir) return undefined;
  }
}

/**
 * Section 17: the linked git worktree around `cwd`, read from git's own files (no `git` process: every command
 * starts through here). A linked worktree has a `.git` file naming its git dir, which holds a `commondir` file
 * naming the repository's common dir; the main worktree is the folder of that common dir when it is a `.git`
 * folder. A submodule (a `.git` file without `commondir`) or a bare repository's worktree has no main worktree.
 */
function linkedWorktree(cwd: string): { top: string; mainTop: string; name: string } | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const dotGit = join(dir, ".git");
    if (existsSync(dotGit)) {
      if (statSync(dotGit).isDirectory()) return undefined; // a main worktree (or a plain repository)
      const gitDirLine = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, "utf8"))?.[1]?.trim();
      if (gitDirLine === undefined) return undefined;
      const gitDir = resolve(dir, gitDirLine);
      const commonDirFile = join(gitDir, "commondir");
      if (!existsSync(commonDirFile)) return undefined;
      const common = resolve(gitDir, readFileSync(commonDirFile, "utf8").trim());
      if (basename(common) !== ".git") return undefined;
      return { top: dir, mainTop: dirname(common), name: basename(gitDir) };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The workspace around `cwd`. Section 17: inside a linked git worktree it is the main worktree's (the `.locus/` at
 * the same place in the main worktree, or above it there), with the files (board, packets) of this worktree, so
 * every worktree of a repository shares one store without LOCUS_STORE. Otherwise the nearest `.locus/` above.
 */
export function locateWorkspace(cwd: string): WorkspaceLocation | undefined {
  const linked = linkedWorktree(cwd);
  if (linked !== undefined) {
    const inMain = join(linked.mainTop, relative(linked.top, resolve(cwd)));
    const found = nearestLocusFolder(inMain, linked.mainTop);
    if (found !== undefined)
      return {
        root: join(linked.top, relative(linked.mainTop, found)),
        locusDir: join(found, LOCUS_DIR),
        checkout: linked.name,
      };
  }
  const root = nearestLocusFolder(resolve(cwd));
  return root === undefined ? undefined : { root, locusDir: join(root, LOCUS_DIR) };
}

/** The root of the workspace around `cwd` (see locateWorkspace), or undefined. */
export function findWorkspaceRoot(cwd: string): string | undefined {
  return locateWorkspace(cwd)?.root;
}

function readConfig(locusDir: string): WorkspaceConfig {
  const path = join(locusDir, "config.json");
  if (!existsSync(path)) return parseWorkspaceConfig({});
  try {
    return parseWorkspaceConfig(JSON.parse(readFileSync(path, "utf8")));
  } catch (error) {
    if (error instanceof LocusError) throw error;
    throw new LocusError("HSK-400-INVALID-PARAMS", `${path} is not valid JSON: ${String(error)}`, {
      field: "config",
    });
  }
}

/** `locus init`: makes `.locus/` in `cwd` with a config and an initialised store. */
export async function initWorkspace(cwd: string, storeUrl?: string): Promise<Workspace> {
  // Section 17: a linked worktree of a repository whose main worktree has a workspace uses that one.
  const shared = locateWorkspace(cwd);
  if (shared?.checkout !== undefined && storeUrl === undefined) return openWorkspace({ cwd });
  const root = resolve(cwd);
  mkdirSync(join(root, LOCUS_DIR), { recursive: true });
  const configPath = join(root, LOCUS_DIR, "config.json");
  if (!existsSync(configPath)) {
    const config = { default_profile: "Operator", ...(storeUrl ? { store: storeUrl } : {}) };
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  }
  writeFileSync(join(root, LOCUS_DIR, ".gitignore"), "*\n");
  return openWorkspace({ cwd: root, ...(storeUrl ? { storeUrl } : {}) });
}

/**
 * Opens the workspace around `cwd`. The store comes from `storeUrl` (`--store` / `LOCUS_STORE`), else the
 * workspace config, else `.locus/locus.db`. With an explicit store and no `.locus/`, `cwd` is the root.
 */
export async function openWorkspace(options: { cwd: string; storeUrl?: string }): Promise<Workspace> {
  const found = locateWorkspace(options.cwd);
  if (found === undefined && options.storeUrl === undefined) {
    throw new LocusError("HSK-404-NOT-FOUND", "no Locus workspace here or above: run `locus init` first", {
      field: "workspace",
      cwd: options.cwd,
    });
  }
  const root = found?.root ?? resolve(options.cwd);
  const locusDir = found?.locusDir ?? join(root, LOCUS_DIR);
  const config = found ? readConfig(locusDir) : parseWorkspaceConfig({});
  // An explicit store resolves against this root; the config's (and the default) against the `.locus/` it is in.
  const url = options.storeUrl ?? config.store ?? join(locusDir, DEFAULT_DB);
  const base = options.storeUrl === undefined ? dirname(locusDir) : root;
  const store = await openStore(parseStoreUrl(url, base), { busyTimeoutMs: config.limits.busy_timeout_ms });
  return { root, locusDir, ...(found?.checkout ? { checkout: found.checkout } : {}), config, store };
}
