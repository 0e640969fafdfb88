import type { EventPayload } from "./event-registry.js";
import { JobDecisions, schemaFault } from "./log-governance.js";
import { type LogFault, newWpFault } from "./log-transitions.js";
import type { OriginEvent } from "./stored-event.js";

// Section 13, "Governance holds across replicas": a job that arrives from another replica is accepted whole or
// refused whole. Its events travel with the capability decisions their job recorded, and the receiver judges
// them against its own profile table (the workspace config): every event fits its schema, every state event
// sits in a job that allowed what it needs (a gate decision needs locus.gate, a delete locus.delete), and a
// WP is created as a stub with nothing decided. Status moves are judged later, by the merge fold, against the
// merged state (merge-fold.ts): there "done" is reached only with its passed gate.

/** Why an incoming job is refused: the first offending event and the rule. */
export interface JobRefusal extends LogFault {
  event_uuid: string;
  event_name: string;
}

/** Judges one incoming job (its events, in its order); undefined when it may be applied. */
export function judgeIncomingJob(
  events: readonly OriginEvent[],
  profiles: Readonly<Record<string, readonly string[]>>,
): JobRefusal | undefined {
  const decisions = new JobDecisions(profiles, true);
  for (const event of events) {
    const found =
      schemaFault(event) ??
      decisions.observe(event) ??
      decisions.fault(event) ??
      (event.event_name === "work_packet_created"
        ? newWpFault(event.payload as EventPayload<"work_packet_created">)
        : undefined);
    if (found !== undefined) return { ...found, event_uuid: event.event_uuid, event_name: event.event_name };
  }
  return undefined;
}
