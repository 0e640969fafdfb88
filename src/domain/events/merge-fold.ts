import { cloneJson } from "../json-clone.js";
import type { MicroTaskStatus, TrackedWorkPacket, WorkPacketStatus } from "../records.js";
import { transitionFactsOf, unmetRequirement, updateTrigger, type WpTrigger } from "../wp-state-machine.js";
import type { EventName, EventPayload } from "./event-registry.js";
import { STATE_EVENT_NAMES } from "./event-registry.js";
import {
  applyEvent,
  type EvolvableEvent,
  emptyState,
  type LocusState,
  mtKey,
  type Touched,
} from "./evolve.js";
import { type DependencyFold, foldDependencyEvent, newDependencyFold } from "./merge-dependencies.js";
import { inFoldOrder, isInFoldOrder, type OrderedEvent } from "./merge-order.js";

// Section 13: the merge rules, as a judging fold. Every store folds its state events in the one total order of
// merge-order.ts; an event that the operations would not have written against the state before it (which
// happens only when replicas worked concurrently) is applied as far as the rules allow and reported, never
// thrown: a tombstone wins; scalar fields are last writer wins (the fold order makes the later writer win);
// labels merge as a set; notes, gate history and MT iterations are unions; a WP is created once. A store's own
// log never trips a rule (its operations refused those moves), so for it this fold is plain evolution.

/** A stored event as the merge reads it. */
export interface MergeEvent extends EvolvableEvent, OrderedEvent {
  event_uuid: string;
}

/** Why a merged event could not apply as written. */
export type ConflictKind = "tombstone" | "status" | "duplicate" | "unknown" | "cycle" | "final";

/** One merge conflict, reported in sync_events' `conflicts` (section 13). */
export interface MergeConflict {
  event_uuid: string;
  event_name: string;
  kind: ConflictKind;
  reason: string;
  wp_id?: string;
  dependency_id?: string;
}

const FINAL_MT: ReadonlySet<MicroTaskStatus> = new Set(["completed", "failed", "skipped"]);

/**
 * Section 16 across replicas: a WP the execution policy holds goes back to in_progress only by the event that
 * releases the hold (a resume by a holder of locus.gate); a concurrent move that does not release it is reported.
 */
function heldFrom(
  wp: TrackedWorkPacket,
  to: WorkPacketStatus,
  releases: boolean,
): { apply: false; reason: string } | undefined {
  if (wp.governance.hold === undefined || to !== "in_progress" || releases) return undefined;
  return {
    apply: false,
    reason: `WP ${wp.wp_id} is held by the execution policy (${wp.governance.hold.reason}); only a resume by a holder of locus.gate moves it to in_progress`,
  };
}

/**
 * The status a merged status change leaves, and the conflict if it is not a section 5 move. Illegal moves keep
 * the last writer's status (section 13), with two exceptions that keep "done" governed: a WP becomes done only
 * when the merged state has its passed post_work gate, and leaves done only by a gate decision.
 */
function judgeStatus(
  wp: TrackedWorkPacket,
  to: WorkPacketStatus,
  trigger: WpTrigger,
  postWorkDecided = false,
): { apply: boolean; reason?: string } {
  if (to === wp.status) return { apply: true };
  const facts = transitionFactsOf(wp);
  if (postWorkDecided) facts.post_work_passed = true;
  if (unmetRequirement(wp.status, to, trigger, facts) === undefined) return { apply: true };
  const move = `${wp.status} -> ${to}`;
  if (to === "done")
    return { apply: false, reason: `merged ${move} lacks its gates here; the WP stays ${wp.status}` };
  if (wp.status === "done")
    return { apply: false, reason: `merged ${move}: only a gate decision reopens a done WP; it stays done` };
  return { apply: true, reason: `merged ${move} is not a section 5 move; the last writer's status is kept` };
}

/** Labels as a set: the writer's additions and removals applied to what the merge holds now. */
function mergedLabels(current: readonly string[], from: readonly string[], to: readonly string[]): string[] {
  const removed = new Set(from.filter((label) => !to.includes(label)));
  const added = to.filter((label) => !from.includes(label));
  const result = new Set(current.filter((label) => !removed.has(label)));
  for (const label of added) result.add(label);
  // The writer's order first, then labels the writer did not know about (added elsewhere meanwhile).
  return [
    ...to.filter((label) => result.has(label)),
    ...current.filter((l) => result.has(l) && !to.includes(l)),
  ];
}

type Judge<N extends EventName> = (
  state: LocusState,
  payload: EventPayload<N>,
  report: (kind: ConflictKind, reason: string) => void,
) => EventPayload<N> | undefined;

/** Per event: the payload to apply (maybe narrowed), or undefined to skip it. Events absent here always apply. */
const JUDGES: { [N in EventName]?: Judge<N> } = {
  work_packet_created(state, p, report) {
    if (!state.wps.has(p.wp_id)) return p;
    report("duplicate", `WP ${p.wp_id} was created on two replicas; the first creation is kept`);
    return undefined;
  },
  work_packet_updated(state, p, report) {
    const wp = state.wps.get(p.wp_id) as TrackedWorkPacket;
    const changes = { ...p.changes };
    const status = changes.status?.to;
    if (status !== undefined && status !== null && status !== wp.status) {
      const verdict = wp.tombstone
        ? { apply: false, reason: `WP ${p.wp_id} is deleted; the tombstone wins over ${status}` }
        : (heldFrom(wp, status, changes.hold !== undefined && changes.hold.to === null) ??
          judgeStatus(wp, status, updateTrigger(p.source)));
      if (verdict.reason) report(wp.tombstone ? "tombstone" : "status", verdict.reason);
      if (!verdict.apply) {
        delete changes.status;
        delete changes.task_board_token;
      }
    }
    const labels = changes.labels;
    if (labels?.to && labels.from)
      changes.labels = { ...labels, to: mergedLabels(wp.labels, labels.from, labels.to) };
    return { ...p, changes };
  },
  work_packet_gated(state, p, report) {
    const wp = state.wps.get(p.wp_id) as TrackedWorkPacket;
    const to = p.status_change?.to;
    if (to === undefined || to === wp.status) return p;
    const passed = p.result.status === "pass" || p.result.status === "skip";
    const verdict = wp.tombstone
      ? { apply: false, reason: `WP ${p.wp_id} is deleted; the gate is kept, its status change is not` }
      : (heldFrom(wp, to, false) ?? judgeStatus(wp, to, "gate", p.gate === "post_work" && passed));
    if (verdict.reason) report(wp.tombstone ? "tombstone" : "status", verdict.reason);
    if (verdict.apply) return p;
    const { status_change: _dropped, ...rest } = p;
    return rest;
  },
  work_packet_completed(state, p, report) {
    const wp = state.wps.get(p.wp_id) as TrackedWorkPacket;
    if (wp.status === "done" && !wp.tombstone) return p;
    const verdict = wp.tombstone ? { apply: false } : judgeStatus(wp, "done", "close");
    if (verdict.apply) return p;
    report(wp.tombstone ? "tombstone" : "status", `WP ${p.wp_id} cannot complete from ${wp.status} here`);
    return undefined;
  },
  work_packet_deleted(state, p, report) {
    const wp = state.wps.get(p.wp_id) as TrackedWorkPacket;
    if (wp.tombstone) return undefined; // deleted on two replicas: the first tombstone stands
    if (wp.status === "done") report("tombstone", `WP ${p.wp_id} was done; the tombstone wins`);
    return p;
  },
  micro_tasks_registered(state, p, report) {
    const fresh = p.micro_tasks.filter((mt) => {
      if (!state.mts.has(mtKey(p.wp_id, mt.mt_id))) return true;
      report(
        "duplicate",
        `micro-task ${p.wp_id}/${mt.mt_id} was registered on two replicas; the first is kept`,
      );
      return false;
    });
    return fresh.length === 0 ? undefined : { ...p, micro_tasks: fresh };
  },
  mt_started: (state, p, report) => liveMtEvent(state, p, report),
  mt_escalated: (state, p, report) => liveMtEvent(state, p, report, false),
  mt_failed: (state, p, report) => finishingMtEvent(state, p, "failed", report),
  mt_completed: (state, p, report) => finishingMtEvent(state, p, p.outcome, report),
  mt_iteration_completed(state, p, report) {
    const mt = state.mts.get(mtKey(p.wp_id, p.mt_id));
    if (mt === undefined) return unknownMt(p, report);
    const key = (it: { escalation_level: number; iteration: number }) =>
      `${it.escalation_level}:${it.iteration}`;
    if (mt.iterations.some((it) => key(it) === key(p.record))) return undefined; // a union: already held
    if (p.record.outcome !== "BLOCKED" || mt.status === "in_progress") return p;
    // The record joins the union; the move to blocked does not apply to an MT that is not in progress here.
    report(
      "status",
      `micro-task ${p.mt_id} is ${mt.status} here; the BLOCKED iteration is kept, not the move`,
    );
    mt.iterations.push(cloneJson(p.record));
    mt.current_iteration = p.record.iteration;
    return undefined;
  },
};

function unknownMt(p: { wp_id: string; mt_id: string }, report: (k: ConflictKind, r: string) => void) {
  report("unknown", `micro-task ${p.wp_id}/${p.mt_id} is not known here`);
  return undefined;
}

/** An MT event that needs a live (not final) MT. */
function liveMtEvent<P extends { wp_id: string; mt_id: string }>(
  state: LocusState,
  p: P,
  report: (kind: ConflictKind, reason: string) => void,
  mustNotBeFinal = true,
): P | undefined {
  const mt = state.mts.get(mtKey(p.wp_id, p.mt_id));
  if (mt === undefined) return unknownMt(p, report);
  if (!mustNotBeFinal || !FINAL_MT.has(mt.status)) return p;
  report("final", `micro-task ${p.mt_id} is already ${mt.status}; a final status stays`);
  return undefined;
}

/** An MT event that ends the MT: the first final status in fold order stays. */
function finishingMtEvent<P extends { wp_id: string; mt_id: string }>(
  state: LocusState,
  p: P,
  outcome: MicroTaskStatus,
  report: (kind: ConflictKind, reason: string) => void,
): P | undefined {
  const mt = state.mts.get(mtKey(p.wp_id, p.mt_id));
  if (mt === undefined) return unknownMt(p, report);
  if (!FINAL_MT.has(mt.status)) return p;
  if (mt.status !== outcome) report("final", `micro-task ${p.mt_id} is already ${mt.status}; not ${outcome}`);
  return undefined;
}

const WP_EVENTS_NEEDING_A_WP: ReadonlySet<string> = new Set(
  [...STATE_EVENT_NAMES].filter(
    (name) => name !== "work_packet_created" && name !== "dependency_added" && name !== "dependency_removed",
  ),
);

/** Folds one WP or MT event into `state` under the merge rules; conflicts go to `conflicts`. */
export function foldWorkPacketEvent(
  state: LocusState,
  event: MergeEvent,
  conflicts: MergeConflict[],
  touched?: Touched,
): void {
  const payload = event.payload as { wp_id?: string };
  const report = (kind: ConflictKind, reason: string) =>
    conflicts.push({
      event_uuid: event.event_uuid,
      event_name: event.event_name,
      kind,
      reason,
      ...(payload.wp_id ? { wp_id: payload.wp_id } : {}),
    });
  if (WP_EVENTS_NEEDING_A_WP.has(event.event_name) && !state.wps.has(payload.wp_id as string)) {
    report("unknown", `WP ${payload.wp_id} is not known here`);
    return;
  }
  const judge = JUDGES[event.event_name as EventName] as Judge<EventName> | undefined;
  const judged = judge ? judge(state, event.payload as never, report) : event.payload;
  if (judged === undefined) return;
  applyEvent(state, judged === event.payload ? event : { ...event, payload: judged }, touched);
}

/** A state rebuilt from events by the merge rules, and what did not merge cleanly. */
export interface MergedState {
  state: LocusState;
  conflicts: MergeConflict[];
}

/** Folds every state event of `events` (any order; sorted here) into a new state: section 6 replay, section 13 merge. */
export function mergeReplay(events: readonly MergeEvent[]): MergedState {
  const fold = new MergeFold();
  fold.fold(isInFoldOrder(events) ? events : inFoldOrder(events));
  return fold.settle();
}

/** The merge fold fed events in fold order, a page at a time (`locus replay` reads the log in pages). */
export class MergeFold {
  readonly state = emptyState();
  readonly conflicts: MergeConflict[] = [];
  private readonly deps: DependencyFold = newDependencyFold();

  /** Folds the next events (in fold order, after those folded before). */
  fold(ordered: readonly MergeEvent[]): void {
    for (const event of ordered) {
      if (event.event_name === "dependency_added" || event.event_name === "dependency_removed")
        foldDependencyEvent(this.deps, event, this.conflicts);
      else if (STATE_EVENT_NAMES.has(event.event_name as EventName))
        foldWorkPacketEvent(this.state, event, this.conflicts);
    }
  }

  /** The state once every event is folded: the edges whose both WPs exist. */
  settle(): MergedState {
    this.state.deps = settleDependencies(this.deps, (id) => this.state.wps.has(id), this.conflicts);
    return { state: this.state, conflicts: this.conflicts };
  }
}

/** The folded edges whose both WPs exist; an edge to a WP this store never saw created is reported. */
export function settleDependencies(
  fold: DependencyFold,
  wpExists: (wpId: string) => boolean,
  conflicts: MergeConflict[],
): LocusState["deps"] {
  const deps: LocusState["deps"] = new Map();
  for (const [id, entry] of fold.live) {
    const { dependency } = entry;
    if (wpExists(dependency.from_wp_id) && wpExists(dependency.to_wp_id)) deps.set(id, dependency);
    else
      conflicts.push({
        event_uuid: entry.event_uuid,
        event_name: "dependency_added",
        kind: "unknown",
        reason: `the edge ${dependency.from_wp_id} ${dependency.type} ${dependency.to_wp_id} names a WP not known here`,
        dependency_id: id,
      });
  }
  return deps;
}

/** Section 6 replay: the state the log's events build under the merge rules (equal to live state, tested). */
export const replay = (events: readonly MergeEvent[]): LocusState => mergeReplay(events).state;
