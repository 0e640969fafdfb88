// Section 15, Beads: the mapping tables as data (documented in docs/DECISIONS.md, "Importers").

import type { WorkPacketStatus } from "../../domain/records.js";
import type { StoredDependencyType, WpType } from "../import-model.js";

/**
 * Beads status -> Locus status. `hooked` is work on an agent's hook (Gas Town): being worked on, so
 * in_progress. `pinned` stays open for reference: ready. `deferred` is parked: stub, out of the ready list.
 * `tombstone` is a deletion and is handled apart (a tombstone, section 2).
 */
export const BEADS_STATUSES: Readonly<Record<string, WorkPacketStatus>> = {
  open: "ready",
  in_progress: "in_progress",
  hooked: "in_progress",
  blocked: "blocked",
  pinned: "ready",
  deferred: "stub",
  closed: "done",
  tombstone: "cancelled",
};

/** Beads issue_type -> Locus type, and a label that keeps what the type alone would lose. */
export const BEADS_TYPES: Readonly<Record<string, { type: WpType; label?: string }>> = {
  bug: { type: "bug" },
  feature: { type: "feature" },
  task: { type: "feature" },
  epic: { type: "feature", label: "epic" },
  chore: { type: "chore" },
  docs: { type: "docs" },
  test: { type: "test" },
  refactor: { type: "refactor" },
};

/**
 * Beads dependency type -> Locus type. `{issue_id: A, depends_on_id: B}`: for `blocks` B blocks A, for
 * `parent-child` B is the parent of A (flip: the Locus edge runs B -> A); the others keep A -> B.
 * A type Locus lacks becomes `related` and is reported (section 15).
 */
export const BEADS_DEPENDENCY_TYPES: Readonly<Record<string, { type: StoredDependencyType; flip: boolean }>> =
  {
    blocks: { type: "blocks", flip: true },
    "parent-child": { type: "parent-child", flip: true },
    "discovered-from": { type: "discovered-from", flip: false },
    related: { type: "related", flip: false },
    "relates-to": { type: "related", flip: false },
    duplicates: { type: "duplicate-of", flip: false },
    "duplicate-of": { type: "duplicate-of", flip: false },
  };

/**
 * Beads fields read into the WP; any other field of an issue is reported as not mapped. `updated_at` is
 * superseded by Locus's own (every write sets it), so it is not listed as lost on every issue.
 */
export const BEADS_MAPPED_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "title",
  "description",
  "design",
  "acceptance_criteria",
  "notes",
  "status",
  "priority",
  "issue_type",
  "assignee",
  "labels",
  "dependencies",
  "comments",
  "created_at",
  "created_by",
  "updated_at",
  "closed_at",
  "close_reason",
  "deleted_at",
  "deleted_by",
  "delete_reason",
]);
