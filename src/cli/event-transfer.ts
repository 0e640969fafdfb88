import { grantCovers } from "../domain/capabilities.js";
import { LocusError } from "../domain/errors.js";
import { inheritedOf } from "../domain/events/bronze-delta.js";
import { bronzeHistory } from "../domain/events/bronze-history.js";
import { isEventName } from "../domain/events/event-registry.js";
import type { LocusState } from "../domain/events/evolve.js";
import { verifyChain } from "../domain/events/hash-chain.js";
import { capabilitiesToWrite, checkLog } from "../domain/events/log-governance.js";
import type { StoredEvent } from "../domain/events/stored-event.js";
import { rebuildSilver } from "../operations/search/search-maintenance.js";
import type { LocusStore } from "../store/store-port.js";

// Export and import of a workspace as JSON Lines of Flight Recorder events (section 6: the state is a
// function of the log). Import appends the foreign events verbatim (same seq, uuids, hashes), so the chain
// of the new store is the chain of the old one, and writes the state replayed from them in the same
// transaction, with the Bronze history, which is also a function of the log (bronzeHistory). Search
// (Silver and Gold) is then regenerated from Bronze. Idempotency records are not carried.

const STRING_FIELDS = [
  "event_uuid",
  "event_id",
  "event_name",
  "timestamp",
  "trace_id",
  "job_id",
  "protocol_id",
  "actor_id",
  "replica_id",
  "prev_hash",
  "hash",
] as const;

/** Parses JSON Lines into events, naming the line and field of the first malformed one. */
export function parseEventLines(text: string): StoredEvent[] {
  const events: StoredEvent[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line.length === 0) return;
    const bad = (why: string, field = "line") =>
      new LocusError("HSK-400-INVALID-PARAMS", `line ${index + 1}: ${why}`, { field, line: index + 1 });
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw bad(`not JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("not an event object");
    const event = value as Record<string, unknown>;
    for (const key of STRING_FIELDS)
      if (typeof event[key] !== "string") throw bad(`${key} must be a string`, key);
    for (const key of ["seq", "sequence"] as const)
      if (!Number.isInteger(event[key])) throw bad(`${key} must be an integer`, key);
    for (const key of ["payload", "vector_clock"] as const)
      if (typeof event[key] !== "object" || event[key] === null) throw bad(`${key} must be an object`, key);
    if (!isEventName(event.event_name as string))
      throw bad(`event_name ${String(event.event_name)} is not in the registry`, "event_name");
    events.push(event as unknown as StoredEvent);
  });
  return events;
}

/** Reads every event of the store in seq order. */
export function exportEvents(store: LocusStore): Promise<StoredEvent[]> {
  return store.readEvents();
}

/** What an import did. */
export interface ImportReport {
  events: number;
  head_seq: number;
  wps: number;
  mts: number;
  dependencies: number;
}

const BATCH = 1_000;

/** Who imports: the profile in force on the surface and its grants (section 3: the CLI's --profile or default). */
export interface Importer {
  profile: string;
  grants: ReadonlySet<string>;
}

/** Options of an import. */
export interface ImportOptions {
  importer: Importer;
  onProgress?: (done: number, total: number) => void;
  workspaceRoot?: string;
}

/**
 * Issue 21: an import writes everything the log holds, so the importer needs locus.write and every capability
 * an event of the log needs (locus.gate for gate decisions, locus.delete for deletes). The store is not
 * touched before this holds.
 */
function checkImporterRights(events: readonly StoredEvent[], importer: Importer): void {
  const missing = capabilitiesToWrite(events).filter((id) => !grantCovers(importer.grants, id));
  if (missing.length === 0) return;
  throw new LocusError(
    "HSK-403-CAPABILITY",
    `import needs ${missing.join(", ")}, which profile ${importer.profile} does not grant`,
    { field: "profile", profile: importer.profile, missing },
  );
}

/**
 * The log's own governance (issue 21, section 13): every event fits its schema, sits in a job whose recorded
 * decisions allow what it needs, and makes only section 5 transitions. Returns the state it builds, or refuses
 * the whole log naming the first offending event.
 */
function checkGovernance(events: readonly StoredEvent[]): LocusState {
  const check = checkLog(events);
  if (check.ok) return check.state;
  const { code, reason, details, seq, event_name, job_id } = check.finding;
  throw new LocusError(code, `the log is refused at seq ${seq} (${event_name}, job ${job_id}): ${reason}`, {
    ...details,
    field: "events",
    seq,
    event_name,
    job_id,
  });
}

/** The time floor and per-replica heads a store holds after receiving `events` (section 13, event-receiver.ts). */
function replicaMetaOf(events: readonly StoredEvent[]): [string, string][] {
  let floor = 0;
  const heads = new Map<string, number>();
  for (const event of events) {
    floor = Math.max(floor, Date.parse(event.timestamp) + 1);
    heads.set(event.replica_id, Math.max(heads.get(event.replica_id) ?? 0, event.sequence));
  }
  return [
    ["hlc_floor", String(floor)],
    ...[...heads].map(([id, seq]): [string, string] => [`replica_head:${id}`, String(seq)]),
  ];
}

/**
 * Imports `events` into an empty store. Before anything is written: the importer's rights, the chain, and the
 * log's governance and transitions (each refusal leaves the store as it was); then the events are appended
 * verbatim and the replayed state written in one transaction. A non-empty store is refused: merging logs is
 * `sync_events`' job.
 */
export async function importEvents(
  store: LocusStore,
  events: readonly StoredEvent[],
  options: ImportOptions,
): Promise<ImportReport> {
  const { onProgress = () => {}, workspaceRoot } = options;
  checkImporterRights(events, options.importer);
  if (events.length === 0)
    throw new LocusError("HSK-400-INVALID-PARAMS", "the file holds no events", { field: "file" });
  const last = events[events.length - 1] as StoredEvent;
  const chain = verifyChain(events, { seq: last.seq, hash: last.hash });
  if (!chain.ok) {
    throw new LocusError(
      "HSK-400-INVALID-EVENT",
      `the chain is broken at seq ${chain.first_bad_seq}: ${chain.reason}`,
      {
        field: "events",
        first_bad_seq: chain.first_bad_seq,
      },
    );
  }
  const state = checkGovernance(events);
  const bronze = bronzeHistory(events);
  const total = events.length + state.wps.size + state.mts.size + state.deps.size;
  await store.transaction(async (tx) => {
    const head = await tx.chainHead();
    const any = await tx.queryWps({
      statuses: ["stub", "ready", "in_progress", "blocked", "gated", "done", "cancelled"],
      readiness: "any",
      include_deleted: true,
      sort: "age",
      now_ms: 0,
      offset: 0,
      limit: 1,
    });
    if (head.seq > 0 || any.total_count > 0) {
      throw new LocusError(
        "HSK-409-CONFLICT",
        `the store is not empty (head seq ${head.seq}); import needs a new workspace`,
        {
          field: "store",
          head_seq: head.seq,
        },
      );
    }
    let done = 0;
    for (let start = 0; start < events.length; start += BATCH) {
      const batch = events.slice(start, start + BATCH);
      await tx.appendEvents(batch);
      done += batch.length;
      onProgress(done, total);
    }
    // Section 13: the imported events came from another replica; this store's own events must fold after them
    // (hybrid logical time), and a later sync knows it holds them.
    await tx.replicaLog.writeMeta(replicaMetaOf(events));
    // WPs first: dependency rows update the readiness counters of WPs that must already exist.
    for (const wp of state.wps.values()) await tx.putWp(wp);
    for (const mt of state.mts.values()) await tx.putMt(mt);
    for (const dep of state.deps.values()) await tx.putDependency(dep);
    // Section 9: each row stores only the notes and gate decisions the snapshot before it does not hold.
    const byId = new Map(bronze.map((snapshot) => [snapshot.bronze_id, snapshot]));
    for (const snapshot of bronze) {
      const previous = snapshot.previous_bronze_id && byId.get(snapshot.previous_bronze_id);
      await tx.putBronze(snapshot, previous ? inheritedOf(previous.snapshot) : undefined);
    }
    onProgress(total, total);
  });
  // Search is derived: regenerate it from the Bronze just written (embeddings queue for `locus index`).
  if (await store.transaction(async (tx) => tx.search !== undefined)) {
    await rebuildSilver(store, workspaceRoot === undefined ? {} : { workspaceRoot });
  }
  return {
    events: events.length,
    head_seq: last.seq,
    wps: state.wps.size,
    mts: state.mts.size,
    dependencies: state.deps.size,
  };
}
