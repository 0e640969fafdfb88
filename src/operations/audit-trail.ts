import { LocusError } from "../domain/errors.js";
import { STATE_EVENT_NAMES } from "../domain/events/event-registry.js";
import type { ChainReport } from "../domain/events/hash-chain.js";
import type { LocusStore, StoredEvent } from "../store/store-port.js";
import { verifyStore } from "./flight-recorder.js";

// Section 16, audit: "who allowed this", answered from the Flight Recorder alone. Every state event about a WP
// is one change; its job's capability_decision events (recorded before the job's state events, section 3) say
// under which profile it ran and which capabilities were allowed; a gate decision carries its notes. The report
// also says whether the chain that holds all of it verifies.

/** One capability decision of a job, as the audit shows it. */
export interface AuditDecision {
  capability_id: string;
  outcome: "allow" | "deny";
  reason?: string;
}

/** One change of the WP: one state event, with who made it and who allowed it. */
export interface AuditChange {
  seq: number;
  timestamp: string;
  event_name: string;
  event_id: string;
  actor_id: string;
  /** The capability profile the job ran under (from its decisions); null when the job recorded none. */
  profile: string | null;
  operation: string;
  job_id: string;
  replica_id: string;
  /** What changed, in a line. */
  summary: string;
  decisions: AuditDecision[];
  gate?: { gate: string; status: string; notes?: string; validated_by?: string };
}

/** `locus audit WP_ID`: the WP's changes, oldest first, and the chain's verdict. */
export interface AuditReport {
  wp_id: string;
  changes: AuditChange[];
  chain: ChainReport;
}

/** `locus_update_wp_v1` -> `update_wp`; another replica's or an import's protocol id is kept as it is. */
const operationOf = (protocolId: string): string => /^locus_(.+)_v\d+$/.exec(protocolId)?.[1] ?? protocolId;

type Payload = Record<string, unknown>;

/** One line saying what a state event changed. */
export function changeSummary(event: Pick<StoredEvent, "event_name" | "payload">): string {
  const p = event.payload as Payload;
  switch (event.event_name) {
    case "work_packet_created":
      return `created "${String((p.wp as Payload | undefined)?.title ?? "")}"`;
    case "work_packet_updated": {
      const changes = (p.changes ?? {}) as Record<string, { from?: unknown; to?: unknown } | undefined>;
      const parts = Object.entries(changes)
        .filter(([field, change]) => change !== undefined && field !== "task_board_token")
        .map(([field, change]) => {
          if (field === "hold")
            return change?.to === null
              ? "released the execution policy's hold"
              : "held by the execution policy";
          if (field === "description" || field === "iteration_base") return `${field} changed`;
          return `${field} ${shown(change?.from)} -> ${shown(change?.to)}`;
        });
      if (p.note !== undefined) parts.push("note added");
      return parts.length > 0 ? parts.join(", ") : "board token changed";
    }
    case "work_packet_gated": {
      const result = p.result as Payload;
      const move = p.status_change as { from: string; to: string } | undefined;
      return `${String(p.gate)} gate ${String(result.status)}${move ? ` (${move.from} -> ${move.to})` : ""}`;
    }
    case "work_packet_completed":
      return "completed";
    case "work_packet_deleted":
      return `deleted${p.reason ? `: ${String(p.reason)}` : ""}`;
    case "micro_tasks_registered":
      return `registered ${((p.micro_tasks as Payload[]) ?? []).map((mt) => String(mt.mt_id)).join(", ")}`;
    case "mt_started":
      return `${String(p.mt_id)} started at level ${String(p.escalation_level ?? 0)}`;
    case "mt_iteration_completed": {
      const record = p.record as Payload;
      return `${String(p.mt_id)} iteration ${String(record.iteration)} on ${String(record.model_id)}: ${String(record.outcome)}`;
    }
    case "mt_escalated":
      return `${String(p.mt_id)} escalated ${String(p.from_level)} -> ${String(p.to_level)} (${String(p.reason)})`;
    case "mt_completed":
      return `${String(p.mt_id)} ${String(p.outcome)}`;
    case "mt_failed":
      return `${String(p.mt_id)} failed (${String(p.reason)})`;
    case "dependency_added":
    case "dependency_removed": {
      const dep = (p.dependency ?? p) as Payload;
      const verb = event.event_name === "dependency_added" ? "added" : "removed";
      return `${verb} ${String(dep.from_wp_id ?? "?")} ${String(dep.type ?? "?")} ${String(dep.to_wp_id ?? "?")}`;
    }
    default:
      return event.event_name;
  }
}

const shown = (value: unknown): string =>
  value === null || value === undefined
    ? "-"
    : Array.isArray(value)
      ? `[${value.join(", ")}]`
      : String(value);

/** Builds the audit of one WP from the log; HSK-404-NOT-FOUND when the log holds nothing about it. */
export async function auditWp(store: LocusStore, wpId: string): Promise<AuditReport> {
  const about = (await store.readEvents({ wpId })).filter((event) =>
    STATE_EVENT_NAMES.has(event.event_name as never),
  );
  if (about.length === 0)
    throw new LocusError("HSK-404-NOT-FOUND", `the Flight Recorder holds no change of ${wpId}`, {
      field: "wp_id",
      wp_id: wpId,
    });
  const jobIds = [...new Set(about.map((event) => event.job_id))];
  const decisionsByJob = new Map<string, StoredEvent[]>();
  for (const event of await store.readEvents({ jobIds })) {
    if (event.event_name !== "capability_decision") continue;
    const list = decisionsByJob.get(event.job_id) ?? [];
    list.push(event);
    decisionsByJob.set(event.job_id, list);
  }
  const changes = about.map((event): AuditChange => {
    // A job's decisions come right before its events; job ids may repeat across jobs, so take those before it.
    const decided = (decisionsByJob.get(event.job_id) ?? []).filter((d) => d.seq < event.seq);
    const decisions = new Map<string, AuditDecision>();
    let profile: string | null = null;
    for (const d of decided) {
      const p = d.payload as Payload;
      profile = typeof p.capability_profile_id === "string" ? p.capability_profile_id : profile;
      decisions.set(String(p.capability_id), {
        capability_id: String(p.capability_id),
        outcome: p.decision_outcome === "allow" ? "allow" : "deny",
        ...(typeof p.reason === "string" ? { reason: p.reason } : {}),
      });
    }
    const p = event.payload as Payload;
    const result = p.result as Payload | undefined;
    return {
      seq: event.seq,
      timestamp: event.timestamp,
      event_name: event.event_name,
      event_id: event.event_id,
      actor_id: event.actor_id,
      profile,
      operation: operationOf(event.protocol_id),
      job_id: event.job_id,
      replica_id: event.replica_id,
      summary: changeSummary(event),
      decisions: [...decisions.values()],
      ...(event.event_name === "work_packet_gated" && result
        ? {
            gate: {
              gate: String(p.gate),
              status: String(result.status),
              ...(typeof result.notes === "string" ? { notes: result.notes } : {}),
              ...(typeof result.validated_by === "string" ? { validated_by: result.validated_by } : {}),
            },
          }
        : {}),
    };
  });
  return { wp_id: wpId, changes, chain: await verifyStore(store) };
}
