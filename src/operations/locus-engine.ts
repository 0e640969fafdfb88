import { existsSync } from "node:fs";
import { type Clock, systemClock } from "../domain/clock.js";
import { LocusError } from "../domain/errors.js";
import { statusChangesOf } from "../domain/events/status-changes.js";
import { type IdSource, systemIds } from "../domain/ids.js";
import { openPeerStore, parseStoreUrl } from "../store/open-store.js";
import type { LocusStore, StoredEvent } from "../store/store-port.js";
import { CATALOG } from "./catalog.js";
import {
  type AfterApplyHook,
  execute,
  type LocusJob,
  type LocusResult,
  type SurfaceOptions,
} from "./envelope.js";
import type { JobIdentity } from "./job-context.js";
import type { OperationDefinition } from "./operation.js";
import { protocolIdOf } from "./operation.js";
import { type HookFailure, recordHookFailure, StatusHookRunner } from "./status-hooks.js";
import { defaultWorkspaceConfig, type WorkspaceConfig } from "./workspace-config.js";

/** Options of an engine: the surface carrying the jobs, and injectable clock and ids for tests. */
export interface EngineOptions {
  config?: WorkspaceConfig;
  surface?: SurfaceOptions;
  clock?: Clock;
  ids?: IdSource;
  workspaceRoot?: string;
  /** See JobServices.checkout. */
  checkout?: string;
  /** See JobServices.cacheFolder. */
  cacheFolder?: string;
  catalog?: ReadonlyMap<string, OperationDefinition>;
  afterApply?: AfterApplyHook;
  /** See JobServices.progress. */
  progress?: (label: string, done: number) => void;
  /** See JobServices.notice. */
  notice?: (message: string) => void;
}

/**
 * Section 13: opens a sync peer. A relative SQLite path resolves against the workspace root; a SQLite file that
 * does not exist is an unreachable peer (never a new, empty store made by a typo).
 */
async function openPeer(url: string, root: string): Promise<LocusStore> {
  const location = parseStoreUrl(url, root);
  if (location.kind === "sqlite" && (location.path === ":memory:" || !existsSync(location.path)))
    throw new LocusError("HSK-500-STORAGE", `no Locus store at ${url}`, { field: "params.peer", peer: url });
  try {
    return await openPeerStore(location);
  } catch (error) {
    if (!(error instanceof LocusError) || error.details?.field === "params.peer") throw error;
    throw new LocusError(error.code, `the peer cannot be opened: ${error.message}`, {
      ...error.details,
      field: "params.peer",
    });
  }
}

/** Builds a job for `operation`, requesting exactly the capabilities it requires. */
export function jobFor(
  operation: string,
  params: Record<string, unknown>,
  extra: Partial<Omit<LocusJob, "input" | "job_kind" | "protocol_id">> = {},
  catalog: ReadonlyMap<string, OperationDefinition> = CATALOG,
): LocusJob {
  return {
    job_kind: "locus_operation",
    protocol_id: protocolIdOf(operation),
    ...extra,
    input: { operation, params, capabilities_requested: [...(catalog.get(operation)?.capabilities ?? [])] },
  };
}

/** Locus over one store: every call goes through the one envelope. */
export class LocusEngine {
  /** Section 17: the status hooks of the config, when it has any. */
  private readonly hooks: StatusHookRunner | undefined;

  constructor(
    readonly store: LocusStore,
    private readonly options: EngineOptions = {},
  ) {
    const { on_status_change: commands, timeout_ms: timeoutMs } = this.config.hooks;
    this.hooks =
      commands.length === 0
        ? undefined
        : new StatusHookRunner(commands, timeoutMs, options.workspaceRoot, (failure, actor) =>
            this.recordHookFailure(failure, actor),
          );
  }

  /** Runs the job that records a hook's failure as a `diagnostic` event (not a catalog operation). */
  private async recordHookFailure(failure: HookFailure, actor: string): Promise<void> {
    const catalog = new Map([[recordHookFailure.name, recordHookFailure]]);
    await this.execute(jobFor(recordHookFailure.name, { ...failure }, { actor_id: actor }, catalog), catalog);
  }

  /** The workspace configuration in force. */
  get config(): WorkspaceConfig {
    return this.options.config ?? defaultWorkspaceConfig();
  }

  /** Runs one job (section 3). */
  execute(job: unknown, catalog?: ReadonlyMap<string, OperationDefinition>): Promise<LocusResult> {
    const { options, hooks } = this;
    return execute(job, {
      store: this.store,
      catalog: catalog ?? options.catalog ?? CATALOG,
      config: this.config,
      clock: options.clock ?? systemClock,
      ids: options.ids ?? systemIds,
      replicaId: this.store.replicaId,
      ...(options.surface ? { surface: options.surface } : {}),
      ...(options.workspaceRoot ? { workspaceRoot: options.workspaceRoot } : {}),
      ...(options.cacheFolder ? { cacheFolder: options.cacheFolder } : {}),
      ...(options.checkout ? { checkout: options.checkout } : {}),
      ...(options.afterApply ? { afterApply: options.afterApply } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      ...(hooks
        ? {
            afterCommit: (events: readonly StoredEvent[], identity: JobIdentity) => {
              const changes = statusChangesOf(events);
              if (changes.length > 0) hooks.start(changes, identity.actor_id);
            },
          }
        : {}),
      ...(options.notice ? { notice: options.notice } : {}),
      openPeer: (url: string) => openPeer(url, options.workspaceRoot ?? process.cwd()),
    });
  }

  /** Shorthand: runs `operation` with `params`, requesting its required capabilities. */
  run(
    operation: string,
    params: Record<string, unknown>,
    extra: Parameters<typeof jobFor>[2] = {},
  ): Promise<LocusResult> {
    return this.execute(jobFor(operation, params, extra, this.options.catalog ?? CATALOG));
  }

  /** The same engine (store, config, hooks) carried by another surface: a team server's member, per request. */
  withSurface(surface: SurfaceOptions): LocusEngine {
    return new LocusEngine(this.store, { ...this.options, surface });
  }

  /** Section 17: resolves when the status hooks started so far have ended (each bounded by its timeout). */
  async settled(): Promise<void> {
    await this.hooks?.settled();
  }

  /** Closes the store, once the running status hooks have ended and their failures are recorded. */
  async close(): Promise<void> {
    await this.settled();
    return this.store.close();
  }
}
