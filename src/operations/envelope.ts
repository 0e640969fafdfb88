import { canonicalSha256 } from "../domain/canonical-json.js";
import { type CapabilityDecision, checkCapabilities } from "../domain/capabilities.js";
import { isLocusError, LocusError } from "../domain/errors.js";
import { userIdSchema } from "../domain/records.js";
import type { LocusStore, StoredEvent, StoreTransaction } from "../store/store-port.js";
import { type CheckedJob, checkJob, type ParsedJob } from "./envelope-schema.js";
import { JobContext, type JobIdentity, type JobServices } from "./job-context.js";
import type { OperationDefinition } from "./operation.js";
import { allProfiles } from "./workspace-config.js";

export { type LocusJob, locusJobSchema } from "./envelope-schema.js";

/** Section 3: the result of every job. */
export type LocusResult =
  | {
      success: true;
      job_id: string;
      trace_id: string;
      data: Record<string, unknown>;
      events_emitted: string[];
      duration_ms: number;
    }
  | {
      success: false;
      job_id: string;
      trace_id: string;
      error: { code: string; message: string; details?: Record<string, unknown> };
      events_emitted: string[];
      duration_ms: number;
    };

/** What the surface carrying a job adds: its own profile (grants are intersected) and default actor. */
export interface SurfaceOptions {
  profile?: string;
  actor?: string;
  /**
   * Section 14, a member's request: its grants (role and extras) stand for the surface profile, and `profile`
   * only names its role's profile for the record. A job naming no profile gets exactly these grants.
   */
  grants?: readonly string[];
  /** Section 14: `actor` is who asks, proven by a token; a job naming another actor_id is refused. */
  actorBound?: boolean;
}

/** A hook that runs inside a successful write job's transaction, after the operation (e.g. board auto-sync). */
export type AfterApplyHook = (
  ctx: JobContext,
  operation: OperationDefinition,
  data: Record<string, unknown>,
) => Promise<void>;

/** A hook that hears a write job's events once its transaction has committed (section 17's status hooks). */
export type AfterCommitHook = (events: readonly StoredEvent[], identity: JobIdentity) => void;

/** Everything `execute` needs. */
export interface EnvelopeDependencies extends JobServices {
  store: LocusStore;
  catalog: ReadonlyMap<string, OperationDefinition>;
  surface?: SurfaceOptions;
  afterApply?: AfterApplyHook;
  afterCommit?: AfterCommitHook;
}

/**
 * Milliseconds from a monotonic clock. Not `performance.now()`: Node loads perf_hooks on the first touch of
 * `performance`, about 1.5 ms of a short command's start-up.
 */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** 1: an id a result carries: the caller's when it is a uuid (a refusal still names its job), else a new one. */
function idOf(raw: unknown, key: "job_id" | "trace_id", deps: EnvelopeDependencies): string {
  const given = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;
  return typeof given === "string" && UUID.test(given) ? given : deps.ids.uuid();
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * 1: who asks and under which profile. The actor is the job's `actor_id`, else the surface's (`--actor`,
 * LOCUS_ACTOR) or the workspace default; whichever it is goes into every event, so it must be a valid name.
 */
function identityOf(job: ParsedJob, jobId: string, traceId: string, deps: EnvelopeDependencies): JobIdentity {
  const surface = deps.surface;
  if (surface?.actorBound && job.actor_id !== undefined && job.actor_id !== surface.actor) {
    throw new LocusError(
      "HSK-403-CAPABILITY",
      `this token belongs to ${surface.actor}: a job may not name another actor_id`,
      { field: "actor_id" },
    );
  }
  const actor = job.actor_id ?? surface?.actor ?? deps.config.default_actor ?? "local-user";
  if (job.actor_id === undefined && !userIdSchema.safeParse(actor).success) {
    throw new LocusError(
      "HSK-400-INVALID-JOB",
      "the actor (--actor, LOCUS_ACTOR or default_actor) is not a valid name",
      {
        field: "actor_id",
      },
    );
  }
  return {
    job_id: jobId,
    trace_id: traceId,
    protocol_id: job.protocol_id,
    actor_id: actor,
    profile_id: job.capability_profile_id ?? deps.surface?.profile ?? deps.config.default_profile,
    grants: new Set<string>(),
  };
}

/** 2: the decisions for the job's capabilities; sets `identity.grants` (profile ∩ surface profile, 11.1). */
function decideCapabilities(
  job: ParsedJob,
  operation: OperationDefinition,
  identity: JobIdentity,
  deps: EnvelopeDependencies,
): { decisions: CapabilityDecision[]; error?: LocusError } {
  const profiles = allProfiles(deps.config);
  // Own keys only: a profile named `__proto__` or `constructor` must be unknown, not Object.prototype (issue 7 fuzz).
  const grantsOf = (id: string) => (Object.hasOwn(profiles, id) ? profiles[id] : undefined);
  const memberGrants = deps.surface?.grants;
  const jobGrants =
    memberGrants !== undefined && job.capability_profile_id === undefined
      ? memberGrants
      : grantsOf(identity.profile_id);
  const surfaceProfile = deps.surface?.profile;
  const surfaceGrants = memberGrants ?? (surfaceProfile === undefined ? undefined : grantsOf(surfaceProfile));
  if (jobGrants === undefined || (surfaceProfile !== undefined && surfaceGrants === undefined)) {
    const name = jobGrants === undefined ? identity.profile_id : (surfaceProfile as string);
    return {
      decisions: operation.capabilities.map((id) => ({
        capability_id: id,
        decision_outcome: "deny" as const,
        reason: "unknown profile",
      })),
      error: new LocusError("HSK-403-CAPABILITY", `unknown capability profile ${name}`, {
        field: "capability_profile_id",
        known: Object.keys(profiles),
      }),
    };
  }
  const grants = new Set(surfaceGrants ? jobGrants.filter((id) => surfaceGrants.includes(id)) : jobGrants);
  identity.grants = grants;
  const checked = checkCapabilities(job.input.capabilities_requested, operation.capabilities, grants);
  // A member's refusal says so: its grants come from its role, not from a profile it could choose (section 14).
  if (checked.error && memberGrants !== undefined && checked.error.code === "HSK-403-CAPABILITY")
    checked.error = new LocusError(checked.error.code, checked.error.message, {
      ...checked.error.details,
      member: identity.actor_id,
    });
  return checked;
}

/**
 * A job_id the caller gives names one job (section 3: it links the job's events). Once a job under it committed,
 * another job under the same id would mix two jobs in the audit: refused before the job writes anything, its
 * capability decisions included. A refused attempt (only decisions stored) may be sent again under its id: a
 * client that got HSK-500-STORAGE retries the same job (issue 16). The idempotent repeat (same idempotency_key, same request) is answered
 * before this check, with the first result. Generated ids are fresh uuids and skip the lookup.
 */
async function refuseUsedJobId(tx: StoreTransaction, jobId: string): Promise<void> {
  if (await tx.jobIdUsed(jobId)) {
    throw new LocusError("HSK-409-CONFLICT", `job_id ${jobId} already names another job`, {
      field: "job_id",
    });
  }
}

/** 3: the bound WP must exist and be live. */
async function checkBinding(tx: StoreTransaction, job: ParsedJob): Promise<void> {
  if (job.work_packet_binding === undefined) return;
  const bound = await tx.getWp(job.work_packet_binding.work_packet_id);
  if (!bound || bound.tombstone) {
    throw new LocusError("HSK-404-WP-BINDING", `work_packet_binding names no live WP`, {
      field: "work_packet_binding.work_packet_id",
      wp_id: job.work_packet_binding.work_packet_id,
    });
  }
}

/**
 * What a write job reads before writing (TransactionOptions): its bound WP, the WP its `wp_id` names and, for an
 * operation on that WP's micro-tasks, its MTs.
 */
function readFirst(operation: OperationDefinition, job: ParsedJob, params: Record<string, unknown>) {
  const wpId = typeof params.wp_id === "string" ? params.wp_id : undefined;
  const readsWps = wpId === undefined ? [] : [wpId];
  const bound = job.work_packet_binding?.work_packet_id;
  if (bound !== undefined && bound !== wpId) readsWps.push(bound);
  return { readsWps, readsMtsOf: operation.readsMts && wpId !== undefined ? [wpId] : [] };
}

/** What the idempotency record keeps of a result: its secret fields (shown once) as null. */
function keptResult(result: LocusResult, operation: OperationDefinition): LocusResult {
  if (operation.secret === undefined || !result.success) return result;
  const data = { ...result.data };
  for (const field of operation.secret) if (field in data) data[field] = null;
  return { ...result, data };
}

/** True for the store's "busy" refusal: the job already waited the whole lock timeout once. */
const isBusy = (error: unknown): boolean => isLocusError(error) && error.details?.busy === true;

/**
 * Runs one job through the contract's steps, in order (section 3):
 * 1. schema, 2. capabilities, 3. binding, 4. apply in one transaction, 5. result.
 */
export async function execute(raw: unknown, deps: EnvelopeDependencies): Promise<LocusResult> {
  const started = monotonicMs();
  const jobId = idOf(raw, "job_id", deps);
  const traceId = idOf(raw, "trace_id", deps);
  const fail = (error: unknown, events: string[] = []): LocusResult => ({
    success: false,
    job_id: jobId,
    trace_id: traceId,
    error: isLocusError(error)
      ? error.toJSON()
      : { code: "HSK-500-STORAGE", message: `internal failure: ${String(error)}` },
    events_emitted: events,
    duration_ms: Math.round((monotonicMs() - started) * 1000) / 1000,
  });

  // 1. Schema: shape and bounds, the envelope, the operation and its params (envelope-schema.ts); who asks.
  let checked: CheckedJob;
  let identity: JobIdentity;
  try {
    checked = checkJob(raw, deps.catalog, deps.config.limits.params_bytes);
    identity = identityOf(checked.job, jobId, traceId, deps);
  } catch (error) {
    return fail(error);
  }
  const { job, operation, params } = checked;
  const callerJobId = job.job_id !== undefined;

  // 2. Capabilities: the job's profile intersected with the surface's (the most restrictive wins).
  const { decisions, error: capabilityError } = decideCapabilities(job, operation, identity, deps);

  // Only a job with an idempotency key is compared with an earlier one: hash the request for those only.
  // The actor is part of the request: another actor reusing a key gets a conflict, never someone else's result.
  const requestHash =
    job.idempotency_key === undefined
      ? ""
      : canonicalSha256({ operation: operation.name, params: job.input.params, actor_id: identity.actor_id });
  const recordDecisions = (ctx: JobContext) => {
    for (const decision of decisions) {
      ctx.emit("capability_decision", {
        capability_id: decision.capability_id,
        actor_id: identity.actor_id,
        job_id: identity.job_id,
        decision_outcome: decision.decision_outcome,
        capability_profile_id: identity.profile_id,
        ...(decision.reason ? { reason: decision.reason } : {}),
        ...(job.work_packet_binding ? { work_packet_binding: job.work_packet_binding } : {}),
      });
    }
  };
  const recordRefusal = async (error: unknown): Promise<LocusResult> => {
    // The store stayed locked past its timeout: waiting for it a second time to record the decisions would
    // double the documented bound (GUARANTEES "Bounded waiting"). The job changed nothing and says so.
    if (isBusy(error)) return fail(error);
    // A failed job changes no state: its only trace is its capability decisions (section 3).
    let traced: string[] = [];
    try {
      await deps.store.transaction(async (tx) => {
        if (callerJobId) await refuseUsedJobId(tx, jobId);
        const ctx = new JobContext(tx, identity, deps, await tx.chainHead());
        recordDecisions(ctx);
        // An operation may leave one more trace of its refusal (sync_task_board: SYNC-003 sync_failed),
        // listed in the result like any event the job wrote (section 3, step 5).
        operation.onRefusal?.(ctx, params, error);
        await ctx.flush();
        traced = ctx.eventIds();
      });
    } catch (auditError) {
      return fail(auditError);
    }
    return fail(error, traced);
  };
  if (capabilityError) return recordRefusal(capabilityError);

  // The events of the job, once applied: handed to `afterCommit` only after the transaction has committed.
  let applied: readonly StoredEvent[] | undefined;
  // A query writes only its events: the store may run it without the workspace lock until it appends
  // (TransactionOptions.readOnly). Not when its id or key must be checked against other jobs under the lock.
  const readOnly =
    operation.kind === "read" &&
    operation.writesIndex !== true &&
    !callerJobId &&
    job.idempotency_key === undefined;
  try {
    const committed = await deps.store.transaction(
      async (tx) => {
        if (job.idempotency_key !== undefined) {
          const previous = await tx.getIdempotent(job.idempotency_key);
          if (previous) {
            if (previous.request_hash !== requestHash) {
              throw new LocusError("HSK-409-CONFLICT", "idempotency_key was used for a different job", {
                field: "idempotency_key",
              });
            }
            return previous.result as LocusResult;
          }
        }
        if (callerJobId) await refuseUsedJobId(tx, jobId);
        const ctx = new JobContext(tx, identity, deps, await tx.chainHead());
        recordDecisions(ctx);

        // 3. Binding: the bound WP must exist and be live.
        await checkBinding(tx, job);

        // 4. Apply: state, Bronze, events and board bookkeeping commit together.
        const data = await operation.run(ctx, params);
        if (deps.afterApply) await deps.afterApply(ctx, operation, data);
        await ctx.flush();

        // 5. Result.
        const result: LocusResult = {
          success: true,
          job_id: jobId,
          trace_id: traceId,
          data,
          events_emitted: ctx.eventIds(),
          duration_ms: Math.round((monotonicMs() - started) * 1000) / 1000,
        };
        if (job.idempotency_key !== undefined) {
          await tx.putIdempotent(job.idempotency_key, {
            request_hash: requestHash,
            result: keptResult(result, operation),
          });
        }
        // Last, with every state write done: work outside the database (the Task Board file, section 8).
        // A failure here still rolls the transaction back; only a failing COMMIT could leave the file ahead.
        for (const action of ctx.beforeCommit) await action();
        applied = ctx.events();
        return result;
      },
      readOnly ? { readOnly } : readFirst(operation, job, params),
    );
    if (applied !== undefined && deps.afterCommit) deps.afterCommit(applied, identity);
    return committed;
  } catch (error) {
    return recordRefusal(error);
  }
}
