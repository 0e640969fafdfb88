// Section 15: what every importer produces. A parser turns one tracker's data into `ImportedItem`s (pure, no I/O),
// keyed and cross-referenced by the tracker's own ids; the planner (import-plan.ts) compares them with the store
// and the import operation applies the plan through the envelope. Nothing a parser cannot map is dropped: it
// goes into `Unmapped`, which the report lists with its reason.

import { LocusError } from "../domain/errors.js";
import type { DependencyType, WorkPacketStatus, WP_TYPES } from "../domain/records.js";

/** The trackers Locus imports from (section 15). */
export const IMPORT_FORMATS = ["beads", "backlog", "taskmaster", "github"] as const;
/** One of the trackers. */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** A Locus WP type. */
export type WpType = (typeof WP_TYPES)[number];

/** A Locus dependency type as stored (`blocked_by` is always stored as `blocks`, section 4). */
export type StoredDependencyType = Exclude<DependencyType, "blocked_by">;

/** A comment of the source, imported as a WorkNote with its author and time. */
export interface ImportedComment {
  /** The source's comment id when it has one (a re-import recognises the note by it). */
  id: string;
  author: string;
  /** RFC 3339 UTC, when the source gives a valid time. */
  created_at?: string;
  text: string;
}

/**
 * A typed edge between two items, by their reference keys, already turned into Locus direction and type:
 * `from` blocks / is the parent of / ... `to`. `source_type` is the tracker's own name for it (report).
 */
export interface ImportedEdge {
  from_key: string;
  to_key: string;
  type: StoredDependencyType;
  source_type: string;
  /** The item whose data named the edge (for the report). */
  declared_by: string;
}

/** One item of a source, mapped to what its WP should be. */
export interface ImportedItem {
  /** The id as the source spells it (metadata.source.id). */
  source_id: string;
  /** The key other items use to reference it (ids normalised the way the tracker compares them). */
  key: string;
  /** `WP-` + the source id, made valid deterministically (import-ids.ts). */
  wp_id: string;
  title: string;
  description: string;
  /** The status as the source names it (report counts). */
  source_status: string;
  /** The Locus status it maps to (section 5). */
  status: WorkPacketStatus;
  priority: number;
  type: WpType;
  labels: string[];
  assignee?: string;
  reporter?: string;
  /** RFC 3339 UTC. */
  created_at?: string;
  /** RFC 3339 UTC: a closed item's close time, named in the gate notes. */
  closed_at?: string;
  /** Why it was closed, when the source says. */
  close_reason?: string;
  /** A deleted item ends as a tombstone (section 2). */
  deleted?: { at?: string; by?: string; reason?: string };
  comments: ImportedComment[];
  /** Extra source facts kept in `metadata.source` (Task Master's tag, Backlog.md's file). */
  source_extra?: Record<string, string>;
  /** Where it came from, for messages: a line number or a file. */
  origin: string;
}

/** Something of the source Locus does not hold, with why: nothing is dropped silently (section 15). */
export interface Unmapped {
  /** The item's source id, or the file / line when no item could be read. */
  item: string;
  /** The source field, or `item` for a whole item. */
  field: string;
  /** The source value, shortened, when it helps. */
  value?: string;
  reason: string;
}

/** What a parser returns. */
export interface ParsedSource {
  items: ImportedItem[];
  edges: ImportedEdge[];
  unmapped: Unmapped[];
}

/** The one clip rule for text that has a bound in Locus: cut at `max` characters and say so. */
export function clip(value: string, max: number, item: string, field: string, unmapped: Unmapped[]): string {
  if (value.length <= max) return value;
  unmapped.push({ item, field, reason: `longer than ${max} characters; cut to ${max}` });
  return value.slice(0, max);
}

/** A source time as RFC 3339 UTC with milliseconds, or undefined when it is not a time. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  let text = value.trim().replace(" ", "T");
  // A time without a zone (Backlog.md's `2025-09-06 21:22`) is read as UTC, never as this machine's zone.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += "Z";
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** A short, single-line rendering of a source value for the report. */
export function shown(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The description of a WP from the source's main text and its other text fields, each under its own heading. */
export function withSections(main: string, sections: readonly (readonly [string, unknown])[]): string {
  const parts = main.trim() === "" ? [] : [main.trim()];
  for (const [heading, value] of sections) {
    if (typeof value !== "string" || value.trim() === "") continue;
    parts.push(`## ${heading}\n\n${value.trim()}`);
  }
  return parts.join("\n\n");
}

/** A source file's JSON, or the refusal of the whole import (it names the file's kind and the parser's reason). */
export function jsonSource(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LocusError(
      "HSK-400-INVALID-PARAMS",
      `${what} is not JSON (${(error as Error).message}); nothing was imported`,
      { field: "source" },
    );
  }
}
