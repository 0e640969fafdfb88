// Builds Flight Recorder logs by hand for the log-governance tests: each step appends one event with a payload
// that fits the registry, in the shape the operations emit, so a test can write a legal log or forge one event.
import type { GateStatus, TrackedWorkPacket, WorkPacketStatus } from "../records.js";
import type { EventName } from "./event-registry.js";
import { EVENT_REGISTRY } from "./event-registry.js";
import type { GovernedEvent } from "./log-governance.js";

const REPLICA = "rep_TEST";
const AT = "2026-01-01T00:00:00.000Z";
const BOARD: Record<WorkPacketStatus, TrackedWorkPacket["governance"]["task_board_status"]> = {
  stub: "STUB",
  ready: "READY",
  in_progress: "IN_PROGRESS",
  blocked: "BLOCKED",
  gated: "GATED",
  done: "DONE",
  cancelled: "CANCELLED",
};

/** A new WP snapshot as create_wp writes it (stub, gates pending), with `overrides`. */
export function newWp(wpId: string, overrides: Partial<TrackedWorkPacket> = {}): TrackedWorkPacket {
  const pending = { status: "pending" as const };
  return {
    wp_id: wpId,
    version: 1,
    title: wpId,
    description: "",
    status: "stub",
    priority: 2,
    governance: {
      gates: { pre_work: pending, post_work: pending },
      gate_history: { pre_work: [], post_work: [] },
      task_board_status: "STUB",
      task_board_token: "STUB",
    },
    type: "feature",
    labels: [],
    reporter: "ann",
    micro_tasks: { total: 0, completed: 0, failed: 0, in_progress: 0, skipped: 0, mt_ids: [] },
    created_at: AT,
    updated_at: AT,
    notes: [],
    metadata: {},
    vector_clock: { [REPLICA]: 1 },
    ...overrides,
  };
}

/** A log under construction; every method appends one event and returns the builder. */
export class LogBuilder {
  readonly events: GovernedEvent[] = [];
  private readonly versions = new Map<string, number>();

  /** Appends any registered event in job `job` (recorder fields added). */
  add(name: EventName, job: string, payload: Record<string, unknown>): this {
    const seq = this.events.length + 1;
    this.events.push({
      seq,
      event_id: EVENT_REGISTRY[name].event_id,
      event_name: name,
      job_id: job,
      timestamp: AT,
      replica_id: REPLICA,
      payload: { ...payload, replica_id: REPLICA, sequence: seq, vector_clock: { [REPLICA]: seq } },
    });
    return this;
  }

  /** The bronze id and next version of a write of `wpId`. */
  private write(wpId: string): { bronze_id: string; version: number } {
    const version = (this.versions.get(wpId) ?? 0) + 1;
    this.versions.set(wpId, version);
    return { bronze_id: `brz_${wpId}_${version}`, version };
  }

  /** A capability decision of `job` (profile Operator unless given). */
  decide(job: string, capability: string, outcome: "allow" | "deny", profile = "Operator"): this {
    return this.add("capability_decision", job, {
      capability_id: capability,
      actor_id: "ann",
      job_id: job,
      decision_outcome: outcome,
      capability_profile_id: profile,
    });
  }

  /** work_packet_created of `wp` (a stub unless the snapshot says otherwise). */
  created(job: string, wp: TrackedWorkPacket): this {
    this.write(wp.wp_id);
    return this.add("work_packet_created", job, {
      wp_id: wp.wp_id,
      bronze_id: `brz_${wp.wp_id}_1`,
      version: 1,
      wp,
      created_by: "ann",
      source: "api",
    });
  }

  /** work_packet_updated moving `wpId` from `from` to `to` (a board edit when `source` says so). */
  status(job: string, wpId: string, from: WorkPacketStatus, to: WorkPacketStatus, source?: string): this {
    return this.add("work_packet_updated", job, {
      wp_id: wpId,
      ...this.write(wpId),
      changes: { status: { from, to } },
      ...(source === undefined ? {} : { source }),
    });
  }

  /** work_packet_gated: `gate` decided `decision`, with the status change the event claims (if any). */
  gated(
    job: string,
    wpId: string,
    gate: "pre_work" | "post_work",
    decision: GateStatus["status"],
    change?: { from: WorkPacketStatus; to: WorkPacketStatus },
  ): this {
    return this.add("work_packet_gated", job, {
      wp_id: wpId,
      ...this.write(wpId),
      gate,
      result: { status: decision, validated_at: AT, validated_by: "val" },
      note: {
        note_id: `note_${this.events.length}`,
        author: "val",
        content: gate,
        created_at: AT,
        note_type: "gate",
      },
      ...(change === undefined ? {} : { status_change: change }),
    });
  }

  /** work_packet_completed (close_wp). */
  completed(job: string, wpId: string): this {
    return this.add("work_packet_completed", job, { wp_id: wpId, ...this.write(wpId), completed_at: AT });
  }

  /** work_packet_deleted of a WP that was `previous`. */
  deleted(job: string, wpId: string, previous: WorkPacketStatus): this {
    return this.add("work_packet_deleted", job, {
      wp_id: wpId,
      ...this.write(wpId),
      deleted_by: "ann",
      previous_status: previous,
    });
  }

  /** micro_tasks_registered of one MT in `status` (pending, as register_mts writes it, unless forged). */
  registered(job: string, wpId: string, mtId: string, status = "pending"): this {
    const mt = {
      mt_id: mtId,
      wp_id: wpId,
      name: mtId,
      scope: "",
      files: { read: [], modify: [], create: [] },
      done_criteria: [],
      depends_on: [],
      status,
      current_iteration: 0,
      max_iterations: 3,
      escalation: { current_level: 0, escalation_chain: [], escalations_count: 0, drop_backs_count: 0 },
      iterations: [],
      metadata: {},
    };
    return this.add("micro_tasks_registered", job, { wp_id: wpId, ...this.write(wpId), micro_tasks: [mt] });
  }

  /** mt_started of `mtId`. */
  mtStarted(job: string, wpId: string, mtId: string): this {
    return this.add("mt_started", job, {
      wp_id: wpId,
      mt_id: mtId,
      ...this.write(wpId),
      escalation_level: 0,
    });
  }

  /** mt_completed of `mtId` with `outcome`. */
  mtCompleted(job: string, wpId: string, mtId: string, outcome: "completed" | "skipped" = "completed"): this {
    return this.add("mt_completed", job, { wp_id: wpId, mt_id: mtId, ...this.write(wpId), outcome });
  }

  /** The board status a status maps to (for forged board events). */
  static board(status: WorkPacketStatus): string {
    return BOARD[status];
  }
}
