import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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
  root: string;
  config: WorkspaceConfig;
  store: LocusStore;
}

/** The nearest folder at or above `cwd` that holds `.locus/`, or undefined. */
export function findWorkspaceRoot(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const marker = join(dir, LOCUS_DIR);
    if (existsSync(marker) && statSync(marker).isDirectory()) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

function readConfig(root: string): WorkspaceConfig {
  const path = join(root, LOCUS_DIR, "config.json");
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
  const found = findWorkspaceRoot(options.cwd);
  if (found === undefined && options.storeUrl === undefined) {
    throw new LocusError("HSK-404-NOT-FOUND", "no Locus workspace here or above: run `locus init` first", {
      field: "workspace",
      cwd: options.cwd,
    });
  }
  const root = found ?? resolve(options.cwd);
  const config = found ? readConfig(root) : parseWorkspaceConfig({});
  const url = options.storeUrl ?? config.store ?? join(root, LOCUS_DIR, DEFAULT_DB);
  const store = await openStore(parseStoreUrl(url, root), { busyTimeoutMs: config.limits.busy_timeout_ms });
  return { root, config, store };
}
