import { z } from "zod";
import { BUILT_IN_PROFILES, type CapabilityProfiles, validateProfiles } from "../domain/capabilities.js";
import { LocusError } from "../domain/errors.js";
import { MAX_LEASE_SECONDS } from "../domain/leases.js";
import { escalationLevelSchema, PHASES, userIdSchema, WP_TYPES } from "../domain/records.js";

/** 7: a calendar policy profile restricts the ready query and may set its sort. */
export const calendarPolicySchema = z.strictObject({
  labels: z.array(z.string()).optional(),
  types: z.array(z.enum(WP_TYPES)).optional(),
  phases: z.array(z.enum(PHASES)).optional(),
  priority_min: z.number().int().min(0).max(4).optional(),
  priority_max: z.number().int().min(0).max(4).optional(),
  sort_by: z.enum(["priority", "age", "hybrid"]).optional(),
});
/** A calendar policy profile. */
export type CalendarPolicy = z.infer<typeof calendarPolicySchema>;

/** 7: the built-in calendar policy profiles. */
export const BUILT_IN_CALENDAR_POLICIES: Readonly<Record<string, CalendarPolicy>> = {
  NORMAL: {},
  FOCUS_MODE: { priority_max: 1, sort_by: "priority" },
  SPRINT_MODE: { types: ["feature", "bug", "test"], priority_max: 2, sort_by: "hybrid" },
};

/**
 * Section 16 (spec 2.6.6.8): the default escalation chain. Local models of growing size, each tried with the
 * automatic and then an alternate adapter, then a person (a hard gate), then a cloud model behind a hard gate.
 * A workspace names its own models in `execution_policy.escalation_chain`.
 */
export const DEFAULT_ESCALATION_CHAIN = [
  { level: 0, model_id: "local:7b", lora_selector: "auto", is_cloud: false, is_hard_gate: false },
  { level: 1, model_id: "local:7b", lora_selector: "alternate", is_cloud: false, is_hard_gate: false },
  { level: 2, model_id: "local:14b", lora_selector: "auto", is_cloud: false, is_hard_gate: false },
  { level: 3, model_id: "local:14b", lora_selector: "alternate", is_cloud: false, is_hard_gate: false },
  { level: 4, model_id: "local:32b", lora_selector: "none", is_cloud: false, is_hard_gate: false },
  { level: 5, model_id: "human", is_cloud: false, is_hard_gate: true },
  { level: 6, model_id: "cloud", is_cloud: true, is_hard_gate: true },
] as const;

/** Section 16: the workspace's ExecutionPolicy (the parts Locus enforces), with the spec's defaults and ranges. */
export const executionPolicySchema = z
  .strictObject({
    max_iterations_per_mt: z.number().int().min(1).max(20).default(5),
    max_total_iterations: z.number().int().min(1).max(500).default(100),
    cloud_escalation_allowed: z.boolean().default(false),
    escalation_chain: z
      .array(escalationLevelSchema())
      .min(1)
      .max(20)
      .refine((chain) => chain.every((level, position) => level.level === position), {
        message: "escalation_chain levels must be 0, 1, 2... in order",
      })
      .default(() => DEFAULT_ESCALATION_CHAIN.map((level) => ({ ...level }))),
  })
  .prefault({});
/** The execution policy in force. */
export type ExecutionPolicy = z.infer<typeof executionPolicySchema>;

/** A span of time as people write it: `30d`, `12h`, `90m`, `45s` (section 16 retention). */
export const durationSchema = z
  .string()
  .regex(/^\d{1,6}[dhms]$/, { message: "a duration is a number and a unit: 30d, 12h, 90m or 45s" });

/** Milliseconds of a duration (`durationSchema`). */
export function durationMs(duration: string): number {
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 }[
    duration.slice(-1) as "d" | "h" | "m" | "s"
  ];
  return Number(duration.slice(0, -1)) * unit;
}

/** `.locus/config.json`: what a workspace may configure; everything has a default. */
export const workspaceConfigSchema = z.strictObject({
  /** Where the store lives when neither --store nor LOCUS_STORE says (section 11). */
  store: z.string().min(1).optional(),
  default_profile: z.string().default("Operator"),
  default_actor: userIdSchema.optional(),
  profiles: z.record(z.string(), z.array(z.string())).default({}),
  calendar_policies: z.record(z.string(), calendarPolicySchema).default({}),
  limits: z
    .strictObject({
      edges_per_wp: z.number().int().positive().default(500),
      mts_per_wp: z.number().int().positive().default(500),
      /** Issue 21: notes on one WP, the UTF-8 bytes of their text, and gate decisions (both gates). */
      notes_per_wp: z.number().int().positive().default(1_000),
      note_bytes_per_wp: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
      gate_decisions_per_wp: z.number().int().positive().default(100),
      params_bytes: z
        .number()
        .int()
        .positive()
        .default(32 * 1024),
      board_bytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      board_line_bytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024),
      /** One job as `locus exec` reads it (a line of JSON Lines, or one document), bounded before it is parsed. */
      job_bytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
      /** SQLite: how long a writer waits for another process's write lock before "the store is busy". */
      busy_timeout_ms: z.number().int().min(0).max(600_000).default(10_000),
    })
    .prefault({}),
  /** 9: the embedding provider of search (default: the offline local model) and the pre-search drain bound. */
  search: z
    .strictObject({
      provider: z.enum(["local", "http", "hash"]).default("local"),
      url: z.string().url().optional(),
      model: z.string().min(1).max(200).optional(),
      api_key_env: z.string().min(1).max(200).optional(),
      dimensions: z.number().int().positive().max(8192).optional(),
      /** Chunks embedded before a search when the queue is not empty (0: never; `locus index` drains it). */
      drain_before_search: z.number().int().min(0).max(10_000).default(32),
      // Issue 18: the cosine a WP must reach to answer a hybrid query none of whose words any WP holds
      // (measured with the local model in DECISIONS, "The relevance floor"); 0 turns the floor off.
      vector_floor: z.number().min(0).max(1).default(0.45),
    })
    .prefault({}),
  execution_policy: executionPolicySchema,
  /** Section 16: `locus events purge` without --older-than removes read and decision events older than this. */
  retention: z.strictObject({ purge_older_than: durationSchema.default("30d") }).prefault({}),
  /** Section 17: how long a claim holds a WP unless renewed (claiming again); 0 means no expiry. */
  lease_seconds: z.number().int().min(0).max(MAX_LEASE_SECONDS).default(1800),
  /** Section 17: shell commands run after a committed status change, each bounded by `timeout_ms`. */
  hooks: z
    .strictObject({
      on_status_change: z.array(z.string().min(1).max(2_000)).max(10).default([]),
      timeout_ms: z.number().int().min(10).max(600_000).default(10_000),
    })
    .prefault({}),
  board_path: z.string().default("docs/TASK_BOARD.md"),
  packets_dir: z.string().default("docs/task_packets"),
});
/** A parsed workspace configuration. */
export type WorkspaceConfig = z.infer<typeof workspaceConfigSchema>;

/** Parses a workspace config (from JSON text already decoded), refusing unknown profiles' capability ids. */
export function parseWorkspaceConfig(raw: unknown): WorkspaceConfig {
  const parsed = workspaceConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LocusError("HSK-400-INVALID-PARAMS", `workspace config: ${issue?.message}`, {
      field: `config.${issue?.path.join(".")}`,
    });
  }
  validateProfiles(parsed.data.profiles);
  return parsed.data;
}

/** The default configuration. */
export const defaultWorkspaceConfig = (): WorkspaceConfig => parseWorkspaceConfig({});

/** Built-in profiles plus the workspace's own (a workspace may not redefine a built-in). */
export function allProfiles(config: WorkspaceConfig): CapabilityProfiles {
  return { ...config.profiles, ...BUILT_IN_PROFILES };
}

/**
 * The grants in force on a surface for work outside a job (an import): the surface's own profile, else the
 * workspace default, as the envelope resolves a job's profile (section 3). Unknown profiles are HSK-403-CAPABILITY.
 */
export function surfaceGrants(
  config: WorkspaceConfig,
  profile?: string,
): { profile: string; grants: Set<string> } {
  const name = profile ?? config.default_profile;
  const profiles = allProfiles(config);
  // Own keys only, as in the envelope: `__proto__` or `constructor` is an unknown profile.
  if (!Object.hasOwn(profiles, name))
    throw new LocusError("HSK-403-CAPABILITY", `unknown capability profile ${name}`, {
      field: "profile",
      known: Object.keys(profiles),
    });
  return { profile: name, grants: new Set(profiles[name]) };
}

/** Built-in calendar policies plus the workspace's own. */
export function allCalendarPolicies(config: WorkspaceConfig): Readonly<Record<string, CalendarPolicy>> {
  return { ...config.calendar_policies, ...BUILT_IN_CALENDAR_POLICIES };
}
