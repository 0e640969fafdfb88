import { z } from "zod";
import { LocusError } from "../errors.js";
import { lazy } from "../lazy.js";
import { MEMBER_ROLES } from "../members.js";
import {
  dependencySchema,
  GATES,
  gateStatusSchema,
  iterationRecordSchema,
  microTaskSchema,
  mtIdSchema,
  text,
  timestampSchema,
  userIdSchema,
  validationResultSchema,
  vectorClockSchema,
  WP_STATUSES,
  workNoteSchema,
  workPacketBindingSchema,
  workPacketSchema,
  wpIdSchema,
} from "../records.js";
import { wpChangesSchema } from "./wp-changes.js";

// 6 / 2.3.15.6: the Flight Recorder registry, keyed by event_name, with strict payload allow-lists.

/** Fields the recorder adds to every payload (section 6: what Handshake left out). */
const recorderFields = {
  replica_id: z.string().min(1).max(200),
  sequence: z.number().int().positive(),
  vector_clock: vectorClockSchema,
};

/** The WP write a state event caused: the Bronze snapshot and the WP version after it. */
const wpWrite = { bronze_id: z.string().startsWith("brz_"), version: z.number().int().positive() };
const optionalWpWrite = { bronze_id: wpWrite.bronze_id.optional(), version: wpWrite.version.optional() };
const boardStatus = z.enum(["STUB", "READY", "IN_PROGRESS", "BLOCKED", "GATED", "DONE", "CANCELLED"]);
const count = z.number().int().nonnegative();

/** A payload schema, built on first use: a command builds only the schemas of the events it records. */
const strict = <T extends z.ZodRawShape>(shape: () => T) =>
  lazy(() => z.strictObject({ ...shape(), ...recorderFields }));

/** Payload schemas by event name; `event_id` is the spec's FR id. */
export const EVENT_REGISTRY = {
  work_packet_created: {
    event_id: "FR-EVT-WP-001",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      ...wpWrite,
      wp: workPacketSchema(),
      created_by: userIdSchema,
      source: z.enum(["api", "task_board_import", "import"]),
      spec_session_id: text(200).optional(),
    })),
  },
  work_packet_updated: {
    event_id: "FR-EVT-WP-002",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      ...wpWrite,
      changes: wpChangesSchema(),
      note: workNoteSchema().optional(),
      source: text(100).optional(),
      /** Section 17: a claim took the WP over from this holder, whose lease had expired. */
      taken_over_from: userIdSchema.optional(),
    })),
  },
  work_packet_gated: {
    event_id: "FR-EVT-WP-003",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      ...wpWrite,
      gate: z.enum(GATES),
      result: gateStatusSchema(),
      note: workNoteSchema(),
      status_change: z.strictObject({ from: z.enum(WP_STATUSES), to: z.enum(WP_STATUSES) }).optional(),
    })),
  },
  work_packet_completed: {
    event_id: "FR-EVT-WP-004",
    payload: strict(() => ({ wp_id: wpIdSchema, ...wpWrite, completed_at: timestampSchema })),
  },
  work_packet_deleted: {
    event_id: "FR-EVT-WP-005",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      ...wpWrite,
      deleted_by: userIdSchema,
      reason: text(2_000).optional(),
      previous_status: z.enum(WP_STATUSES),
    })),
  },
  micro_tasks_registered: {
    event_id: "FR-EVT-MT-001",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      ...wpWrite,
      micro_tasks: z.array(microTaskSchema()).min(1),
    })),
  },
  mt_iteration_completed: {
    event_id: "FR-EVT-MT-002",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      mt_id: mtIdSchema,
      ...optionalWpWrite,
      record: iterationRecordSchema(),
    })),
  },
  mt_started: {
    event_id: "FR-EVT-MT-003",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      mt_id: mtIdSchema,
      ...optionalWpWrite,
      model_id: text(200).optional(),
      lora_id: text(200).optional(),
      escalation_level: count,
    })),
  },
  mt_completed: {
    event_id: "FR-EVT-MT-004",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      mt_id: mtIdSchema,
      ...optionalWpWrite,
      outcome: z.enum(["completed", "skipped"]),
      final_iteration: count.optional(),
      validation_result: validationResultSchema().optional(),
    })),
  },
  mt_escalated: {
    event_id: "FR-EVT-MT-005",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      mt_id: mtIdSchema,
      from_level: count,
      to_level: count,
      model_id: text(200).optional(),
      reason: z.enum(["outcome_escalate", "max_iterations"]),
    })),
  },
  mt_failed: {
    event_id: "FR-EVT-MT-006",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      mt_id: mtIdSchema,
      ...optionalWpWrite,
      reason: z.enum(["max_iterations_exhausted", "escalation_exhausted", "completed_as_failed"]),
      failure_category: text(200).optional(),
      error_summary: text(10_000).optional(),
      validation_result: validationResultSchema().optional(),
    })),
  },
  dependency_added: {
    event_id: "FR-EVT-DEP-001",
    payload: strict(() => ({
      dependency: dependencySchema(),
      requested_type: z.literal("blocked_by").optional(),
    })),
  },
  dependency_removed: {
    event_id: "FR-EVT-DEP-002",
    payload: strict(() => ({
      dependency_id: z.string(),
      from_wp_id: wpIdSchema,
      to_wp_id: wpIdSchema,
      type: z.string(),
    })),
  },
  task_board_entry_added: {
    event_id: "FR-EVT-TB-001",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      board_path: text(1_000),
      board_status: boardStatus,
      token: text(40),
    })),
  },
  task_board_synced: {
    event_id: "FR-EVT-TB-002",
    payload: strict(() => ({
      board_path: text(1_000),
      direction: z.enum(["both", "from_board", "to_board"]),
      dry_run: z.boolean(),
      written: z.boolean(),
      status_changes: count,
      entries_added: count,
      entries_moved: count,
      conflicts: count,
      unknown_entries: count,
      duplicates_removed: count,
      imported: count,
    })),
  },
  task_board_status_changed: {
    event_id: "FR-EVT-TB-003",
    payload: strict(() => ({
      wp_id: wpIdSchema,
      board_path: text(1_000),
      from_board_status: boardStatus,
      to_board_status: boardStatus,
      applied: z.boolean(),
    })),
  },
  sync_started: {
    event_id: "FR-EVT-SYNC-001",
    payload: strict(() => ({ kind: z.enum(["task_board", "events"]), target: text(1_000).optional() })),
  },
  sync_completed: {
    event_id: "FR-EVT-SYNC-002",
    payload: strict(() => ({
      kind: z.enum(["task_board", "events"]),
      target: text(1_000).optional(),
      changes: count,
    })),
  },
  sync_failed: {
    event_id: "FR-EVT-SYNC-003",
    payload: strict(() => ({
      kind: z.enum(["task_board", "events"]),
      target: text(1_000).optional(),
      code: text(100),
      message: text(2_000),
    })),
  },
  work_query_executed: {
    event_id: "FR-EVT-QUERY-001",
    payload: strict(() => ({
      operation: text(100),
      filters: z.record(z.string(), z.unknown()),
      result_count: count,
      total_count: count.optional(),
      sort_policy: text(50).optional(),
      calendar_policy_id: text(100).optional(),
    })),
  },
  capability_decision: {
    event_id: "FR-EVT-CAP-001",
    payload: strict(() => ({
      capability_id: text(300),
      actor_id: userIdSchema,
      job_id: z.string(),
      decision_outcome: z.enum(["allow", "deny"]),
      capability_profile_id: text(200).optional(),
      reason: text(300).optional(),
      /** Section 16: the job's WorkPacketBinding, recorded with its decisions. */
      work_packet_binding: workPacketBindingSchema().optional(),
    })),
  },
  member_added: {
    event_id: "FR-EVT-MEMBER-001",
    payload: strict(() => ({
      member_actor_id: userIdSchema,
      role: z.enum(MEMBER_ROLES),
      grants: z.array(text(300)).max(20),
      added_by: userIdSchema,
    })),
  },
  member_removed: {
    event_id: "FR-EVT-MEMBER-002",
    payload: strict(() => ({
      member_actor_id: userIdSchema,
      role: z.enum(MEMBER_ROLES),
      removed_by: userIdSchema,
    })),
  },
  members_required: {
    event_id: "FR-EVT-MEMBER-003",
    payload: strict(() => ({ required: z.boolean(), changed_by: userIdSchema })),
  },
  events_purged: {
    event_id: "FR-EVT-LOG-001",
    payload: strict(() => ({
      older_than: timestampSchema,
      removed: count,
      removed_digest: z.string().regex(/^[0-9a-f]{64}$/),
      first_seq: count.optional(),
      last_seq: count.optional(),
      by_name: z.strictObject({ work_query_executed: count, capability_decision: count }),
    })),
  },
  diagnostic: {
    event_id: "FR-EVT-DIAG-001",
    payload: strict(() => ({ code: text(100), message: text(2_000), subject: text(1_000).optional() })),
  },
} as const;

/** A registered event name. */
export type EventName = keyof typeof EVENT_REGISTRY;
/** The payload of an event, as the recorder stores it. */
export type EventPayload<N extends EventName> = z.infer<ReturnType<(typeof EVENT_REGISTRY)[N]["payload"]>>;
/** The payload an operation emits: the recorder adds replica_id, sequence and vector_clock. */
export type EmittedPayload<N extends EventName> = Omit<
  EventPayload<N>,
  "replica_id" | "sequence" | "vector_clock"
>;
/** Events that change WPs, MTs or dependencies: replay reads these; retention never purges them. */
export const STATE_EVENT_NAMES: ReadonlySet<EventName> = new Set<EventName>([
  "work_packet_created",
  "work_packet_updated",
  "work_packet_gated",
  "work_packet_completed",
  "work_packet_deleted",
  "micro_tasks_registered",
  "mt_iteration_completed",
  "mt_started",
  "mt_completed",
  "mt_escalated",
  "mt_failed",
  "dependency_added",
  "dependency_removed",
]);

/** True when `name` is registered. */
export const isEventName = (name: string): name is EventName => Object.hasOwn(EVENT_REGISTRY, name);

/** Validates a payload against its event's schema; unknown events and bad payloads are HSK-400-INVALID-EVENT. */
export function validateEventPayload(name: string, payload: unknown): { event_id: string; payload: unknown } {
  if (!isEventName(name)) {
    throw new LocusError("HSK-400-INVALID-EVENT", `event ${name} is not in the Flight Recorder registry`, {
      field: "event_name",
      event_name: name,
    });
  }
  const entry = EVENT_REGISTRY[name];
  const parsed = entry.payload().safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LocusError("HSK-400-INVALID-EVENT", `event ${name} payload: ${issue?.message ?? "invalid"}`, {
      field: `payload.${issue?.path.join(".") ?? ""}`,
      event_name: name,
    });
  }
  return { event_id: entry.event_id, payload: parsed.data };
}
