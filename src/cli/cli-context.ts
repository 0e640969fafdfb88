import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname } from "node:path";
import type { Command } from "commander";
import { LocusError } from "../domain/errors.js";
import { userIdSchema } from "../domain/records.js";
import { boardAutoSync } from "../operations/board/board-auto-sync.js";
import type { SurfaceOptions } from "../operations/envelope.js";
import { LocusEngine } from "../operations/locus-engine.js";
import { memberOfToken, memberSurface, membersRequired } from "../operations/members/member-records.js";
import { parseStoreUrl } from "../store/open-store.js";
import { openWorkspace, type Workspace } from "../workspace/workspace.js";
import { failureJson } from "./cli-output.js";
import { countingProgress, noticePrinter } from "./terminal-style.js";
import { UsageError } from "./zod-options.js";

/** Global options every command accepts (section 11). */
export interface GlobalOptions {
  store?: string;
  profile?: string;
  actor?: string;
  token?: string;
  json?: boolean;
}

/** Exit codes, documented in `--help`. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The global options, with the environment variables applied (flags win). */
export function globalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals() as GlobalOptions;
  const env = process.env;
  return {
    ...((options.store ?? env.LOCUS_STORE) ? { store: (options.store ?? env.LOCUS_STORE) as string } : {}),
    ...((options.profile ?? env.LOCUS_PROFILE)
      ? { profile: (options.profile ?? env.LOCUS_PROFILE) as string }
      : {}),
    ...((options.actor ?? env.LOCUS_ACTOR) ? { actor: (options.actor ?? env.LOCUS_ACTOR) as string } : {}),
    ...((options.token ?? env.LOCUS_TOKEN) ? { token: (options.token ?? env.LOCUS_TOKEN) as string } : {}),
    ...(options.json ? { json: true } : {}),
  };
}

/** The OS user, the default actor of a person's own workspace. */
function osUser(): string {
  try {
    return userInfo().username || "local-user";
  } catch {
    return "local-user";
  }
}

/**
 * A SQLite store named by --store (or LOCUS_STORE) in a folder that does not exist is a mistyped path: refused as a
 * usage error before anything is created, instead of a new empty store that reports "no work packets" (issue 18).
 * A new file in an existing folder is still a new store (section 11: a store works without `.locus/`).
 */
function assertStoreFolderExists(storeUrl: string): void {
  let location: ReturnType<typeof parseStoreUrl>;
  try {
    location = parseStoreUrl(storeUrl, process.cwd());
  } catch {
    return; // the store's own check names what is wrong
  }
  if (location.kind !== "sqlite" || location.path === ":memory:") return;
  const folder = dirname(location.path);
  if (!existsSync(folder)) {
    throw new UsageError(
      `--store (or LOCUS_STORE) ${storeUrl}: the folder ${folder} does not exist; check the path (nothing was created)`,
    );
  }
}

/**
 * Who this command acts as. Normally the global options (--profile, --actor) or the defaults. In a workspace that
 * requires members (section 14, `locus member require true`), only a member token (--token, LOCUS_TOKEN) says
 * it: the member is the actor and its grants the profile, and --profile or --actor naming anything else is
 * refused.
 */
async function surfaceOf(workspace: Workspace, options: GlobalOptions): Promise<SurfaceOptions> {
  const required = await membersRequired(workspace.store);
  if (!required) {
    const actor = options.actor ?? workspace.config.default_actor ?? osUser();
    return { ...(options.profile ? { profile: options.profile } : {}), actor };
  }
  const refuse = (message: string, field: string) => new LocusError("HSK-403-CAPABILITY", message, { field });
  if (options.token === undefined)
    throw refuse("this workspace requires members: give your member token (LOCUS_TOKEN or --token)", "token");
  const member = await memberOfToken(workspace.store, options.token);
  if (member === undefined) throw refuse("the member token is unknown or was removed", "token");
  const surface = memberSurface(member);
  if (options.actor !== undefined && options.actor !== member.actor_id)
    throw refuse(
      `the token is ${member.actor_id}'s: --actor (or LOCUS_ACTOR) may not name ${options.actor}`,
      "actor",
    );
  if (options.profile !== undefined && options.profile !== surface.profile)
    throw refuse(
      `the token is ${member.actor_id}'s, a ${member.role} (${surface.profile}): --profile (or LOCUS_PROFILE) may not name another`,
      "profile",
    );
  return surface;
}

/** Opens the workspace and an engine whose surface profile and actor come from the global options. */
export async function openEngine(
  command: Command,
): Promise<{ workspace: Workspace; engine: LocusEngine; actor: string }> {
  const options = globalOptions(command);
  // The actor goes into every event this command records: a control character in it is a usage error (exit 2).
  if (options.actor !== undefined && !userIdSchema.safeParse(options.actor).success) {
    throw new UsageError("--actor (or LOCUS_ACTOR) must be 1-200 characters without control characters");
  }
  if (options.store !== undefined) assertStoreFolderExists(options.store);
  const workspace = await openWorkspace({
    cwd: process.cwd(),
    ...(options.store ? { storeUrl: options.store } : {}),
  });
  let surface: SurfaceOptions;
  try {
    surface = await surfaceOf(workspace, options);
  } catch (error) {
    await workspace.store.close();
    throw error;
  }
  const actor = surface.actor as string;
  const engine = new LocusEngine(workspace.store, {
    config: workspace.config,
    workspaceRoot: workspace.root,
    cacheFolder: workspace.locusDir, // section 17: a linked worktree's caches live in the main worktree's .locus/
    ...(workspace.checkout ? { checkout: workspace.checkout } : {}),
    surface,
    afterApply: boardAutoSync, // section 8 auto-sync: keeps docs/TASK_BOARD.md in step in the same job
    progress: countingProgress(), // long jobs (a sync) count on stderr after a second, on a terminal
    notice: noticePrinter(options.json === true), // e.g. a search that must first embed waiting chunks
  });
  return { workspace, engine, actor };
}

/** Prints a refusal that happened outside a job (no workspace, bad store) and returns the exit code. */
export function reportError(error: unknown, json: boolean): number {
  const body =
    error instanceof LocusError
      ? error.toJSON()
      : { code: "HSK-500-STORAGE", message: error instanceof Error ? error.message : String(error) };
  if (json) process.stdout.write(failureJson(body));
  else process.stderr.write(`locus: ${body.code}: ${body.message}\n`);
  return EXIT.failed;
}
