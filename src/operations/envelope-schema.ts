import { z } from "zod";
import { LocusError } from "../domain/errors.js";
import { inspectJsonShape, MAX_JOB_DEPTH } from "../domain/json-shape.js";
import { checkArtifactPaths } from "../domain/path-safety.js";
import {
  NO_CONTROL_CHARACTERS,
  nameSchema,
  userIdSchema,
  workPacketBindingSchema,
  wpIdSchema,
} from "../domain/records.js";
import type { OperationDefinition } from "./operation.js";
import { protocolIdOf } from "./operation.js";

// Section 3 step 1 (schema) of the envelope: the job's shape and bounds, its envelope, its operation and the
// operation's params, each refused with the contract code and the field that is wrong.

/** Section 3: the job every operation arrives in. */
export const locusJobSchema = z.strictObject({
  // Section 3: job_id and trace_id are uuids (the ones Locus generates are version 7). A free-form id could
  // carry anything into every event of the job; a uuid is also what lets one id name one job (see envelope.ts).
  job_id: z.uuid("must be a uuid").optional(),
  job_kind: z.literal("locus_operation"),
  protocol_id: nameSchema(100),
  capability_profile_id: nameSchema(100).optional(),
  actor_id: userIdSchema.optional(),
  trace_id: z.uuid("must be a uuid").optional(),
  idempotency_key: nameSchema(200).optional(),
  work_packet_binding: workPacketBindingSchema().optional(),
  input: z.strictObject({
    schema_version: z.literal("poe-1.0").optional(),
    op_id: z.string().max(100).regex(NO_CONTROL_CHARACTERS, "must not contain control characters").optional(),
    operation: nameSchema(100),
    params: z.record(z.string(), z.unknown()),
    capabilities_requested: z
      .array(z.string().max(300).regex(NO_CONTROL_CHARACTERS, "must not contain control characters"))
      .max(50),
  }),
});
/** A Locus job. */
export type LocusJob = z.input<typeof locusJobSchema>;
/** A job whose envelope passed the schema. */
export type ParsedJob = z.output<typeof locusJobSchema>;

/** Everything step 1 hands to the next steps. */
export interface CheckedJob {
  job: ParsedJob;
  operation: OperationDefinition;
  params: Record<string, unknown>;
}

/** The refusal for a zod failure: the code, and the dotted path of the first bad field under `prefix`. */
export function zodFailure(
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

const underParams = (path: readonly string[]) => path[0] === "input" && path[1] === "params";

/**
 * 1a. Shape: no nesting past MAX_JOB_DEPTH and no `__proto__` key anywhere, checked before anything that
 * recurses (zod, JSON.stringify, hashing) touches the job. In params a `__proto__` key is an unknown param.
 */
function checkShape(raw: unknown): void {
  const problem = inspectJsonShape(raw, MAX_JOB_DEPTH);
  if (problem === undefined) return;
  const inParams = underParams(problem.path);
  if (problem.kind === "too_deep") {
    const field = inParams ? "input.params" : (problem.path[0] ?? "job");
    throw new LocusError(
      "HSK-413-LIMIT",
      `${field} nests objects and arrays deeper than ${MAX_JOB_DEPTH} levels (the job itself is level 1)`,
      { field, limit: MAX_JOB_DEPTH, path: problem.path.slice(0, 8).join(".") },
    );
  }
  const field = inParams ? ["params", ...problem.path.slice(2)].join(".") : problem.path.join(".");
  throw new LocusError(
    inParams ? "HSK-400-INVALID-PARAMS" : "HSK-400-INVALID-JOB",
    `${field}: unknown key "__proto__"`,
    { field },
  );
}

/** 1b. The envelope against locusJobSchema. */
function parseEnvelope(raw: unknown): ParsedJob {
  const parsed = locusJobSchema.safeParse(raw);
  if (!parsed.success) throw zodFailure("HSK-400-INVALID-JOB", parsed.error, "");
  return parsed.data;
}

/** 1c. The operation named by the job, which its protocol_id must match. */
function operationOf(job: ParsedJob, catalog: ReadonlyMap<string, OperationDefinition>): OperationDefinition {
  const operation = catalog.get(job.input.operation);
  if (!operation) {
    throw new LocusError("HSK-400-INVALID-JOB", `unknown operation ${job.input.operation}`, {
      field: "input.operation",
      known: [...catalog.keys()],
    });
  }
  if (job.protocol_id !== protocolIdOf(operation.name)) {
    throw new LocusError("HSK-400-INVALID-JOB", `protocol_id must be ${protocolIdOf(operation.name)}`, {
      field: "protocol_id",
      expected: protocolIdOf(operation.name),
    });
  }
  return operation;
}

/** 1d. Params: at most `limit` bytes as JSON (section 3), then the operation's own schema. */
function parseParams(job: ParsedJob, operation: OperationDefinition, limit: number): Record<string, unknown> {
  const size = Buffer.byteLength(JSON.stringify(job.input.params));
  if (size > limit) {
    throw new LocusError("HSK-413-LIMIT", `params are ${size} bytes; the limit is ${limit}`, {
      field: "input.params",
      limit,
      actual: size,
    });
  }
  const parsed = operation.params.safeParse(job.input.params);
  if (!parsed.success)
    throw (
      misplacedParam(operation, parsed.error) ?? zodFailure("HSK-400-INVALID-PARAMS", parsed.error, "params")
    );
  return parsed.data as Record<string, unknown>;
}

/** An unknown top-level param that the operation takes inside one of its object params, said so (issue 18). */
function misplacedParam(operation: OperationDefinition, error: z.ZodError): LocusError | undefined {
  const nested = operation.nested;
  const issue = error.issues[0];
  if (nested === undefined || issue?.code !== "unrecognized_keys" || issue.path.length > 0) return undefined;
  const known = new Set(nested.keys());
  const misplaced = issue.keys.filter((key) => known.has(key));
  if (misplaced.length === 0) return undefined;
  const example = `{"${nested.under}": {"${misplaced[0]}": ...}}`;
  return new LocusError(
    "HSK-400-INVALID-PARAMS",
    `params.${misplaced[0]}: ${misplaced.join(", ")} belong${misplaced.length === 1 ? "s" : ""} under params.${nested.under}, as ${example}`,
    { field: `params.${misplaced[0]}`, belongs_under: `params.${nested.under}` },
  );
}

/** Section 3 step 1: the checked job, its operation and its parsed params, or the refusal (thrown). */
export function checkJob(
  raw: unknown,
  catalog: ReadonlyMap<string, OperationDefinition>,
  paramsLimit: number,
): CheckedJob {
  checkShape(raw);
  const job = parseEnvelope(raw);
  const operation = operationOf(job, catalog);
  if (
    job.work_packet_binding !== undefined &&
    !wpIdSchema.safeParse(job.work_packet_binding.work_packet_id).success
  ) {
    throw new LocusError("HSK-404-WP-BINDING", "work_packet_binding.work_packet_id is not a valid wp_id", {
      field: "work_packet_binding.work_packet_id",
    });
  }
  if (job.work_packet_binding !== undefined)
    checkArtifactPaths({
      "work_packet_binding.refinement_ref": job.work_packet_binding.refinement_ref,
      "work_packet_binding.signature_ref": job.work_packet_binding.signature_ref,
    });
  return { job, operation, params: parseParams(job, operation, paramsLimit) };
}
