import type { TrackedMicroTask, TrackedWorkPacket } from "../domain/records.js";
import type { LocusResult } from "../operations/envelope.js";

// Compact results: an agent rarely needs a whole TrackedWorkPacket (notes, gate history, vector clock) after
// a write or in a list; it needs the id, status and the version for its next compare-and-set. Tools whose
// results are compacted take `full: true` to get the records as the envelope returned them.

/** Operations whose results are compacted unless `full: true`. */
export const COMPACTED: ReadonlySet<string> = new Set([
  "create_wp",
  "update_wp",
  "gate_wp",
  "close_wp",
  "delete_wp",
  "claim_wp",
  "register_mts",
  "start_mt",
  "record_iteration",
  "complete_mt",
  "query_ready",
  "query_blocked",
  "list_wps",
  "get_wp_status",
  "get_mt_progress",
  "search",
]);

/** The fields of a WP an agent acts on. */
export function wpSummary(wp: TrackedWorkPacket): Record<string, unknown> {
  return {
    wp_id: wp.wp_id,
    title: wp.title,
    status: wp.status,
    priority: wp.priority,
    version: wp.version,
    ...(wp.assignee ? { assignee: wp.assignee } : {}),
    // Section 17: when the claim ends unless renewed, and work deferred to a date.
    ...(wp.lease?.expires_at ? { lease_expires_at: wp.lease.expires_at } : {}),
    ...(wp.defer_until ? { defer_until: wp.defer_until } : {}),
    ...(wp.labels.length ? { labels: wp.labels } : {}),
    gates: `${wp.governance.gates.pre_work.status}/${wp.governance.gates.post_work.status}`,
    ...(wp.micro_tasks.total ? { mts: `${wp.micro_tasks.completed}/${wp.micro_tasks.total}` } : {}),
  };
}

/** The fields of an MT an agent acts on; its iterations are counted, not listed. */
export function mtSummary(mt: TrackedMicroTask): Record<string, unknown> {
  return {
    mt_id: mt.mt_id,
    status: mt.status,
    iteration: mt.current_iteration,
    max_iterations: mt.max_iterations,
    level: mt.escalation.current_level,
    ...(mt.iterations.length ? { last_outcome: mt.iterations[mt.iterations.length - 1]?.outcome } : {}),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Compacts `data` of `operation`; adds `next_offset` to paged lists that have more. */
export function compactData(
  operation: string,
  data: Record<string, unknown>,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === "wp" && isRecord(value)) {
      // get_wp_status is the call that asks for the WP itself: keep its description, drop the history.
      const wp = value as unknown as TrackedWorkPacket;
      out.wp =
        operation === "get_wp_status"
          ? { ...wpSummary(wp), description: wp.description, notes: wp.notes.length }
          : wpSummary(wp);
    } else if ((key === "ready_wps" || key === "wps") && Array.isArray(value)) {
      out[key] = (value as TrackedWorkPacket[]).map(wpSummary);
    } else if (key === "blocked_wps" && Array.isArray(value)) {
      out[key] = (value as { wp: TrackedWorkPacket; blockers: unknown[] }[]).map((entry) => ({
        ...entry,
        wp: wpSummary(entry.wp),
      }));
    } else if (key === "mt" && isRecord(value)) {
      out.mt = mtSummary(value as unknown as TrackedMicroTask);
    } else if (key === "micro_tasks" && Array.isArray(value)) {
      out[key] = (value as TrackedMicroTask[]).map(mtSummary);
    } else if (key === "blocking_chain" && Array.isArray(value)) {
      out[key] = (value as { wp_id: string }[]).map((wp) => wp.wp_id);
    } else if (key === "results" && Array.isArray(value)) {
      out[key] = (value as Record<string, unknown>[]).map(({ wp: _wp, ...rest }) => rest);
    } else if (key !== "filters_applied") {
      out[key] = value;
    }
  }
  const listed = (data.ready_wps ?? data.wps ?? data.blocked_wps) as unknown[] | undefined;
  if (Array.isArray(listed) && typeof data.total_count === "number") {
    const offset = typeof params.offset === "number" ? params.offset : 0;
    if (offset + listed.length < data.total_count) out.next_offset = offset + listed.length;
  }
  return out;
}

/** The text an MCP tool returns for a result: compact unless `full`, without the timing. */
export function resultText(
  operation: string,
  result: LocusResult,
  params: Record<string, unknown>,
  full: boolean,
): string {
  if (!result.success) return JSON.stringify({ success: false, error: result.error, job_id: result.job_id });
  const data = full || !COMPACTED.has(operation) ? result.data : compactData(operation, result.data, params);
  return JSON.stringify({
    success: true,
    data,
    job_id: result.job_id,
    events_emitted: result.events_emitted,
  });
}
