import { BUILT_IN_PROFILES, CAPABILITY_REGISTRY, type CapabilityId, grantCovers } from "../capabilities.js";
import { isLocusError } from "../errors.js";
import { type EventName, type EventPayload, validateEventPayload } from "./event-registry.js";
import { applyEvent, emptyState, emptyTouched, type LocusState } from "./evolve.js";
import { type LogFault, transitionFault } from "./log-transitions.js";

// Governance over a log that arrives from outside (issue 21; section 13 "Governance holds across replicas"). A
// Locus job records a capability_decision (allow or deny) for every capability it needs, before it emits
// anything, so the log itself says who allowed each state event. A log from an import file, or later from a
// replica, is accepted only if (1) every event fits its schema, (2) every state event sits in a job whose
// recorded decision for the capability it needs is an allow, and (3) every status change is one section 5 allows
// from the state before it (log-transitions.ts). The first event that breaks a rule is named; the caller refuses
// the log (import: whole; replica sync: the event's job). Pure: no I/O, so import and sync share it.

/**
 * The capability a state event needs in the job that records it, as data. A gate decision (which is also the
 * only way to reopen a done WP) needs locus.gate and a delete locus.delete, whatever operation emitted them
 * (board adoption records its gates through useCapability); every other state change needs locus.write.
 */
export const EVENT_CAPABILITIES: Readonly<Partial<Record<EventName, CapabilityId>>> = {
  work_packet_created: "locus.write",
  work_packet_updated: "locus.write",
  work_packet_gated: "locus.gate",
  work_packet_completed: "locus.write",
  work_packet_deleted: "locus.delete",
  micro_tasks_registered: "locus.write",
  mt_started: "locus.write",
  mt_iteration_completed: "locus.write",
  mt_escalated: "locus.write",
  mt_completed: "locus.write",
  mt_failed: "locus.write",
  dependency_added: "locus.write",
  dependency_removed: "locus.write",
};

/**
 * The capability one event needs: its name's, except that releasing an execution policy hold (section 16: a
 * work_packet_updated whose changes clear `hold`) is a governance decision and needs locus.gate.
 */
export function capabilityOfEvent(event: { event_name: string; payload: unknown }): CapabilityId | undefined {
  if (event.event_name === "work_packet_updated") {
    const changes = (event.payload as { changes?: { hold?: { to?: unknown } } } | undefined)?.changes;
    if (changes?.hold !== undefined && changes.hold.to === null) return "locus.gate";
  }
  return EVENT_CAPABILITIES[event.event_name as EventName];
}

/** The part of a stored event the governance reads. */
export interface GovernedEvent extends JudgedEvent {
  seq: number;
}

/** What the rules that judge one event by itself read (its place in a log aside). */
export interface JudgedEvent {
  event_id: string;
  event_name: string;
  job_id: string;
  timestamp: string;
  replica_id: string;
  payload: unknown;
}

/** The first event of a log that breaks a rule, and why. */
export interface LogFinding extends LogFault {
  seq: number;
  event_name: string;
  job_id: string;
}

/** The outcome of checking a log: the state it builds, or its first offending event. */
export type LogCheck = { ok: true; state: LocusState } | { ok: false; finding: LogFinding };

/** The capabilities whoever writes `events` into a store must hold: locus.write, and each one an event needs. */
export function capabilitiesToWrite(
  events: Iterable<{ event_name: string; payload: unknown }>,
): CapabilityId[] {
  const needed = new Set<CapabilityId>(["locus.write"]);
  for (const event of events) {
    const capability = capabilityOfEvent(event);
    if (capability !== undefined) needed.add(capability);
  }
  return CAPABILITY_REGISTRY.filter((id) => needed.has(id));
}

/**
 * What each job's recorded decisions allow so far: the latest decision per (job, capability). The latest, not
 * "any deny": job ids come from clients and may repeat, and a job's decisions are recorded right before its
 * events (section 3 step 2), so the decision in force for an event is the last one its job recorded before it.
 */
export class JobDecisions {
  private readonly latest = new Map<string, "allow" | "deny">();

  /**
   * `profiles`: the profile table allows are judged by. An import judges by the built-in profiles only (a custom
   * profile it cannot see is trusted); replica sync passes the receiving workspace's whole table and `strict`, so
   * an allow under a profile the receiver does not know is refused as well.
   */
  constructor(
    private readonly profiles: Readonly<Record<string, readonly string[]>> = BUILT_IN_PROFILES,
    private readonly strict = false,
  ) {}

  /** Takes in a capability_decision event; a decision that cannot be true is a fault. */
  observe(event: JudgedEvent): LogFault | undefined {
    if (event.event_name !== "capability_decision") return undefined;
    const p = event.payload as EventPayload<"capability_decision">;
    if (p.job_id !== event.job_id)
      return { code: "HSK-400-INVALID-EVENT", reason: `the decision names job ${p.job_id}`, details: {} };
    // An allow is given only when the job's own profile grants the capability (the surface can only narrow it):
    // an allow under a built-in profile that lacks it was not written by Locus.
    const profile = p.capability_profile_id;
    if (
      p.decision_outcome === "allow" &&
      this.strict &&
      (profile === undefined || !Object.hasOwn(this.profiles, profile))
    )
      return {
        code: "HSK-403-CAPABILITY",
        reason: `the decision allows ${p.capability_id} under profile ${profile ?? "(none)"}, which this workspace does not know`,
        details: { capability_id: p.capability_id, capability_profile_id: profile ?? null },
      };
    if (p.decision_outcome === "allow" && profile !== undefined && Object.hasOwn(this.profiles, profile)) {
      if (!grantCovers(new Set(this.profiles[profile]), p.capability_id))
        return {
          code: "HSK-403-CAPABILITY",
          reason: `the decision allows ${p.capability_id} to profile ${profile}, which does not grant it`,
          details: { capability_id: p.capability_id, capability_profile_id: profile },
        };
    }
    this.latest.set(`${event.job_id}\u0000${p.capability_id}`, p.decision_outcome);
    return undefined;
  }

  /** The decision in force for `capability` in `jobId`, or undefined when the job recorded none. */
  decision(jobId: string, capability: string): "allow" | "deny" | undefined {
    return this.latest.get(`${jobId}\u0000${capability}`);
  }

  /** Rule (2) for one event: undefined when its job allows the capability the event needs. */
  fault(event: JudgedEvent): LogFault | undefined {
    const capability = capabilityOfEvent(event);
    if (capability === undefined) return undefined;
    const decision = this.decision(event.job_id, capability);
    if (decision === "allow") return undefined;
    return {
      code: "HSK-403-CAPABILITY",
      reason: `${event.event_name} needs ${capability}, and its job recorded ${decision === "deny" ? "a deny for it" : "no decision for it"}`,
      details: { capability_id: capability, decision: decision ?? "none" },
    };
  }
}

/** Rule (1): the event is registered under its own FR id and its payload fits the registry's schema. */
export function schemaFault(event: JudgedEvent): LogFault | undefined {
  try {
    const { event_id } = validateEventPayload(event.event_name, event.payload);
    if (event_id === event.event_id) return undefined;
    return { code: "HSK-400-INVALID-EVENT", reason: `its event_id is not ${event_id}`, details: {} };
  } catch (error) {
    if (!isLocusError(error)) throw error;
    const { field, ...details } = error.details ?? {};
    return {
      code: error.code,
      reason: error.toJSON().message,
      details: { ...details, payload_field: field },
    };
  }
}

/**
 * Checks a whole log in seq order (rules 1-3 above) while building its state: the state when every event
 * passes, else the first offending event. The state is what `replay` would build from the same events.
 */
export function checkLog(events: Iterable<GovernedEvent>): LogCheck {
  const state = emptyState();
  const touched = emptyTouched();
  const decisions = new JobDecisions();
  for (const event of events) {
    let found =
      schemaFault(event) ??
      decisions.observe(event) ??
      decisions.fault(event) ??
      transitionFault(state, event);
    if (found === undefined) {
      try {
        applyEvent(state, event, touched);
      } catch (error) {
        if (!isLocusError(error)) throw error;
        found = { code: error.code, reason: error.toJSON().message, details: {} };
      }
    }
    if (found !== undefined) {
      return {
        ok: false,
        finding: { ...found, seq: event.seq, event_name: event.event_name, job_id: event.job_id },
      };
    }
  }
  return { ok: true, state };
}
