import { z } from "zod";
import { LocusError } from "../../domain/errors.js";
import { lazy } from "../../domain/lazy.js";
import { READY_LIMITS, type SortPolicy } from "../../domain/ready-rules.js";
import {
  labelSchema,
  PHASES,
  userIdSchema,
  type WorkPacketStatus,
  WP_STATUSES,
  WP_TYPES,
} from "../../domain/records.js";
import type { WpQuery } from "../../store/store-port.js";
import type { JobContext } from "../job-context.js";
import { allCalendarPolicies } from "../workspace-config.js";

/** Section 7 filters, shared by query_ready, query_blocked and list_wps (built on first use). */
export const readyFilterShape = lazy(() => ({
  assignee: z.union([z.literal("self"), userIdSchema]).optional(),
  priority_min: z.number().int().min(0).max(4).optional(),
  priority_max: z.number().int().min(0).max(4).optional(),
  phase: z.union([z.enum(PHASES), z.array(z.enum(PHASES)).max(6)]).optional(),
  labels: z.array(labelSchema).max(20).optional(),
  types: z.array(z.enum(WP_TYPES)).max(6).optional(),
  calendar_policy_id: z.string().min(1).max(100).optional(),
  sort_by: z.enum(["priority", "age", "hybrid"]).optional(),
  offset: z.number().int().min(0).max(1_000_000).default(0),
  limit: z.number().int().min(1).max(READY_LIMITS.maxLimit).default(READY_LIMITS.defaultLimit),
  statuses: z.array(z.enum(WP_STATUSES)).min(1).max(7).optional(),
}));

/** The parsed filters. */
export type ReadyFilters = z.output<z.ZodObject<ReturnType<typeof readyFilterShape>>>;

const intersect = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined): T[] | undefined =>
  a === undefined
    ? b
      ? [...b]
      : undefined
    : b === undefined
      ? [...a]
      : a.filter((item) => b.includes(item));

/**
 * Builds the store query: the filters, narrowed by the calendar policy profile when one is named (10.4.2.3: a
 * policy may restrict, never widen), with `self` resolved to the actor.
 */
export function buildQuery(
  ctx: JobContext,
  filters: ReadyFilters,
  defaults: {
    statuses: readonly WorkPacketStatus[];
    readiness: WpQuery["readiness"];
    sort: SortPolicy;
    include_deleted?: boolean;
  },
): { query: WpQuery; applied: Record<string, unknown> } {
  const policy =
    filters.calendar_policy_id === undefined
      ? undefined
      : Object.entries(allCalendarPolicies(ctx.config)).find(
          ([id]) => id === filters.calendar_policy_id,
        )?.[1];
  if (filters.calendar_policy_id !== undefined && policy === undefined) {
    throw new LocusError("HSK-400-INVALID-PARAMS", `unknown calendar policy ${filters.calendar_policy_id}`, {
      field: "params.calendar_policy_id",
      known: Object.keys(allCalendarPolicies(ctx.config)),
    });
  }
  const phases =
    filters.phase === undefined ? undefined : Array.isArray(filters.phase) ? filters.phase : [filters.phase];
  const maxOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  const minOf = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
  const statuses = intersect(defaults.statuses, filters.statuses) ?? [];
  const labels = [...new Set([...(filters.labels ?? []), ...(policy?.labels ?? [])])];
  const query: WpQuery = {
    statuses,
    readiness: defaults.readiness,
    include_deleted: defaults.include_deleted ?? false,
    ...(filters.assignee !== undefined
      ? { assignee: filters.assignee === "self" ? ctx.identity.actor_id : filters.assignee }
      : {}),
    ...optional("priority_min", maxOf(filters.priority_min, policy?.priority_min)),
    ...optional("priority_max", minOf(filters.priority_max, policy?.priority_max)),
    ...optional("phases", intersect(phases, policy?.phases)),
    ...optional("types", intersect(filters.types, policy?.types)),
    ...(labels.length > 0 ? { labels } : {}),
    sort: policy?.sort_by ?? filters.sort_by ?? defaults.sort,
    now_ms: ctx.now.getTime(),
    offset: filters.offset,
    limit: filters.limit,
  };
  const { now_ms: _now, readiness: _readiness, sort: _sort, ...applied } = query;
  return {
    query,
    applied: {
      ...applied,
      ...(filters.calendar_policy_id ? { calendar_policy_id: filters.calendar_policy_id } : {}),
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
