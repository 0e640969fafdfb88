import { z } from "zod";
import { MT_ID_PATTERN, WP_ID_PATTERN } from "./ids.js";
import { lazy } from "./lazy.js";

// 2.3.15.2: the records, all fields kept, with the decisions of LOCUS_SPEC section 2. The record schemas are
// built on first use (lazy.ts): the event registry and a few params need them, a read command does not.

/** WP lifecycle states (section 5). */
export const WP_STATUSES = ["stub", "ready", "in_progress", "blocked", "gated", "done", "cancelled"] as const;
/** A WP status. */
export type WorkPacketStatus = (typeof WP_STATUSES)[number];
/** Task Board status: the WP status in capitals. */
export type TaskBoardStatus = Uppercase<WorkPacketStatus>;
/** The board status of a WP status. */
export const toBoardStatus = (status: WorkPacketStatus): TaskBoardStatus =>
  status.toUpperCase() as TaskBoardStatus;
/** The WP status of a board status. */
export const fromBoardStatus = (status: TaskBoardStatus): WorkPacketStatus =>
  status.toLowerCase() as WorkPacketStatus;
/** Default token shown on the board per status (section 5). */
export const DEFAULT_BOARD_TOKENS: Record<WorkPacketStatus, string> = {
  stub: "STUB",
  ready: "READY_FOR_DEV",
  in_progress: "IN_PROGRESS",
  blocked: "BLOCKED",
  gated: "GATED",
  done: "VALIDATED",
  cancelled: "SUPERSEDED",
};

/** MT states (section 5). */
export const MT_STATUSES = ["pending", "in_progress", "completed", "failed", "blocked", "skipped"] as const;
/** An MT status. */
export type MicroTaskStatus = (typeof MT_STATUSES)[number];

/** WP types of 2.3.15.2. */
export const WP_TYPES = ["feature", "bug", "refactor", "docs", "test", "chore"] as const;
/** Governance phases of 2.3.15.2. */
export const PHASES = ["0", "0.5", "1", "2", "3", "4"] as const;
/** Governance routings of 2.3.15.2. */
export const ROUTINGS = ["GOV_STRICT", "GOV_STANDARD", "GOV_LIGHT", "GOV_NONE"] as const;
/** The ten dependency types of 2.3.15.2. */
export const DEPENDENCY_TYPES = [
  "blocks",
  "blocked_by",
  "related",
  "parent-child",
  "discovered-from",
  "duplicate-of",
  "depends-on",
  "implements",
  "tests",
  "documents",
] as const;
/** A dependency type. */
export type DependencyType = (typeof DEPENDENCY_TYPES)[number];
/** Iteration outcomes of MTIterationRecord. */
export const ITERATION_OUTCOMES = ["SUCCESS", "RETRY", "ESCALATE", "BLOCKED", "SKIPPED"] as const;

/** A bounded free-text field. */
export const text = (max: number) => z.string().max(max);
/** An RFC 3339 timestamp. */
export const timestampSchema = z.string().datetime({ offset: true });
/** A WP id. */
export const wpIdSchema = z.string().regex(WP_ID_PATTERN, "must match ^WP-[A-Za-z0-9._-]{1,125}$");
/** An MT id. */
export const mtIdSchema = z.string().regex(MT_ID_PATTERN, "must match ^MT-[0-9]{3,6}$");
/**
 * Text that names something (an actor, a label, a key) holds no control character: C0 (NUL, newline, ESC ...),
 * DEL, C1, or the Unicode line and paragraph separators. Such a name is stored in the Flight Recorder and shown
 * on terminals and the board, where a NUL truncates it and a newline or escape sequence forges what follows.
 */
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/;
/** A name: 1 to `max` characters, none of them a control character. */
export const nameSchema = (max: number) =>
  z.string().min(1).max(max).regex(NO_CONTROL_CHARACTERS, "must not contain control characters");
/** A user id (actor). */
export const userIdSchema = nameSchema(200);
/** A label. */
export const labelSchema = nameSchema(100);
/** `{replica_id: counter}`. */
export const vectorClockSchema = z.record(z.string(), z.number().int().nonnegative());
/** A vector clock. */
export type VectorClock = z.infer<typeof vectorClockSchema>;

/**
 * Section 16: an artifact reference. The spec's ArtifactHandle `{artifact_id, path}` (the path inside the
 * workspace, checked by `checkArtifactPaths` like every path), or, as before, a free-text reference (a URL).
 */
export const artifactRefSchema = lazy(() =>
  z.union([text(2_000), z.strictObject({ artifact_id: z.uuid(), path: text(1_000).min(1) })]),
);
/** An artifact reference: text, or an ArtifactHandle. */
export type ArtifactRef = z.infer<ReturnType<typeof artifactRefSchema>>;

/** Section 16: an ArtifactHandle proper (a binding's references must be handles, not free text). */
export const artifactHandleSchema = lazy(() =>
  z.strictObject({ artifact_id: z.uuid(), path: text(1_000).min(1) }),
);

/** Governance modes of spec 2.6.8. */
export const GOVERNANCE_MODES = ["GOV_STRICT", "GOV_STANDARD", "GOV_LIGHT"] as const;

/**
 * Section 16: WorkPacketBinding of spec 2.6.8.7. `work_packet_id` is required (the envelope checks it names a live
 * WP, HSK-404-WP-BINDING); every other field is validated when given, and nothing else is accepted.
 */
export const workPacketBindingSchema = lazy(() =>
  z.strictObject({
    spec_id: text(200).min(1).optional(),
    task_board_id: text(200).min(1).optional(),
    work_packet_id: z.string().max(200),
    refinement_ref: artifactHandleSchema().optional(),
    signature_ref: artifactHandleSchema().optional(),
    mode: z.enum(GOVERNANCE_MODES).optional(),
    workflow_context: z.union([text(200), z.record(z.string().max(100), text(1_000))]).optional(),
    capability_registry_version: text(100).min(1).optional(),
  }),
);
/** A WorkPacketBinding. */
export type WorkPacketBinding = z.infer<ReturnType<typeof workPacketBindingSchema>>;

/** GateStatus of 2.3.15.2. */
export const gateStatusSchema = lazy(() =>
  z.strictObject({
    status: z.enum(["pending", "pass", "fail", "skip"]),
    validated_at: timestampSchema.optional(),
    validated_by: userIdSchema.optional(),
    notes: text(10_000).optional(),
    validation_report_ref: artifactRefSchema().optional(),
  }),
);
/** A gate decision (current or historical). */
export type GateStatus = z.infer<ReturnType<typeof gateStatusSchema>>;
/** The two gates. */
export const GATES = ["pre_work", "post_work"] as const;
/** A gate name. */
export type GateName = (typeof GATES)[number];

/** WorkNote of 2.3.15.2: append-only. */
export const workNoteSchema = lazy(() =>
  z.strictObject({
    note_id: z.string(),
    author: userIdSchema,
    content: text(20_000),
    created_at: timestampSchema,
    note_type: z.enum(["user", "system", "gate", "mt_executor"]),
  }),
);
/** A note on a WP. */
export type WorkNote = z.infer<ReturnType<typeof workNoteSchema>>;

/**
 * Section 16: why the execution policy holds a WP's micro-tasks until a holder of locus.gate resumes it: an
 * escalation reached a hard-gate level, or the WP used up max_total_iterations. `iterations` is the WP's total
 * when it was held (resuming makes it the base the next max_total_iterations counts from).
 */
export const executionHoldSchema = lazy(() =>
  z.strictObject({
    reason: z.enum(["hard_gate", "max_total_iterations"]),
    mt_id: mtIdSchema.optional(),
    level: z.number().int().nonnegative().optional(),
    iterations: z.number().int().nonnegative(),
    since: timestampSchema,
  }),
);
/** An execution policy hold (section 16). */
export type ExecutionHold = z.infer<ReturnType<typeof executionHoldSchema>>;
/** 17: a claim that expires: who holds the WP, since when, and until when (absent: no expiry). */
export const leaseSchema = lazy(() =>
  z.strictObject({
    holder: userIdSchema,
    claimed_at: timestampSchema,
    expires_at: timestampSchema.optional(),
  }),
);
/** A lease on a WP. */
export type Lease = z.infer<ReturnType<typeof leaseSchema>>;

/** TrackedWorkPacket of 2.3.15.2 (section 2 decisions: exact counters, append-only history, tombstone). */
export const workPacketSchema = lazy(() =>
  z.strictObject({
    wp_id: wpIdSchema,
    version: z.number().int().positive(),
    title: text(500),
    description: text(100_000),
    status: z.enum(WP_STATUSES),
    priority: z.number().int().min(0).max(4),
    governance: z.strictObject({
      phase: z.enum(PHASES).optional(),
      routing: z.enum(ROUTINGS).optional(),
      spec_session_id: text(200).optional(),
      gates: z.strictObject({ pre_work: gateStatusSchema(), post_work: gateStatusSchema() }),
      gate_history: z.strictObject({
        pre_work: z.array(gateStatusSchema()),
        post_work: z.array(gateStatusSchema()),
      }),
      task_packet_path: text(1_000).optional(),
      task_board_status: z.enum(["STUB", "READY", "IN_PROGRESS", "BLOCKED", "GATED", "DONE", "CANCELLED"]),
      task_board_token: z.string().regex(/^[A-Z0-9_ ]{1,40}$/),
      /** Section 16: set while the execution policy holds the WP's micro-tasks. */
      hold: executionHoldSchema().optional(),
      /** Section 16: the total iterations when the WP was last resumed; max_total_iterations counts from it. */
      iteration_base: z.number().int().nonnegative().optional(),
    }),
    type: z.enum(WP_TYPES),
    labels: z.array(labelSchema),
    assignee: userIdSchema.optional(),
    reporter: userIdSchema,
    micro_tasks: z.strictObject({
      total: z.number().int().nonnegative(),
      completed: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      in_progress: z.number().int().nonnegative(),
      skipped: z.number().int().nonnegative(),
      mt_ids: z.array(mtIdSchema),
    }),
    created_at: timestampSchema,
    updated_at: timestampSchema,
    started_at: timestampSchema.optional(),
    completed_at: timestampSchema.optional(),
    due_at: timestampSchema.optional(),
    /** 17: not ready nor claimable before this time (UTC, RFC 3339). */
    defer_until: timestampSchema.optional(),
    /** 17: the claim of an agent; it expires at `expires_at` (absent: never) unless renewed by claiming again. */
    lease: leaseSchema().optional(),
    notes: z.array(workNoteSchema()),
    metadata: z.record(z.string(), z.unknown()),
    vector_clock: vectorClockSchema,
    tombstone: z
      .strictObject({ deleted_at: timestampSchema, deleted_by: userIdSchema, reason: text(2_000).optional() })
      .optional(),
  }),
);
/** A Work Packet. */
export type TrackedWorkPacket = z.infer<ReturnType<typeof workPacketSchema>>;

/** EscalationLevel of 2.6.6.8. */
export const escalationLevelSchema = lazy(() =>
  z.strictObject({
    level: z.number().int().nonnegative(),
    model_id: text(200),
    lora_id: text(200).optional(),
    lora_selector: z.enum(["auto", "alternate", "none"]).optional(),
    is_cloud: z.boolean().default(false),
    is_hard_gate: z.boolean().default(false),
  }),
);
/** One level of an escalation chain. */
export type EscalationLevel = z.infer<ReturnType<typeof escalationLevelSchema>>;

/** MTIterationRecord of 2.3.15.2 (flat). */
export const iterationRecordSchema = lazy(() =>
  z.strictObject({
    iteration: z.number().int().positive(),
    model_id: text(200),
    lora_id: text(200).optional(),
    escalation_level: z.number().int().nonnegative(),
    started_at: timestampSchema,
    completed_at: timestampSchema,
    duration_ms: z.number().int().nonnegative(),
    tokens_prompt: z.number().int().nonnegative(),
    tokens_completion: z.number().int().nonnegative(),
    claimed_complete: z.boolean(),
    validation_passed: z.boolean().optional(),
    outcome: z.enum(ITERATION_OUTCOMES),
    output_artifact_ref: artifactRefSchema().optional(),
    validation_artifact_ref: artifactRefSchema().optional(),
    error_summary: text(10_000).optional(),
    failure_category: text(200).optional(),
  }),
);
/** One iteration of an MT. */
export type MTIterationRecord = z.infer<ReturnType<typeof iterationRecordSchema>>;

/** Validation result of an MT. */
export const validationResultSchema = lazy(() =>
  z.strictObject({
    passed: z.boolean(),
    blocking_failures: z.array(text(2_000)).max(200).default([]),
    warnings: z.array(text(2_000)).max(200).default([]),
    evidence_ref: artifactRefSchema().optional(),
  }),
);

/** TrackedMicroTask of 2.3.15.2; keyed by (wp_id, mt_id). */
export const microTaskSchema = lazy(() =>
  z.strictObject({
    mt_id: mtIdSchema,
    wp_id: wpIdSchema,
    name: text(500),
    scope: text(10_000),
    files: z.strictObject({
      read: z.array(text(1_000)),
      modify: z.array(text(1_000)),
      create: z.array(text(1_000)),
    }),
    done_criteria: z.array(text(2_000)),
    status: z.enum(MT_STATUSES),
    iterations: z.array(iterationRecordSchema()),
    current_iteration: z.number().int().nonnegative(),
    max_iterations: z.number().int().min(1).max(20),
    validation_result: validationResultSchema().optional(),
    escalation: z.strictObject({
      current_level: z.number().int().nonnegative(),
      escalation_chain: z.array(escalationLevelSchema()),
      escalations_count: z.number().int().nonnegative(),
      drop_backs_count: z.number().int().nonnegative(),
    }),
    started_at: timestampSchema.optional(),
    completed_at: timestampSchema.optional(),
    duration_ms: z.number().int().nonnegative().optional(),
    depends_on: z.array(mtIdSchema),
    metadata: z.record(z.string(), z.unknown()),
  }),
);
/** A Micro-Task. */
export type TrackedMicroTask = z.infer<ReturnType<typeof microTaskSchema>>;

/** TrackedDependency of 2.3.15.2; `blocked_by` is stored as the inverse `blocks`. */
export const dependencySchema = lazy(() =>
  z.strictObject({
    dependency_id: z.string().regex(/^dep_[0-9A-Z]{26}$/),
    from_wp_id: wpIdSchema,
    to_wp_id: wpIdSchema,
    type: z.enum(DEPENDENCY_TYPES).exclude(["blocked_by"]),
    description: text(2_000).optional(),
    created_at: timestampSchema,
    created_by: userIdSchema,
    vector_clock: vectorClockSchema,
  }),
);
/** A dependency edge. */
export type TrackedDependency = z.infer<ReturnType<typeof dependencySchema>>;

/** A WP is closed for readiness when it can never block again (section 7: done or cancelled). */
export const isClosedStatus = (status: WorkPacketStatus): boolean =>
  status === "done" || status === "cancelled";
