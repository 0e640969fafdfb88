import { STATE_EVENT_NAMES } from "../domain/events/event-registry.js";
import type { ArtifactRef, WorkPacketBinding } from "../domain/records.js";
import { queryTerms } from "../search/snippet.js";
import type { StoredEvent } from "../store/store-port.js";
import { changeSummary } from "./audit-trail.js";

// Section 16, the Spec Session Log of spec 2.6.8.8: the human-facing ledger of every WP and Task Board change,
// beside the Flight Recorder. Locus keeps it as a projection of the Flight Recorder, not as a second copy: each
// entry is derived from one event (its id is the event's uuid, so it is unique and stable), with the spec and
// governance mode the job's WorkPacketBinding recorded (or the WP's spec_session_id), and the artifacts the change
// links. It is therefore exactly as durable, verifiable and replayable as the log, and costs no storage.

/** Governance mode of an entry when no binding set one (spec 2.6.8: the standard mode). */
const DEFAULT_MODE = "GOV_STANDARD";
/** spec_id of an entry whose job had no binding and whose WP has no spec_session_id. */
const NO_SPEC = "(none)";
/** Events read per page: memory stays bounded whatever the size of the log. */
const PAGE = 5_000;

/** SpecSessionLogEntry of spec 2.6.8.8. */
export interface SpecSessionLogEntry {
  entry_id: string;
  spec_id: string;
  task_board_id: string;
  work_packet_id: string | null;
  event_type: string;
  governance_mode: string;
  actor: string;
  timestamp: string;
  summary: string;
  linked_artifacts: ArtifactRef[];
  /** The Flight Recorder event it comes from. */
  seq: number;
}

/** What `locus session-log` filters by. */
export interface SessionLogQuery {
  spec_id?: string;
  wp_id?: string;
  /** Text the summary, spec, WP id or actor must contain (case-insensitive). */
  text?: string;
  /**
   * Search terms (`locus search --scope session_log`): an entry must hold at least `minimumMatch` of them among
   * its summary, the note or gate notes of its change, spec, WP id, actor and event type; the entries holding
   * most terms come first (newest first among equals) instead of the last ones in log order.
   */
  terms?: { words: readonly string[]; minimumMatch: number };
  /** The last `limit` entries (default 200). */
  limit?: number;
}

/** Where the entries are read from: a store (`locus session-log`) or a job's transaction (search). */
export interface EventPages {
  readEvents(query: { afterSeq: number; limit: number }): Promise<StoredEvent[]>;
}

/** A session log entry found by search terms, with how many of them it holds and its change's notes. */
export type MatchedSessionLogEntry = SpecSessionLogEntry & { matched_terms: number; notes?: string };

const BOARD_EVENTS = new Set(["task_board_entry_added", "task_board_status_changed", "task_board_synced"]);

/** The artifact references an event's payload carries (iterations, MT validation, gate reports). */
function artifactsOf(payload: Record<string, unknown>): ArtifactRef[] {
  const found: ArtifactRef[] = [];
  const take = (value: unknown) => {
    if (typeof value === "string" || (value !== null && typeof value === "object" && "artifact_id" in value))
      found.push(value as ArtifactRef);
  };
  const record = payload.record as Record<string, unknown> | undefined;
  take(record?.output_artifact_ref);
  take(record?.validation_artifact_ref);
  take((payload.validation_result as Record<string, unknown> | undefined)?.evidence_ref);
  take((payload.result as Record<string, unknown> | undefined)?.validation_report_ref);
  return found;
}

/** A board event's one-line summary. */
function boardSummary(event: StoredEvent): string {
  const p = event.payload as Record<string, unknown>;
  if (event.event_name === "task_board_entry_added")
    return `board: ${String(p.wp_id)} added to ${String(p.board_status)}`;
  if (event.event_name === "task_board_status_changed")
    return `board: ${String(p.wp_id)} moved ${String(p.from_board_status)} -> ${String(p.to_board_status)}${p.applied ? "" : " (not applied)"}`;
  return `board synced (${String(p.direction)}): ${String(p.status_changes)} status changes, ${String(p.entries_added)} added, ${String(p.conflicts)} conflicts`;
}

/** The notes a change carries (a note added by an update, a gate's note and its result's notes). */
function notesOf(payload: Record<string, unknown>): string {
  const note = payload.note as { content?: unknown } | undefined;
  const result = payload.result as { notes?: unknown } | undefined;
  const texts = [note?.content, result?.notes].filter((text): text is string => typeof text === "string");
  // A gate's note already quotes its result's notes.
  const quoted = (text: string, i: number) =>
    texts.some((other, j) => j !== i && other.includes(text) && (other !== text || j < i));
  return texts.filter((text, i) => !quoted(text, i)).join(" ");
}

/** How many of `words` the entry holds (whole terms, as search splits text). */
function termsHeld(entry: SpecSessionLogEntry, notes: string, words: readonly string[]): number {
  const text = [
    entry.summary,
    notes,
    entry.spec_id,
    entry.work_packet_id ?? "",
    entry.actor,
    entry.event_type,
  ];
  const held = new Set(queryTerms(text.join(" ")));
  return words.filter((word) => held.has(word)).length;
}

/** Best first: more terms held, then newer. */
const byMatch = (a: MatchedSessionLogEntry, b: MatchedSessionLogEntry) =>
  b.matched_terms - a.matched_terms || b.seq - a.seq;

/**
 * Reads the Spec Session Log: the entries matching `query`, oldest first (the last `limit`); with `terms`, the
 * `limit` entries holding most of them, best first, each with `matched_terms`.
 */
export async function readSessionLog(
  source: EventPages,
  query: SessionLogQuery,
  boardPath: string,
): Promise<SpecSessionLogEntry[]> {
  const limit = query.limit ?? 200;
  const needle = (query.text ?? "").toLowerCase();
  const bindings = new Map<string, WorkPacketBinding>();
  const specOfWp = new Map<string, string>();
  const modeOfSpec = new Map<string, string>();
  const entries: SpecSessionLogEntry[] = [];
  let found: MatchedSessionLogEntry[] = [];
  const keep = (entry: SpecSessionLogEntry, notes: string) => {
    if (query.spec_id !== undefined && entry.spec_id !== query.spec_id) return;
    if (query.wp_id !== undefined && entry.work_packet_id !== query.wp_id) return;
    if (needle !== "") {
      const fields = [entry.summary, entry.spec_id, entry.work_packet_id ?? "", entry.actor];
      if (!fields.some((field) => field.toLowerCase().includes(needle))) return;
    }
    if (query.terms !== undefined) {
      const matched = termsHeld(entry, notes, query.terms.words);
      if (matched < query.terms.minimumMatch) return;
      found.push({
        ...entry,
        matched_terms: matched,
        ...(notes !== "" ? { notes: notes.slice(0, 500) } : {}),
      });
      // Bounded whatever the size of the log: the best `limit` so far are kept.
      if (found.length > limit * 4) found = found.sort(byMatch).slice(0, limit);
      return;
    }
    entries.push(entry);
    if (entries.length > limit) entries.shift();
  };
  for (let after = 0; ; ) {
    const page = await source.readEvents({ afterSeq: after, limit: PAGE });
    for (const event of page) {
      const p = event.payload as Record<string, unknown>;
      if (event.event_name === "capability_decision") {
        if (p.work_packet_binding !== undefined)
          bindings.set(event.job_id, p.work_packet_binding as WorkPacketBinding);
        continue;
      }
      const isState = STATE_EVENT_NAMES.has(event.event_name as never);
      if (!isState && !BOARD_EVENTS.has(event.event_name)) continue;
      const wpId = typeof p.wp_id === "string" ? p.wp_id : null;
      if (event.event_name === "work_packet_created") {
        const spec = ((p.wp as Record<string, unknown>)?.governance as Record<string, unknown> | undefined)
          ?.spec_session_id;
        if (typeof spec === "string" && wpId !== null) specOfWp.set(wpId, spec);
      }
      const binding = bindings.get(event.job_id);
      const specId = binding?.spec_id ?? (wpId !== null ? specOfWp.get(wpId) : undefined) ?? NO_SPEC;
      const mode = binding?.mode ?? modeOfSpec.get(specId) ?? DEFAULT_MODE;
      const base = {
        spec_id: specId,
        task_board_id: binding?.task_board_id ?? boardPath,
        work_packet_id: wpId,
        actor: event.actor_id,
        timestamp: event.timestamp,
      };
      // Spec 2.6.8.8: a change of governance mode gets its own entry, before the change made under it.
      const previous = modeOfSpec.get(specId);
      if (previous !== undefined && previous !== mode)
        keep(
          {
            ...base,
            entry_id: `ssl-${event.event_uuid}-mode`,
            event_type: "governance_mode_changed",
            governance_mode: mode,
            summary: `governance mode ${previous} -> ${mode}`,
            linked_artifacts: [],
            seq: event.seq,
          },
          "",
        );
      modeOfSpec.set(specId, mode);
      const linked = artifactsOf(p);
      if (binding?.refinement_ref) linked.push(binding.refinement_ref);
      if (binding?.signature_ref) linked.push(binding.signature_ref);
      keep(
        {
          ...base,
          entry_id: `ssl-${event.event_uuid}`,
          event_type: event.event_name,
          governance_mode: mode,
          summary: isState ? changeSummary(event) : boardSummary(event),
          linked_artifacts: linked,
          seq: event.seq,
        },
        notesOf(p),
      );
    }
    if (page.length < PAGE) break;
    after = (page.at(-1) as StoredEvent).seq;
  }
  return query.terms === undefined ? entries : found.sort(byMatch).slice(0, limit);
}
