// Section 15, Beads: `issues.jsonl`, one issue a line. Pure: the text in, items and edges out. A line that is
// not an issue object refuses the whole file naming the line (an import is all or nothing); anything else the
// tables cannot map is imported without that part and reported.

import { LocusError } from "../../domain/errors.js";
import { labelsFor, nameFor, wpIdFor } from "../import-ids.js";
import {
  clip,
  type ImportedComment,
  type ImportedEdge,
  type ImportedItem,
  isoTime,
  type ParsedSource,
  shown,
  type Unmapped,
  withSections,
} from "../import-model.js";
import { BEADS_DEPENDENCY_TYPES, BEADS_MAPPED_FIELDS, BEADS_STATUSES, BEADS_TYPES } from "./beads-mapping.js";

type Issue = Record<string, unknown>;

/** Parses a Beads JSONL export. */
export function parseBeads(text: string): ParsedSource {
  const unmapped: Unmapped[] = [];
  const byId = new Map<string, { item: ImportedItem; edges: ImportedEdge[] }>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "") return;
    const issue = issueOf(line, index + 1);
    const origin = `line ${index + 1}`;
    const id = issue.id as string;
    const previous = byId.get(id);
    if (previous) {
      unmapped.push({
        item: id,
        field: "item",
        value: previous.item.origin,
        reason: `id repeated on ${origin}; the later line wins`,
      });
      byId.delete(id); // re-inserted below: the later line keeps the later position
    }
    byId.set(id, mapIssue(issue, origin, unmapped));
  });
  const items = [...byId.values()];
  return { items: items.map((entry) => entry.item), edges: items.flatMap((entry) => entry.edges), unmapped };
}

/** One line as an issue object with a string id, or the refusal naming the line. */
function issueOf(line: string, number: number): Issue {
  const refuse = (why: string) =>
    new LocusError("HSK-400-INVALID-PARAMS", `beads line ${number}: ${why}; nothing was imported`, {
      field: "source",
      line: number,
    });
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw refuse(`not JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw refuse("not an issue object");
  const issue = value as Issue;
  if (typeof issue.id !== "string" || issue.id.trim() === "") throw refuse("the issue has no id");
  return issue;
}

/** Maps one issue (pure). */
export function mapIssue(
  issue: Issue,
  origin: string,
  unmapped: Unmapped[],
): { item: ImportedItem; edges: ImportedEdge[] } {
  const id = issue.id as string;
  const sourceStatus = typeof issue.status === "string" ? issue.status : "";
  let status = BEADS_STATUSES[sourceStatus];
  if (status === undefined) {
    unmapped.push({
      item: id,
      field: "status",
      value: shown(issue.status),
      reason: "unknown Beads status; imported as ready",
    });
    status = "ready";
  }
  const deleted =
    sourceStatus === "tombstone" || typeof issue.deleted_at === "string"
      ? {
          ...(isoTime(issue.deleted_at) ? { at: isoTime(issue.deleted_at) as string } : {}),
          ...(typeof issue.deleted_by === "string" ? { by: issue.deleted_by } : {}),
          ...(typeof issue.delete_reason === "string" ? { reason: issue.delete_reason } : {}),
        }
      : undefined;
  let priority = 2;
  if (Number.isInteger(issue.priority) && (issue.priority as number) >= 0 && (issue.priority as number) <= 4)
    priority = issue.priority as number;
  else if (issue.priority !== undefined)
    unmapped.push({
      item: id,
      field: "priority",
      value: shown(issue.priority),
      reason: "not 0-4; imported as 2",
    });
  const rawType = typeof issue.issue_type === "string" ? issue.issue_type : "task";
  const mappedType = BEADS_TYPES[rawType];
  const extraLabels: string[] = [];
  if (mappedType?.label) extraLabels.push(mappedType.label);
  if (mappedType === undefined) {
    extraLabels.push(`type:${rawType}`);
    unmapped.push({
      item: id,
      field: "issue_type",
      value: rawType,
      reason: "no Locus type; imported as chore with label type:<type>",
    });
  }
  const labels = labelsFor(
    [...(Array.isArray(issue.labels) ? issue.labels : []), ...extraLabels],
    id,
    "labels",
    unmapped,
  );
  for (const key of Object.keys(issue)) {
    if (!BEADS_MAPPED_FIELDS.has(key))
      unmapped.push({ item: id, field: key, reason: "Locus has no field for it" });
  }
  const description = withSections(typeof issue.description === "string" ? issue.description : "", [
    ["Design", issue.design],
    ["Acceptance Criteria", issue.acceptance_criteria],
    ["Notes", issue.notes],
  ]);
  const assignee = nameFor(issue.assignee, 200, id, "assignee", unmapped);
  const reporter = nameFor(issue.created_by, 200, id, "created_by", unmapped);
  const createdAt = isoTime(issue.created_at);
  const closedAt = isoTime(issue.closed_at);
  const item: ImportedItem = {
    source_id: id,
    key: id,
    wp_id: wpIdFor(id),
    title: clip(
      typeof issue.title === "string" && issue.title.trim() !== "" ? issue.title : id,
      500,
      id,
      "title",
      unmapped,
    ),
    description: clip(description, 100_000, id, "description", unmapped),
    source_status: sourceStatus || "(none)",
    status,
    priority,
    type: mappedType?.type ?? "chore",
    labels,
    ...(assignee ? { assignee } : {}),
    ...(reporter ? { reporter } : {}),
    ...(createdAt ? { created_at: createdAt } : {}),
    ...(closedAt ? { closed_at: closedAt } : {}),
    ...(typeof issue.close_reason === "string" && issue.close_reason !== ""
      ? { close_reason: issue.close_reason }
      : {}),
    ...(deleted ? { deleted } : {}),
    comments: commentsOf(issue, id, unmapped),
    origin,
  };
  return { item, edges: edgesOf(issue, id, unmapped) };
}

function commentsOf(issue: Issue, id: string, unmapped: Unmapped[]): ImportedComment[] {
  if (!Array.isArray(issue.comments)) return [];
  const comments: ImportedComment[] = [];
  issue.comments.forEach((raw: unknown, index) => {
    const comment = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    if (typeof comment.text !== "string" || comment.text.trim() === "") {
      unmapped.push({ item: id, field: `comments[${index}]`, reason: "a comment without text" });
      return;
    }
    const createdAt = isoTime(comment.created_at);
    comments.push({
      id: String(comment.id ?? index + 1),
      author: nameFor(comment.author, 200, id, `comments[${index}].author`, unmapped) ?? "unknown",
      ...(createdAt ? { created_at: createdAt } : {}),
      text: comment.text,
    });
  });
  return comments;
}

function edgesOf(issue: Issue, id: string, unmapped: Unmapped[]): ImportedEdge[] {
  if (!Array.isArray(issue.dependencies)) return [];
  const edges: ImportedEdge[] = [];
  issue.dependencies.forEach((raw: unknown, index) => {
    const dep = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    const from = typeof dep.issue_id === "string" ? dep.issue_id : id;
    const to = dep.depends_on_id;
    const sourceType = typeof dep.type === "string" ? dep.type : "blocks";
    if (typeof to !== "string" || to === "") {
      unmapped.push({ item: id, field: `dependencies[${index}]`, reason: "no depends_on_id" });
      return;
    }
    let mapped = BEADS_DEPENDENCY_TYPES[sourceType];
    if (mapped === undefined) {
      unmapped.push({
        item: id,
        field: `dependencies[${index}].type`,
        value: sourceType,
        reason: "no Locus dependency type; imported as related",
      });
      mapped = { type: "related", flip: false };
    }
    edges.push({
      from_key: mapped.flip ? to : from,
      to_key: mapped.flip ? from : to,
      type: mapped.type,
      source_type: sourceType,
      declared_by: id,
    });
  });
  return edges;
}
