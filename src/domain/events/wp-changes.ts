import { z } from "zod";
import { lazy } from "../lazy.js";
import {
  executionHoldSchema,
  labelSchema,
  leaseSchema,
  PHASES,
  ROUTINGS,
  type TrackedWorkPacket,
  text,
  timestampSchema,
  userIdSchema,
  WP_STATUSES,
  WP_TYPES,
} from "../records.js";

/**
 * Fields update_wp may change, with the schema of their new value; `null` clears an optional field. Built on
 * first use, like every schema a read command does not need.
 */
export const updatableFields = lazy(
  () =>
    ({
      title: text(500).min(1),
      description: text(100_000),
      priority: z.number().int().min(0).max(4),
      status: z.enum(WP_STATUSES),
      assignee: userIdSchema.nullable(),
      labels: z.array(labelSchema).max(100),
      phase: z.enum(PHASES).nullable(),
      routing: z.enum(ROUTINGS).nullable(),
      task_packet_path: text(1_000).min(1).nullable(),
      due_at: timestampSchema.nullable(),
      type: z.enum(WP_TYPES),
      defer_until: timestampSchema.nullable(),
      task_board_token: z.string().regex(/^[A-Z0-9_ ]{1,40}$/),
      lease: leaseSchema().nullable(),
    }) as const,
);

/**
 * Fields only Locus itself writes: the board's token (board sync) and the lease (claim_wp, release_wp, section 17).
 * update_wp refuses them and the CLI offers no flag for them.
 */
export const INTERNAL_FIELDS: ReadonlySet<string> = new Set(["task_board_token", "lease"]);

/** A field update_wp may change. */
export type UpdatableField = keyof ReturnType<typeof updatableFields>;

/**
 * Fields a work_packet_updated event may change: the updatable ones, and the execution policy's hold and
 * iteration base (section 16), which only the execution rules write (record_iteration holds, a resume releases).
 */
export type ChangedField = UpdatableField | "hold" | "iteration_base";

/** Fields that live under `governance` in TrackedWorkPacket (update_wp accepts the dotted form too). */
export const GOVERNANCE_FIELDS: ReadonlySet<ChangedField> = new Set<ChangedField>([
  "phase",
  "routing",
  "task_packet_path",
  "task_board_token",
  "hold",
  "iteration_base",
]);

const change = <T extends z.ZodType>(value: T) =>
  z.strictObject({ from: value.nullable().optional(), to: value.nullable() }).optional();

/** `changes` of work_packet_updated: per field, the value before and after. */
export const wpChangesSchema = lazy(() => {
  const fields = updatableFields();
  return z.strictObject({
    title: change(fields.title),
    description: change(fields.description),
    priority: change(fields.priority),
    status: change(fields.status),
    assignee: change(userIdSchema),
    labels: change(fields.labels),
    phase: change(z.enum(PHASES)),
    routing: change(z.enum(ROUTINGS)),
    task_packet_path: change(text(1_000)),
    due_at: change(timestampSchema),
    type: change(fields.type),
    defer_until: change(timestampSchema),
    task_board_token: change(fields.task_board_token),
    hold: change(executionHoldSchema()),
    iteration_base: change(z.number().int().nonnegative()),
    lease: change(leaseSchema()),
  });
});
/** The changes of one update. */
export type WpChanges = z.infer<ReturnType<typeof wpChangesSchema>>;

/** Reads the current value of an updatable field from a WP. */
export function readField(wp: TrackedWorkPacket, field: ChangedField): unknown {
  if (GOVERNANCE_FIELDS.has(field)) return (wp.governance as Record<string, unknown>)[field] ?? null;
  return (wp as Record<string, unknown>)[field] ?? null;
}
