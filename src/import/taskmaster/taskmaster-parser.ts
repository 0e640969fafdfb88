// Section 15, Task Master: `tasks.json`, flat `{"tasks": [...]}` (read as the tag `master`, where Task Master
// itself moves it) or tagged `{"<tag>": {"tasks": [...]}}`. Every tag by default, ids kept distinct across tags
// (`WP-<tag>-<id>`); subtasks become child WPs (`WP-<tag>-<id>.<sub>`) with parent-child edges. Pure.

import { LocusError } from "../../domain/errors.js";
import type { WorkPacketStatus } from "../../domain/records.js";
import { wpIdFor } from "../import-ids.js";
import {
  clip,
  type ImportedEdge,
  type ImportedItem,
  jsonSource,
  type ParsedSource,
  shown,
  withSections,
} from "../import-model.js";

/** Task Master status -> Locus status. `review` awaits a person's decision: gated. `deferred` is parked: stub. */
export const TASKMASTER_STATUSES: Readonly<Record<string, WorkPacketStatus>> = {
  pending: "ready",
  "in-progress": "in_progress",
  in_progress: "in_progress",
  review: "gated",
  blocked: "blocked",
  deferred: "stub",
  done: "done",
  completed: "done",
  cancelled: "cancelled",
};

/** Task Master priority -> Locus priority. */
export const TASKMASTER_PRIORITIES: Readonly<Record<string, number>> = {
  critical: 0,
  high: 1,
  medium: 2,
  low: 3,
};

const TASK_FIELDS = new Set([
  "id",
  "title",
  "description",
  "status",
  "dependencies",
  "priority",
  "details",
  "testStrategy",
  "subtasks",
  "acceptanceCriteria",
  "parentTaskId",
  "parentId",
]);

type Task = Record<string, unknown>;

/** The tags of a tasks.json and their task lists; refuses a document of neither form. */
export function taskmasterTags(document: unknown): Map<string, unknown[]> {
  const refuse = (why: string) =>
    new LocusError("HSK-400-INVALID-PARAMS", `tasks.json: ${why}; nothing was imported`, { field: "source" });
  if (typeof document !== "object" || document === null || Array.isArray(document))
    throw refuse("not a JSON object");
  const root = document as Record<string, unknown>;
  if (Array.isArray(root.tasks)) return new Map([["master", root.tasks]]);
  const tags = new Map<string, unknown[]>();
  for (const [tag, value] of Object.entries(root)) {
    const tasks = (value as { tasks?: unknown } | null)?.tasks;
    if (Array.isArray(tasks)) tags.set(tag, tasks);
  }
  if (tags.size === 0) throw refuse('neither {"tasks": [...]} nor {"<tag>": {"tasks": [...]}}');
  return tags;
}

/** Parses a tasks.json text; `tag` picks one tag. */
export function parseTaskmaster(text: string, tag?: string): ParsedSource {
  const document = jsonSource(text, "tasks.json");
  const tags = taskmasterTags(document);
  if (tag !== undefined && !tags.has(tag))
    throw new LocusError(
      "HSK-400-INVALID-PARAMS",
      `tasks.json has no tag ${tag} (tags: ${[...tags.keys()].join(", ")})`,
      {
        field: "params.tag",
        tags: [...tags.keys()],
      },
    );
  const parsed: ParsedSource = { items: [], edges: [], unmapped: [] };
  for (const [name, tasks] of tags) {
    if (tag !== undefined && name !== tag) continue;
    const seen = new Set<string>();
    for (const raw of tasks) mapTask(name, raw, undefined, parsed, seen);
  }
  return parsed;
}

function mapTask(
  tag: string,
  raw: unknown,
  parent: ImportedItem | undefined,
  out: ParsedSource,
  seen: Set<string>,
): void {
  const task = (typeof raw === "object" && raw !== null ? raw : {}) as Task;
  const ownId = typeof task.id === "number" || typeof task.id === "string" ? String(task.id) : undefined;
  const where = parent ? `${parent.source_id} subtask` : "task";
  if (ownId === undefined || ownId === "") {
    out.unmapped.push({
      item: `${tag}:${where}`,
      field: "id",
      value: shown(task.title),
      reason: "a task without an id; not imported",
    });
    return;
  }
  const id = parent ? `${parent.source_id}.${ownId}` : ownId;
  const label = `${tag}:${id}`;
  if (seen.has(id)) {
    out.unmapped.push({
      item: label,
      field: "item",
      reason: "the id is repeated in its tag; the first is kept",
    });
    return;
  }
  seen.add(id);
  const u = out.unmapped;
  const rawStatus = typeof task.status === "string" ? task.status : "pending";
  let status = TASKMASTER_STATUSES[rawStatus];
  if (status === undefined) {
    u.push({ item: label, field: "status", value: rawStatus, reason: "unknown status; imported as ready" });
    status = "ready";
  }
  const rawPriority = typeof task.priority === "string" ? task.priority : undefined;
  const priority =
    rawPriority !== undefined ? (TASKMASTER_PRIORITIES[rawPriority] ?? 2) : (parent?.priority ?? 2);
  if (rawPriority !== undefined && TASKMASTER_PRIORITIES[rawPriority] === undefined)
    u.push({ item: label, field: "priority", value: rawPriority, reason: "unknown priority; imported as 2" });
  for (const key of Object.keys(task))
    if (!TASK_FIELDS.has(key)) u.push({ item: label, field: key, reason: "Locus has no field for it" });
  const description = withSections(typeof task.description === "string" ? task.description : "", [
    ["Details", task.details],
    ["Test Strategy", task.testStrategy],
    ["Acceptance Criteria", task.acceptanceCriteria],
  ]);
  const item: ImportedItem = {
    source_id: id,
    key: `${tag}:${id}`,
    wp_id: wpIdFor(`${tag}-${id}`),
    title: clip(
      typeof task.title === "string" && task.title.trim() !== "" ? task.title.trim() : `Task ${id}`,
      500,
      label,
      "title",
      u,
    ),
    description: clip(description, 100_000, label, "description", u),
    source_status: rawStatus,
    status,
    priority,
    type: "feature",
    labels: [],
    comments: [],
    source_extra: { tag },
    origin: label,
  };
  out.items.push(item);
  if (parent) out.edges.push(edge(tag, parent.source_id, id, "parent-child", "subtasks", label));
  for (const dep of Array.isArray(task.dependencies) ? task.dependencies : []) {
    if (typeof dep !== "number" && typeof dep !== "string") continue;
    // In a subtask a bare number names a sibling subtask; a dotted id names any task (Task Master's convention).
    const target = parent && typeof dep === "number" ? `${parent.source_id}.${dep}` : String(dep);
    out.edges.push(edge(tag, target, id, "blocks", "dependencies", label));
  }
  for (const sub of Array.isArray(task.subtasks) ? task.subtasks : []) mapTask(tag, sub, item, out, seen);
}

function edge(
  tag: string,
  from: string,
  to: string,
  type: "blocks" | "parent-child",
  sourceType: string,
  by: string,
): ImportedEdge {
  return {
    from_key: `${tag}:${from}`,
    to_key: `${tag}:${to}`,
    type,
    source_type: sourceType,
    declared_by: by,
  };
}
