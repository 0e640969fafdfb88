import { type ErrorCode, isLocusError } from "../errors.js";
import { MT_TRANSITIONS } from "../mt-state-machine.js";
import type { MicroTaskStatus, TrackedMicroTask, TrackedWorkPacket, WorkPacketStatus } from "../records.js";
import {
  assertWpTransition,
  gateDecisionTarget,
  transitionFactsOf,
  updateTrigger,
  type WpTransitionFacts,
  type WpTrigger,
} from "../wp-state-machine.js";
import type { EventName, EventPayload } from "./event-registry.js";
import { type LocusState, mtKey } from "./evolve.js";

// Section 5 over a log (issue 21). The operations refuse an illegal status change before they emit anything, so
// a log written by Locus never holds one; a log that arrives from outside (an import file, later a replica) is
// held to the same rules here, event by event, against the state the earlier events built. evolve.ts applies
// events without judging them (it is also the live write path, which must stay cheap): this is the judging pass.

/** Why one event breaks section 5 (or the creation rules of section 4), before the log pass adds where. */
export interface LogFault {
  code: ErrorCode;
  reason: string;
  details: Record<string, unknown>;
}

const fault = (code: ErrorCode, reason: string, details: Record<string, unknown> = {}): LogFault => ({
  code,
  reason,
  details,
});

/** section 5 for one WP move, as the operation would have judged it: undefined when legal. */
function wpMove(
  wp: TrackedWorkPacket,
  to: WorkPacketStatus,
  trigger: WpTrigger,
  facts: WpTransitionFacts = transitionFactsOf(wp),
): LogFault | undefined {
  try {
    assertWpTransition(wp.status, to, trigger, facts);
    return undefined;
  } catch (error) {
    if (!isLocusError(error)) throw error;
    const { field: _field, ...details } = error.details ?? {};
    return fault(error.code, error.toJSON().message, details);
  }
}

/** section 5 for one MT move: undefined when `from -> to` is in the MT table. */
function mtMove(mt: TrackedMicroTask, to: MicroTaskStatus): LogFault | undefined {
  if (MT_TRANSITIONS[mt.status].includes(to)) return undefined;
  return fault("HSK-409-TRANSITION", `micro-task ${mt.mt_id} cannot move from ${mt.status} to ${to}`, {
    mt_id: mt.mt_id,
    from: mt.status,
    to,
    allowed: [...MT_TRANSITIONS[mt.status]],
  });
}

/** Section 5: `record_iteration` (and the escalation it may cause) needs an in_progress MT. */
function needsInProgress(mt: TrackedMicroTask): LogFault | undefined {
  if (mt.status === "in_progress") return undefined;
  return fault("HSK-409-TRANSITION", `micro-task ${mt.mt_id} is ${mt.status}; iterations need in_progress`, {
    mt_id: mt.mt_id,
    from: mt.status,
    allowed: ["in_progress"],
  });
}

/** The live WP an event names, or the fault: unknown, or deleted (a tombstone wins; no operation edits one). */
function liveWp(state: LocusState, wpId: string): TrackedWorkPacket | LogFault {
  const wp = state.wps.get(wpId);
  if (wp === undefined) return fault("HSK-404-NOT-FOUND", `WP ${wpId} was never created`, { wp_id: wpId });
  if (wp.tombstone !== undefined)
    return fault("HSK-409-TRANSITION", `WP ${wpId} is deleted; nothing changes it after that`, {
      wp_id: wpId,
      from: wp.status,
    });
  return wp;
}

/** The MT an event names (its WP live), or the fault. */
function liveMt(state: LocusState, wpId: string, mtId: string): TrackedMicroTask | LogFault {
  const wp = liveWp(state, wpId);
  if ("code" in wp) return wp;
  const mt = state.mts.get(mtKey(wpId, mtId));
  return mt ?? fault("HSK-404-NOT-FOUND", `micro-task ${wpId}/${mtId} was never registered`, { mt_id: mtId });
}

/** Section 4: MT work needs its WP in one of `statuses` (register: ready or in_progress; start: in_progress). */
function wpStatusIn(wp: TrackedWorkPacket, statuses: readonly WorkPacketStatus[], action: string) {
  return statuses.includes(wp.status)
    ? undefined
    : fault("HSK-409-TRANSITION", `cannot ${action} while WP ${wp.wp_id} is ${wp.status}`, {
        wp_id: wp.wp_id,
        from: wp.status,
        allowed: [...statuses],
      });
}

/** Section 4, as data: how a created WP must look (as create_wp writes it), each with the reason it fails. */
const NEW_WP_RULES: readonly [(wp: TrackedWorkPacket) => boolean, (wp: TrackedWorkPacket) => string][] = [
  [(wp) => wp.status === "stub", (wp) => `it is created as ${wp.status}, not stub`],
  [
    (wp) =>
      wp.governance.gates.pre_work.status === "pending" && wp.governance.gates.post_work.status === "pending",
    () => "it is created with a gate already decided",
  ],
  [
    (wp) => wp.governance.gate_history.pre_work.length + wp.governance.gate_history.post_work.length === 0,
    () => "it is created with a gate history",
  ],
  [
    (wp) => wp.micro_tasks.total === 0 && wp.micro_tasks.mt_ids.length === 0,
    () => "it is created with micro-tasks",
  ],
  [
    (wp) => wp.tombstone === undefined && wp.completed_at === undefined,
    () => "it is created deleted or completed",
  ],
];

/** Section 4 without the log before it: a created WP is a stub with nothing decided (replica sync's check). */
export function newWpFault(p: EventPayload<"work_packet_created">): LogFault | undefined {
  return createdFault({ wps: new Map(), mts: new Map(), deps: new Map() }, p);
}

/** Section 4: a WP is created once, as a stub with both gates pending and nothing decided yet. */
function createdFault(state: LocusState, p: EventPayload<"work_packet_created">): LogFault | undefined {
  const { wp } = p;
  if (wp.wp_id !== p.wp_id)
    return fault("HSK-400-INVALID-EVENT", `payload wp_id ${p.wp_id} names another WP than its snapshot`);
  if (state.wps.has(p.wp_id))
    return fault("HSK-409-CONFLICT", `WP ${p.wp_id} is created a second time`, { wp_id: p.wp_id });
  const broken = NEW_WP_RULES.find(([holds]) => !holds(wp));
  if (broken === undefined) return undefined;
  return fault("HSK-409-TRANSITION", `WP ${p.wp_id} does not start as section 4 says: ${broken[1](wp)}`, {
    wp_id: p.wp_id,
    to: wp.status,
    allowed: ["stub"],
  });
}

type Check<N extends EventName> = (state: LocusState, payload: EventPayload<N>) => LogFault | undefined;

/** Per state event, what it must respect; events absent here change no status. */
const CHECKS: { [N in EventName]?: Check<N> } = {
  work_packet_created: createdFault,
  work_packet_updated(state, p) {
    const wp = liveWp(state, p.wp_id);
    if ("code" in wp) return wp;
    const status = p.changes.status;
    if (status?.to === undefined || status.to === null) return undefined;
    if (status.from !== undefined && status.from !== wp.status)
      return fault(
        "HSK-409-TRANSITION",
        `the update says ${status.from} -> ${status.to}; WP is ${wp.status}`,
        {
          from: wp.status,
          to: status.to,
        },
      );
    if (status.to === wp.status) return undefined;
    return wpMove(wp, status.to, updateTrigger(p.source));
  },
  work_packet_gated(state, p) {
    const wp = liveWp(state, p.wp_id);
    if ("code" in wp) return wp;
    const expected = gateDecisionTarget(p.gate, p.result.status, wp.status);
    const to = p.status_change?.to ?? wp.status;
    if ((p.status_change !== undefined && p.status_change.from !== wp.status) || to !== expected)
      return fault(
        "HSK-409-TRANSITION",
        `${p.gate} ${p.result.status} on a ${wp.status} WP moves it to ${expected}; the event says ${to}`,
        { from: wp.status, to, expected },
      );
    if (to === wp.status) return undefined;
    // The decision being recorded is the post-work gate its own transition asks for (as gate_wp judges it).
    const facts = transitionFactsOf(wp);
    if (p.gate === "post_work") facts.post_work_passed = true;
    return wpMove(wp, to, "gate", facts);
  },
  work_packet_completed(state, p) {
    const wp = liveWp(state, p.wp_id);
    if ("code" in wp) return wp;
    return wp.status === "done" ? undefined : wpMove(wp, "done", "close");
  },
  work_packet_deleted(state, p) {
    const wp = liveWp(state, p.wp_id);
    if ("code" in wp) return wp;
    if (p.previous_status !== wp.status)
      return fault(
        "HSK-409-TRANSITION",
        `the delete says the WP was ${p.previous_status}; it is ${wp.status}`,
        {
          from: wp.status,
          to: "cancelled",
        },
      );
    return wpMove(wp, "cancelled", "delete");
  },
  micro_tasks_registered(state, p) {
    const wp = liveWp(state, p.wp_id);
    if ("code" in wp) return wp;
    const wrongWp = wpStatusIn(wp, ["ready", "in_progress"], "register micro-tasks");
    if (wrongWp) return wrongWp;
    for (const mt of p.micro_tasks) {
      if (mt.wp_id !== p.wp_id || state.mts.has(mtKey(p.wp_id, mt.mt_id)))
        return fault("HSK-409-CONFLICT", `micro-task ${mt.mt_id} is registered twice or for another WP`, {
          mt_id: mt.mt_id,
        });
      if (mt.status !== "pending" || mt.iterations.length > 0)
        return fault(
          "HSK-409-TRANSITION",
          `micro-task ${mt.mt_id} is registered as ${mt.status}, not pending`,
          {
            mt_id: mt.mt_id,
            to: mt.status,
            allowed: ["pending"],
          },
        );
    }
    return undefined;
  },
  mt_started(state, p) {
    const mt = liveMt(state, p.wp_id, p.mt_id);
    if ("code" in mt) return mt;
    return (
      wpStatusIn(state.wps.get(p.wp_id) as TrackedWorkPacket, ["in_progress"], "start a micro-task") ??
      mtMove(mt, "in_progress")
    );
  },
  mt_iteration_completed(state, p) {
    const mt = liveMt(state, p.wp_id, p.mt_id);
    if ("code" in mt) return mt;
    return needsInProgress(mt) ?? (p.record.outcome === "BLOCKED" ? mtMove(mt, "blocked") : undefined);
  },
  mt_escalated(state, p) {
    const mt = liveMt(state, p.wp_id, p.mt_id);
    if ("code" in mt) return mt;
    return needsInProgress(mt);
  },
  mt_completed(state, p) {
    const mt = liveMt(state, p.wp_id, p.mt_id);
    return "code" in mt ? mt : mtMove(mt, p.outcome);
  },
  mt_failed(state, p) {
    const mt = liveMt(state, p.wp_id, p.mt_id);
    return "code" in mt ? mt : mtMove(mt, "failed");
  },
};

/**
 * Judges one event against the state before it (the state the earlier events of the log built): undefined when
 * the operations could have written it, else why not. Pure; the caller applies the event afterwards.
 */
export function transitionFault(
  state: LocusState,
  event: { event_name: string; payload: unknown },
): LogFault | undefined {
  const check = CHECKS[event.event_name as EventName] as
    | ((state: LocusState, payload: unknown) => LogFault | undefined)
    | undefined;
  return check?.(state, event.payload);
}
