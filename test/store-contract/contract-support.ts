// Builders and brute-force references for the store contract suite (STYLE 5): records written straight through the
// port, sealed events, and the section 7 query computed from plain arrays, with hybridScore itself.
import { eventHash } from "../../src/domain/events/hash-chain.js";
import { hybridScore } from "../../src/domain/ready-rules.js";
import type {
  DependencyType,
  TrackedDependency,
  TrackedWorkPacket,
  WorkPacketStatus,
} from "../../src/domain/records.js";
import { isClosedStatus, toBoardStatus } from "../../src/domain/records.js";
import type { ChainHead, StoredEvent, WpQuery } from "../../src/store/store-port.js";

/** A valid WP with the fields the store indexes set from `fields`. */
export function makeWp(
  wpId: string,
  fields: Partial<
    Pick<
      TrackedWorkPacket,
      "status" | "priority" | "type" | "labels" | "assignee" | "created_at" | "defer_until"
    >
  > & {
    phase?: TrackedWorkPacket["governance"]["phase"];
    deleted?: boolean;
    version?: number;
  } = {},
): TrackedWorkPacket {
  const status = fields.status ?? "ready";
  const createdAt = fields.created_at ?? "2026-01-01T00:00:00.000Z";
  return {
    wp_id: wpId,
    version: fields.version ?? 1,
    title: `title of ${wpId}`,
    description: "",
    status,
    priority: fields.priority ?? 2,
    governance: {
      ...(fields.phase !== undefined ? { phase: fields.phase } : {}),
      gates: { pre_work: { status: "pending" }, post_work: { status: "pending" } },
      gate_history: { pre_work: [], post_work: [] },
      task_board_status: toBoardStatus(status),
      task_board_token: "READY_FOR_DEV",
    },
    type: fields.type ?? "feature",
    labels: fields.labels ?? [],
    ...(fields.assignee !== undefined ? { assignee: fields.assignee } : {}),
    ...(fields.defer_until !== undefined ? { defer_until: fields.defer_until } : {}),
    reporter: "tester",
    micro_tasks: { total: 0, completed: 0, failed: 0, in_progress: 0, skipped: 0, mt_ids: [] },
    created_at: createdAt,
    updated_at: createdAt,
    notes: [],
    metadata: {},
    vector_clock: { rep_test: fields.version ?? 1 },
    ...(fields.deleted ? { tombstone: { deleted_at: createdAt, deleted_by: "tester" } } : {}),
  } as TrackedWorkPacket;
}

let dependencyCounter = 0;

/** A dependency edge with a fresh, valid dependency_id (ids sort in creation order). */
export function makeDep(
  from: string,
  to: string,
  type: Exclude<DependencyType, "blocked_by">,
): TrackedDependency {
  dependencyCounter += 1;
  return {
    dependency_id: `dep_${String(dependencyCounter).padStart(26, "0")}`,
    from_wp_id: from,
    to_wp_id: to,
    type,
    created_at: "2026-01-01T00:00:00.000Z",
    created_by: "tester",
    vector_clock: { rep_test: 1 },
  };
}

/** `count` events sealed onto `head` (a valid chain), as JobContext would seal them. */
export function sealEvents(head: ChainHead, replicaId: string, count: number, wpId = "WP-A"): StoredEvent[] {
  const events: StoredEvent[] = [];
  let { seq, hash, sequence } = head;
  for (let i = 0; i < count; i++) {
    seq += 1;
    sequence += 1;
    const unsealed: Omit<StoredEvent, "hash"> = {
      seq,
      event_uuid: `00000000-0000-4000-8000-${String(seq).padStart(12, "0")}-${Math.random().toString(16).slice(2, 8)}`,
      event_id: "FR-EVT-DIAG",
      event_name: "diagnostic",
      timestamp: "2026-01-01T00:00:00.000Z",
      trace_id: "trace",
      job_id: "job",
      protocol_id: "locus_test_v1",
      actor_id: "tester",
      replica_id: replicaId,
      sequence,
      vector_clock: { [replicaId]: sequence },
      payload: { wp_id: wpId, code: "T", message: `event ${seq}`, subject: wpId },
      prev_hash: hash,
    };
    const event: StoredEvent = { ...unsealed, hash: eventHash(unsealed) };
    hash = event.hash;
    events.push(event);
  }
  return events;
}

/** Section 7 open blockers by brute force: incoming `blocks` edges whose blocker is neither done nor cancelled. */
export function referenceOpenBlockers(
  wps: ReadonlyMap<string, TrackedWorkPacket>,
  deps: readonly TrackedDependency[],
  wpId: string,
): TrackedDependency[] {
  return deps
    .filter((d) => d.type === "blocks" && d.to_wp_id === wpId)
    .filter((d) => {
      const blocker = wps.get(d.from_wp_id);
      return blocker !== undefined && !isClosedStatus(blocker.status as WorkPacketStatus);
    })
    .sort((a, b) => byteCompare(a.dependency_id, b.dependency_id));
}

/** Byte order, as SQLite BINARY and PostgreSQL COLLATE "C" compare. */
export const byteCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** WpQuery by brute force over plain arrays, sorted with hybridScore: the reference every backend must match. */
export function referenceQuery(
  wps: ReadonlyMap<string, TrackedWorkPacket>,
  deps: readonly TrackedDependency[],
  query: WpQuery,
): { ids: string[]; total: number } {
  const blocksOut = (id: string) => deps.filter((d) => d.type === "blocks" && d.from_wp_id === id).length;
  const matches = [...wps.values()].filter((wp) => {
    if (!query.include_deleted && wp.tombstone) return false;
    if (!query.statuses.includes(wp.status)) return false;
    // Section 17: a WP deferred past the query's time is not ready, and counts as blocked.
    const deferred = wp.defer_until !== undefined && Date.parse(wp.defer_until) > query.now_ms;
    const blocked = referenceOpenBlockers(wps, deps, wp.wp_id).length > 0 || deferred;
    if (query.readiness === "ready" && blocked) return false;
    if (query.readiness === "blocked" && !blocked) return false;
    if (query.assignee !== undefined && wp.assignee !== query.assignee) return false;
    if (query.priority_min !== undefined && wp.priority < query.priority_min) return false;
    if (query.priority_max !== undefined && wp.priority > query.priority_max) return false;
    const phase = wp.governance.phase;
    if (query.phases !== undefined && (phase === undefined || !query.phases.includes(phase))) return false;
    if (query.types !== undefined && !query.types.includes(wp.type)) return false;
    return (query.labels ?? []).every((label) => wp.labels.includes(label));
  });
  const key = (wp: TrackedWorkPacket): (number | string)[] =>
    query.sort === "priority"
      ? [wp.priority, wp.created_at, wp.wp_id]
      : query.sort === "age"
        ? [wp.created_at, wp.wp_id]
        : [
            hybridScore(wp.priority, Date.parse(wp.created_at), blocksOut(wp.wp_id), query.now_ms),
            wp.created_at,
            wp.wp_id,
          ];
  const compare = (a: TrackedWorkPacket, b: TrackedWorkPacket) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) {
      const [x, y] = [ka[i] as number | string, kb[i] as number | string];
      const c = typeof x === "number" ? x - (y as number) : byteCompare(x, y as string);
      if (c !== 0) return c;
    }
    return 0;
  };
  const sorted = matches.sort(compare).map((wp) => wp.wp_id);
  return { ids: sorted.slice(query.offset, query.offset + query.limit), total: sorted.length };
}
