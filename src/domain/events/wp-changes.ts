import { z } from "zod";
import {
  labelSchema,
  PHASES,
  ROUTINGS,
  type TrackedWorkPacket,
  text,
  timestampSchema,
  userIdSchema,
  WP_STATUSES,
  WP_TYPES,
} from "../records.js";

/** Fields update_wp may change, with the schema of their new value; `null` clears an optional field. */
export const UPDATABLE_FIELDS = {
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
  task_board_token: z.string().regex(/^[A-Z0-9_ ]{1,40}$/),
} as const;

/** A field update_wp may change. */
export type UpdatableField = keyof typeof UPDATABLE_FIELDS;

/** Fields that live under `governance` in TrackedWorkPacket (update_wp accepts the dotted form too). */
export const GOVERNANCE_FIELDS: ReadonlySet<UpdatableField> = new Set([
  "phase",
  "routing",
  "task_packet_path",
  "task_board_token",
]);

const change = <T extends z.ZodType>(value: T) =>
  z.strictObject({ from: value.nullable().optional(), to: value.nullable() }).optional();

/** `changes` of work_packet_updated: per field, the value before and after. */
export const wpChangesSchema = z.strictObject({
  title: change(UPDATABLE_FIELDS.title),
  description: change(UPDATABLE_FIELDS.description),
  priority: change(UPDATABLE_FIELDS.priority),
  status: change(UPDATABLE_FIELDS.status),
  assignee: change(userIdSchema),
  labels: change(UPDATABLE_FIELDS.labels),
  phase: change(z.enum(PHASES)),
  routing: change(z.enum(ROUTINGS)),
  task_packet_path: change(text(1_000)),
  due_at: change(timestampSchema),
  type: change(UPDATABLE_FIELDS.type),
  task_board_token: change(UPDATABLE_FIELDS.task_board_token),
});
/** The changes of one update. */
export type WpChanges = z.infer<typeof wpChangesSchema>;

/** Reads the current value of an updatable field from a WP. */
export function readField(wp: TrackedWorkPacket, field: UpdatableField): unknown {
  if (GOVERNANCE_FIELDS.has(field)) return (wp.governance as Record<string, unknown>)[field] ?? null;
  return (wp as Record<string, unknown>)[field] ?? null;
}
