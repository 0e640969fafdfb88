// Section 15, GitHub issues: what `gh issue list --state all --json
// number,title,body,state,labels,assignees,author,createdAt,closedAt,comments` prints (a JSON array). Pure.

import { LocusError } from "../../domain/errors.js";
import type { WorkPacketStatus } from "../../domain/records.js";
import { labelsFor, nameFor, wpIdFor } from "../import-ids.js";
import {
  clip,
  type ImportedComment,
  type ImportedItem,
  isoTime,
  jsonSource,
  type ParsedSource,
  shown,
  type Unmapped,
  type WpType,
} from "../import-model.js";

/** Issue state (and stateReason, when the export has it) -> Locus status. */
export function githubStatus(state: unknown, reason: unknown): WorkPacketStatus | undefined {
  const s = String(state).toUpperCase();
  if (s === "OPEN") return "ready";
  if (s === "CLOSED") return String(reason).toUpperCase() === "NOT_PLANNED" ? "cancelled" : "done";
  return undefined;
}

/** Labels that name a Locus type (compared case-insensitively). */
export const GITHUB_TYPE_LABELS: Readonly<Record<string, WpType>> = {
  bug: "bug",
  enhancement: "feature",
  feature: "feature",
  documentation: "docs",
  docs: "docs",
  refactor: "refactor",
  test: "test",
  tests: "test",
  chore: "chore",
};

/** A label that names a priority (`P0`..`P4`, `priority: high`, ...), or undefined. */
export function githubPriority(label: string): number | undefined {
  const text = label.toLowerCase().trim();
  const numbered = /^(?:p|priority[:/ -]*p?)\s*([0-4])$/.exec(text);
  if (numbered) return Number(numbered[1]);
  const named = /^priority[:/ -]*(critical|urgent|high|medium|normal|low)$/.exec(text)?.[1];
  return named === undefined
    ? undefined
    : { critical: 0, urgent: 0, high: 1, medium: 2, normal: 2, low: 3 }[named];
}

const KNOWN = new Set([
  "number",
  "title",
  "body",
  "state",
  "stateReason",
  "labels",
  "assignees",
  "author",
  "createdAt",
  "closedAt",
  "comments",
]);

const login = (value: unknown): unknown =>
  typeof value === "object" && value !== null ? (value as { login?: unknown }).login : value;

/** Parses a `gh issue list --json` array. */
export function parseGithub(text: string): ParsedSource {
  const document = jsonSource(text, "the gh export");
  if (!Array.isArray(document))
    throw new LocusError(
      "HSK-400-INVALID-PARAMS",
      "expected the JSON array `gh issue list --json ...` prints; nothing was imported",
      { field: "source" },
    );
  const unmapped: Unmapped[] = [];
  const items: ImportedItem[] = [];
  const seen = new Set<string>();
  document.forEach((raw: unknown, index) => {
    const issue = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    if (!Number.isInteger(issue.number)) {
      unmapped.push({
        item: `[${index}]`,
        field: "number",
        value: shown(issue.number),
        reason: "an issue without a number; not imported",
      });
      return;
    }
    const id = String(issue.number);
    if (seen.has(id)) {
      unmapped.push({ item: `#${id}`, field: "item", reason: "the number is repeated; the first is kept" });
      return;
    }
    seen.add(id);
    items.push(mapIssue(issue, id, unmapped));
  });
  return { items, edges: [], unmapped };
}

function mapIssue(issue: Record<string, unknown>, id: string, unmapped: Unmapped[]): ImportedItem {
  const label = `#${id}`;
  let status = githubStatus(issue.state, issue.stateReason);
  if (status === undefined) {
    unmapped.push({
      item: label,
      field: "state",
      value: shown(issue.state),
      reason: "unknown state; imported as ready",
    });
    status = "ready";
  }
  const names = (Array.isArray(issue.labels) ? issue.labels : []).map((l) =>
    typeof l === "object" && l !== null ? (l as { name?: unknown }).name : l,
  );
  const labels = labelsFor(names, label, "labels", unmapped);
  const type =
    labels.map((l) => GITHUB_TYPE_LABELS[l.toLowerCase()]).find((t) => t !== undefined) ?? "feature";
  const priority = labels.map(githubPriority).find((p) => p !== undefined) ?? 2;
  const assignees = (Array.isArray(issue.assignees) ? issue.assignees : []).map(login);
  if (assignees.length > 1)
    unmapped.push({
      item: label,
      field: "assignees",
      value: shown(assignees.slice(1)),
      reason: "Locus holds one assignee; the first is kept",
    });
  const assignee = nameFor(assignees[0], 200, label, "assignees", unmapped);
  const reporter = nameFor(login(issue.author), 200, label, "author", unmapped);
  for (const key of Object.keys(issue))
    if (!KNOWN.has(key)) unmapped.push({ item: label, field: key, reason: "Locus has no field for it" });
  const createdAt = isoTime(issue.createdAt);
  const closedAt = isoTime(issue.closedAt);
  const comments: ImportedComment[] = [];
  (Array.isArray(issue.comments) ? issue.comments : []).forEach((raw: unknown, index) => {
    const c = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
    if (typeof c.body !== "string" || c.body.trim() === "") return;
    const at = isoTime(c.createdAt);
    comments.push({
      id: typeof c.id === "string" || typeof c.id === "number" ? String(c.id) : String(index + 1),
      author: nameFor(login(c.author), 200, label, `comments[${index}].author`, unmapped) ?? "ghost",
      ...(at ? { created_at: at } : {}),
      text: c.body,
    });
  });
  return {
    source_id: id,
    key: id,
    wp_id: wpIdFor(`GH-${id}`),
    title: clip(
      typeof issue.title === "string" && issue.title.trim() !== "" ? issue.title : `Issue #${id}`,
      500,
      label,
      "title",
      unmapped,
    ),
    description: clip(typeof issue.body === "string" ? issue.body : "", 100_000, label, "body", unmapped),
    source_status: String(issue.state ?? "(none)"),
    status,
    priority,
    type,
    labels,
    ...(assignee ? { assignee } : {}),
    ...(reporter ? { reporter } : {}),
    ...(createdAt ? { created_at: createdAt } : {}),
    ...(closedAt ? { closed_at: closedAt } : {}),
    comments,
    origin: label,
  };
}
