import { z } from "zod";
import { canonicalSha256 } from "../domain/canonical-json.js";
import { type CapabilityDecision, checkCapabilities } from "../domain/capabilities.js";
import { isLocusError, LocusError } from "../domain/errors.js";
import { userIdSchema, wpIdSchema } from "../domain/records.js";
import type { LocusStore } from "../store/store-port.js";
import { JobContext, type JobIdentity, type JobServices } from "./job-context.js";
import { type OperationDefinition, protocolIdOf } from "./operation.js";
import { allProfiles } from "./workspace-config.js";

/** Section 3: the job every operation arrives in. */
export const locusJobSchema = z.strictObject({
  job_id: z.string().min(1).max(100).optional(),
  job_kind: z.literal("locus_operation"),
  protocol_id: z.string().min(1).max(100),
  capability_profile_id: z.string().min(1).max(100).optional(),
  actor_id: userIdSchema.optional(),
  trace_id: z.string().min(1).max(100).optional(),
  idempotency_key: z.string().min(1).max(200).optional(),
  work_packet_binding: z.looseObject({ work_packet_id: z.string().max(200) }).optional(),
  input: z.strictObject({
    schema_version: z.literal("poe-1.0").optional(),
    op_id: z.string().max(100).optional(),
    operation: z.string().min(1).max(100),
    params: z.record(z.string(), z.unknown()),
    capabilities_requested: z.array(z.string().max(300)).max(50),
  }),
});
/** A Locus job. */
export type LocusJob = z.input<typeof locusJobSchema>;

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
}

/** A hook that runs inside a successful write job's transaction, after the operation (e.g. board auto-sync). */
export type AfterApplyHook = (
  ctx: JobContext,
  operation: OperationDefinition,
  data: Record<string, unknown>,
) => Promise<void>;

/** Everything `execute` needs. */
export interface EnvelopeDependencies extends JobServices {
  store: LocusStore;
  catalog: ReadonlyMap<string, OperationDefinition>;
  surface?: SurfaceOptions;
  afterApply?: AfterApplyHook;
}

function zodFailure(
  code: "HSK-400-INVALID-JOB" | "HSK-400-INVALID-PARAMS",
  error: z.ZodError,
  prefix: string,
): LocusError {
  const issue = error.issues[0];
  const path = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".");
  const keys = issue && "keys" in issue ? ` (${(issue.keys as string[]).join(", ")})` : "";
  return new LocusError(code, `${path || "job"}: ${issue?.message ?? "invalid"}${keys}`, {
    field: path,
    issues: error.issues.slice(0, 5),
  });
}

/** Section 3 step 1 for the envelope: returns the parsed job or the refusal. */
function parseJob(raw: unknown): z.output<typeof locusJobSchema> {
  const parsed = locusJobSchema.safeParse(raw);
  if (!parsed.success) throw zodFailure("HSK-400-INVALID-JOB", parsed.error, "");
  return parsed.data;
}

/**
 * Milliseconds from a monotonic clock. Not `performance.now()`: Node loads perf_hooks on the first touch of
 * `performance`, about 1.5 ms of a short command's start-up.
 */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * Runs one job through the contract's steps, in order (section 3):
 * 1. schema, 2. capabilities, 3. binding, 4. apply in one transaction, 5. result.
 */
export async function execute(raw: unknown, deps: EnvelopeDependencies): Promise<LocusResult> {
  const started = monotonicMs();
  const rawRecord = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const jobId = typeof rawRecord.job_id === "string" ? rawRecord.job_id : deps.ids.uuid();
  const traceId = typeof rawRecord.trace_id === "string" ? rawRecord.trace_id : deps.ids.uuid();
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

  // 1. Schema: the envelope, the operation and its params.
  let job: z.output<typeof locusJobSchema>;
  let operation: OperationDefinition;
  let params: Record<string, unknown>;
  try {
    job = parseJob(raw);
    const found = deps.catalog.get(job.input.operation);
    if (!found) {
      throw new LocusError("HSK-400-INVALID-JOB", `unknown operation ${job.input.operation}`, {
        field: "input.operation",
        known: [...deps.catalog.keys()],
      });
    }
    operation = found;
    if (job.protocol_id !== protocolIdOf(operation.name)) {
      throw new LocusError("HSK-400-INVALID-JOB", `protocol_id must be ${protocolIdOf(operation.name)}`, {
        field: "protocol_id",
        expected: protocolIdOf(operation.name),
      });
    }
    if (
      job.work_packet_binding !== undefined &&
      !wpIdSchema.safeParse(job.work_packet_binding.work_packet_id).success
    ) {
      throw new LocusError("HSK-404-WP-BINDING", "work_packet_binding.work_packet_id is not a valid wp_id", {
        field: "work_packet_binding.work_packet_id",
      });
    }
    const size = Buffer.byteLength(JSON.stringify(job.input.params));
    if (size > deps.config.limits.params_bytes) {
      throw new LocusError(
        "HSK-413-LIMIT",
        `params are ${size} bytes; the limit is ${deps.config.limits.params_bytes}`,
        {
          field: "input.params",
          limit: deps.config.limits.params_bytes,
          actual: size,
        },
      );
    }
    const parsedParams = operation.params.safeParse(job.input.params);
    if (!parsedParams.success) throw zodFailure("HSK-400-INVALID-PARAMS", parsedParams.error, "params");
    params = parsedParams.data as Record<string, unknown>;
  } catch (error) {
    return fail(error);
  }

  const identity: JobIdentity = {
    job_id: jobId,
    trace_id: traceId,
    protocol_id: job.protocol_id,
    actor_id: job.actor_id ?? deps.surface?.actor ?? deps.config.default_actor ?? "local-user",
    profile_id: job.capability_profile_id ?? deps.surface?.profile ?? deps.config.default_profile,
    grants: new Set<string>(),
  };

  // 2. Capabilities: the job's profile intersected with the surface's (the most restrictive wins).
  const profiles = allProfiles(deps.config);
  // Own keys only: a profile named `__proto__` or `constructor` must be unknown, not Object.prototype (issue 7 fuzz).
  const grantsOf = (id: string) => (Object.hasOwn(profiles, id) ? profiles[id] : undefined);
  const jobGrants = grantsOf(identity.profile_id);
  const surfaceGrants = deps.surface?.profile === undefined ? undefined : grantsOf(deps.surface.profile);
  let decisions: CapabilityDecision[];
  let capabilityError: LocusError | undefined;
  if (jobGrants === undefined || (deps.surface?.profile !== undefined && surfaceGrants === undefined)) {
    const name = jobGrants === undefined ? identity.profile_id : (deps.surface?.profile as string);
    decisions = operation.capabilities.map((id) => ({
      capability_id: id,
      decision_outcome: "deny" as const,
      reason: "unknown profile",
    }));
    capabilityError = new LocusError("HSK-403-CAPABILITY", `unknown capability profile ${name}`, {
      field: "capability_profile_id",
      known: Object.keys(profiles),
    });
  } else {
    const grants = new Set(surfaceGrants ? jobGrants.filter((id) => surfaceGrants.includes(id)) : jobGrants);
    identity.grants = grants;
    const check = checkCapabilities(job.input.capabilities_requested, operation.capabilities, grants);
    decisions = check.decisions;
    capabilityError = check.error;
  }

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
      });
    }
  };
  const recordRefusal = async (error: unknown): Promise<LocusResult> => {
    // A failed job changes no state: its only trace is its capability decisions (section 3).
    let traced: string[] = [];
    try {
      await deps.store.transaction(async (tx) => {
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

  try {
    return await deps.store.transaction(async (tx) => {
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
      const ctx = new JobContext(tx, identity, deps, await tx.chainHead());
      recordDecisions(ctx);

      // 3. Binding: the bound WP must exist and be live.
      if (job.work_packet_binding !== undefined) {
        const bound = await tx.getWp(job.work_packet_binding.work_packet_id);
        if (!bound || bound.tombstone) {
          throw new LocusError("HSK-404-WP-BINDING", `work_packet_binding names no live WP`, {
            field: "work_packet_binding.work_packet_id",
            wp_id: job.work_packet_binding.work_packet_id,
          });
        }
      }

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
        await tx.putIdempotent(job.idempotency_key, { request_hash: requestHash, result });
      }
      // Last, with every state write done: work outside the database (the Task Board file, section 8).
      // A failure here still rolls the transaction back; only a failing COMMIT could leave the file ahead.
      for (const action of ctx.beforeCommit) await action();
      return result;
    });
  } catch (error) {
    return recordRefusal(error);
  }
}
