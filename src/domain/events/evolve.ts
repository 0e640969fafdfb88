import { LocusError } from "../errors.js";
import { cloneJson } from "../json-clone.js";
import {
  DEFAULT_BOARD_TOKENS,
  type MicroTaskStatus,
  type TrackedDependency,
  type TrackedMicroTask,
  type TrackedWorkPacket,
  toBoardStatus,
  type WorkPacketStatus,
} from "../records.js";
import type { EventName, EventPayload } from "./event-registry.js";
import { type ChangedField, GOVERNANCE_FIELDS } from "./wp-changes.js";

// 6: replay. Every state change is made by applying its event to the state, on the live path and in replay
// alike, so the state rebuilt from the log equals the live state by construction (decide/evolve).

/** WPs, MTs and dependencies: the whole replayable state, or the part a job has loaded. */
export interface LocusState {
  wps: Map<string, TrackedWorkPacket>;
  mts: Map<string, TrackedMicroTask>;
  deps: Map<string, TrackedDependency>;
}

/** The part of a stored event that evolution reads. */
export interface EvolvableEvent {
  event_name: string;
  timestamp: string;
  replica_id: string;
  payload: unknown;
}

/** The key of an MT: (wp_id, mt_id). */
export const mtKey = (wpId: string, mtId: string): string => `${wpId}\u0000${mtId}`;

/** An empty state. */
export const emptyState = (): LocusState => ({ wps: new Map(), mts: new Map(), deps: new Map() });

/** What one event changed, so a live job knows which records to write. */
export interface Touched {
  wps: Set<string>;
  mts: Set<string>;
  depsPut: Set<string>;
  depsRemoved: Set<string>;
}

/** An empty change set. */
export const emptyTouched = (): Touched => ({
  wps: new Set(),
  mts: new Set(),
  depsPut: new Set(),
  depsRemoved: new Set(),
});

function requireWp(state: LocusState, wpId: string): TrackedWorkPacket {
  const wp = state.wps.get(wpId);
  if (!wp)
    throw new LocusError("HSK-404-NOT-FOUND", `event names unknown WP ${wpId}`, {
      field: "wp_id",
      wp_id: wpId,
    });
  return wp;
}

function requireMt(state: LocusState, wpId: string, mtId: string): TrackedMicroTask {
  const mt = state.mts.get(mtKey(wpId, mtId));
  if (!mt)
    throw new LocusError("HSK-404-NOT-FOUND", `event names unknown MT ${wpId}/${mtId}`, { field: "mt_id" });
  return mt;
}

/** 2: version +1, updated_at, and this replica's vector clock entry advanced on every WP write. */
function bump(wp: TrackedWorkPacket, event: EvolvableEvent): void {
  wp.version += 1;
  wp.updated_at = event.timestamp;
  const clock = Object.assign({}, wp.vector_clock); // not a spread: see JobContext.emit
  clock[event.replica_id] = (clock[event.replica_id] ?? 0) + 1;
  wp.vector_clock = clock;
}

function changeStatus(wp: TrackedWorkPacket, to: WorkPacketStatus, at: string, token?: string): void {
  const from = wp.status;
  wp.status = to;
  wp.governance.task_board_status = toBoardStatus(to);
  wp.governance.task_board_token = token ?? DEFAULT_BOARD_TOKENS[to];
  if (to === "in_progress" && wp.started_at === undefined) wp.started_at = at;
  if (from === "done" && to !== "done") delete wp.completed_at;
}

const COUNTED: Partial<Record<MicroTaskStatus, "completed" | "failed" | "in_progress" | "skipped">> = {
  completed: "completed",
  failed: "failed",
  in_progress: "in_progress",
  skipped: "skipped",
};

/** Moves an MT to `to` and keeps the WP's micro_tasks counters exact (section 2). */
function moveMt(state: LocusState, mt: TrackedMicroTask, to: MicroTaskStatus, event: EvolvableEvent): void {
  const wp = requireWp(state, mt.wp_id);
  const before = COUNTED[mt.status];
  const after = COUNTED[to];
  if (before) wp.micro_tasks[before] -= 1;
  if (after) wp.micro_tasks[after] += 1;
  mt.status = to;
  if (to === "completed" || to === "failed" || to === "skipped") {
    mt.completed_at = event.timestamp;
    if (mt.started_at) mt.duration_ms = Math.max(0, Date.parse(event.timestamp) - Date.parse(mt.started_at));
  }
  bump(wp, event);
}

function setField(wp: TrackedWorkPacket, field: ChangedField, value: unknown): void {
  const target = (GOVERNANCE_FIELDS.has(field) ? wp.governance : wp) as Record<string, unknown>;
  if (value === null || value === undefined) delete target[field];
  else target[field] = cloneJson(value);
}

type Handlers = {
  [N in EventName]?: (
    state: LocusState,
    payload: EventPayload<N>,
    event: EvolvableEvent,
    touched: Touched,
  ) => void;
};

const HANDLERS: Handlers = {
  work_packet_created(state, p, _event, touched) {
    state.wps.set(p.wp_id, cloneJson(p.wp));
    touched.wps.add(p.wp_id);
  },
  work_packet_updated(state, p, event, touched) {
    const wp = requireWp(state, p.wp_id);
    const { status, task_board_token, ...rest } = p.changes;
    for (const [field, change] of Object.entries(rest)) {
      if (change) setField(wp, field as ChangedField, change.to);
    }
    if (status?.to) changeStatus(wp, status.to, event.timestamp, task_board_token?.to ?? undefined);
    else if (task_board_token?.to) wp.governance.task_board_token = task_board_token.to;
    if (p.note) wp.notes.push(cloneJson(p.note));
    bump(wp, event);
    touched.wps.add(p.wp_id);
  },
  work_packet_gated(state, p, event, touched) {
    const wp = requireWp(state, p.wp_id);
    wp.governance.gates[p.gate] = cloneJson(p.result);
    wp.governance.gate_history[p.gate].push(cloneJson(p.result));
    wp.notes.push(cloneJson(p.note));
    if (p.status_change) changeStatus(wp, p.status_change.to, event.timestamp);
    bump(wp, event);
    touched.wps.add(p.wp_id);
  },
  work_packet_completed(state, p, event, touched) {
    const wp = requireWp(state, p.wp_id);
    if (wp.status !== "done") changeStatus(wp, "done", event.timestamp);
    wp.completed_at = p.completed_at;
    bump(wp, event);
    touched.wps.add(p.wp_id);
  },
  work_packet_deleted(state, p, event, touched) {
    const wp = requireWp(state, p.wp_id);
    wp.tombstone = {
      deleted_at: event.timestamp,
      deleted_by: p.deleted_by,
      ...(p.reason ? { reason: p.reason } : {}),
    };
    if (wp.status !== "cancelled") changeStatus(wp, "cancelled", event.timestamp);
    bump(wp, event);
    touched.wps.add(p.wp_id);
  },
  micro_tasks_registered(state, p, event, touched) {
    const wp = requireWp(state, p.wp_id);
    for (const mt of p.micro_tasks) {
      state.mts.set(mtKey(p.wp_id, mt.mt_id), cloneJson(mt));
      touched.mts.add(mtKey(p.wp_id, mt.mt_id));
      wp.micro_tasks.total += 1;
      wp.micro_tasks.mt_ids.push(mt.mt_id);
    }
    bump(wp, event);
    touched.wps.add(p.wp_id);
  },
  mt_started(state, p, event, touched) {
    const mt = requireMt(state, p.wp_id, p.mt_id);
    mt.started_at ??= event.timestamp;
    mt.escalation.current_level = p.escalation_level;
    if (p.model_id !== undefined) mt.metadata = { ...mt.metadata, model_id: p.model_id };
    if (p.lora_id !== undefined) mt.metadata = { ...mt.metadata, lora_id: p.lora_id };
    moveMt(state, mt, "in_progress", event);
    touched.mts.add(mtKey(p.wp_id, p.mt_id));
    touched.wps.add(p.wp_id);
  },
  mt_iteration_completed(state, p, event, touched) {
    const mt = requireMt(state, p.wp_id, p.mt_id);
    mt.iterations.push(cloneJson(p.record));
    mt.current_iteration = p.record.iteration;
    touched.mts.add(mtKey(p.wp_id, p.mt_id));
    if (p.record.outcome === "BLOCKED") {
      moveMt(state, mt, "blocked", event);
      touched.wps.add(p.wp_id);
    }
  },
  mt_escalated(state, p, _event, touched) {
    const mt = requireMt(state, p.wp_id, p.mt_id);
    mt.escalation.current_level = p.to_level;
    mt.escalation.escalations_count += 1;
    touched.mts.add(mtKey(p.wp_id, p.mt_id));
  },
  mt_failed(state, p, event, touched) {
    const mt = requireMt(state, p.wp_id, p.mt_id);
    mt.metadata = {
      ...mt.metadata,
      failure_reason: p.reason,
      ...(p.failure_category ? { failure_category: p.failure_category } : {}),
      ...(p.error_summary ? { error_summary: p.error_summary } : {}),
    };
    if (p.validation_result) mt.validation_result = cloneJson(p.validation_result);
    moveMt(state, mt, "failed", event);
    touched.mts.add(mtKey(p.wp_id, p.mt_id));
    touched.wps.add(p.wp_id);
  },
  mt_completed(state, p, event, touched) {
    const mt = requireMt(state, p.wp_id, p.mt_id);
    if (p.validation_result) mt.validation_result = cloneJson(p.validation_result);
    if (p.final_iteration !== undefined) mt.current_iteration = p.final_iteration;
    moveMt(state, mt, p.outcome, event);
    touched.mts.add(mtKey(p.wp_id, p.mt_id));
    touched.wps.add(p.wp_id);
  },
  dependency_added(state, p, _event, touched) {
    state.deps.set(p.dependency.dependency_id, cloneJson(p.dependency));
    touched.depsPut.add(p.dependency.dependency_id);
  },
  dependency_removed(state, p, _event, touched) {
    state.deps.delete(p.dependency_id);
    touched.depsRemoved.add(p.dependency_id);
  },
};

/** Applies one stored event to `state`; non-state events (queries, decisions, board reports) change nothing. */
export function applyEvent(
  state: LocusState,
  event: EvolvableEvent,
  touched: Touched = emptyTouched(),
): Touched {
  const handler = HANDLERS[event.event_name as EventName] as
    | ((state: LocusState, payload: unknown, event: EvolvableEvent, touched: Touched) => void)
    | undefined;
  handler?.(state, event.payload, event, touched);
  return touched;
}
