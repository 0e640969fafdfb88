// Section 15, Backlog.md: Markdown files with YAML front matter. Pure: files in, items and edges out. The front
// matter is parsed by the `yaml` package with the core schema (no custom tags, no code, bounded aliases); a file
// whose front matter does not parse is left out and reported with the parser's line.

import { parse as parseYaml } from "yaml";
import { labelsFor, nameFor, wpIdFor } from "../import-ids.js";
import {
  clip,
  type ImportedEdge,
  type ImportedItem,
  isoTime,
  type ParsedSource,
  shown,
  type Unmapped,
} from "../import-model.js";
import type { FolderFile } from "../source-files.js";
import {
  BACKLOG_FOLDERS,
  BACKLOG_MAPPED_FIELDS,
  BACKLOG_PRIORITIES,
  BACKLOG_STATUSES,
  type BacklogFolder,
  backlogKey,
  folderStatus,
} from "./backlog-mapping.js";

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Safe YAML: the core schema (strings stay strings, dates too), few aliases, no custom tags. */
function yamlOf(text: string): unknown {
  return parseYaml(text, { schema: "core", maxAliasCount: 50, uniqueKeys: false, customTags: [] });
}

/**
 * Backlog.md writes `assignee: @name` unquoted in older files, which is not YAML (`@` is reserved): such a
 * value is quoted before parsing, as Backlog.md itself reads it.
 */
export function quoteAtValues(frontMatter: string): string {
  return frontMatter.replace(
    /^(\s*[A-Za-z_]+:\s*)(@[^\s#'"][^\n#]*?)\s*$/gm,
    (_all, key: string, value: string) => `${key}"${value}"`,
  );
}

/** The configured statuses of `config.yml` (first = to do, last = done), when it has them. */
export function configStatuses(configText: string | undefined): string[] {
  if (configText === undefined) return [];
  try {
    const config = yamlOf(configText) as { statuses?: unknown };
    return Array.isArray(config?.statuses)
      ? config.statuses.filter((s): s is string => typeof s === "string")
      : [];
  } catch {
    return [];
  }
}

/** Parses the task files of a `backlog/` folder; `files` are relative to it, `statuses` from its config. */
export function parseBacklog(files: readonly FolderFile[], statuses: readonly string[] = []): ParsedSource {
  const unmapped: Unmapped[] = [];
  const byKey = new Map<string, { item: ImportedItem; edges: ImportedEdge[]; file: string }>();
  for (const folder of BACKLOG_FOLDERS) {
    for (const file of files) {
      if (!file.relative.startsWith(`${folder}/`) || file.relative.slice(folder.length + 1).includes("/"))
        continue;
      if (/(^|\/)readme\.md$/i.test(file.relative)) continue;
      const mapped = mapFile(file, folder, statuses, unmapped);
      if (mapped === undefined) continue;
      const kept = byKey.get(mapped.item.key);
      if (kept) {
        unmapped.push({
          item: mapped.item.source_id,
          field: "item",
          value: file.relative,
          reason: `the same id as ${kept.file}, which is kept`,
        });
        continue;
      }
      byKey.set(mapped.item.key, { ...mapped, file: file.relative });
    }
  }
  const entries = [...byKey.values()];
  return { items: entries.map((e) => e.item), edges: entries.flatMap((e) => e.edges), unmapped };
}

function mapFile(
  file: FolderFile,
  folder: BacklogFolder,
  statuses: readonly string[],
  unmapped: Unmapped[],
): { item: ImportedItem; edges: ImportedEdge[] } | undefined {
  const match = FRONT_MATTER.exec(file.text);
  if (!match) {
    unmapped.push({ item: file.relative, field: "file", reason: "no YAML front matter; not a task" });
    return undefined;
  }
  let front: Record<string, unknown>;
  try {
    const value = yamlOf(quoteAtValues(match[1] as string));
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new Error("front matter is not a mapping");
    front = value as Record<string, unknown>;
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    unmapped.push({
      item: file.relative,
      field: "file",
      reason: `front matter is not valid YAML${line ? ` (line ${line + 1})` : ""}: ${(error as Error).message.split("\n")[0]}; not imported`,
    });
    return undefined;
  }
  const fileId = /^([A-Za-z]+-\d+(?:\.\d+)*)/.exec(file.relative.split("/").pop() ?? "")?.[1];
  const rawId =
    typeof front.id === "string" || typeof front.id === "number" ? String(front.id).trim() : fileId;
  if (!rawId) {
    unmapped.push({ item: file.relative, field: "id", reason: "a task without an id; not imported" });
    return undefined;
  }
  const id = rawId;
  const rawStatus = typeof front.status === "string" ? front.status.trim() : "";
  let status = BACKLOG_STATUSES[rawStatus.toLowerCase()];
  if (status === undefined) {
    const index = statuses.findIndex((s) => s.toLowerCase() === rawStatus.toLowerCase());
    if (index >= 0) status = index === 0 ? "ready" : index === statuses.length - 1 ? "done" : "in_progress";
    else {
      if (folder === "tasks")
        unmapped.push({
          item: id,
          field: "status",
          value: shown(front.status),
          reason: "unknown status; imported as ready",
        });
      status = "ready";
    }
  }
  const finalStatus = folderStatus(folder, status);
  const folderName = folder === "tasks" ? "" : `${folder}: `;
  const priorityText = typeof front.priority === "string" ? front.priority.toLowerCase() : undefined;
  const priority = priorityText === undefined ? 2 : (BACKLOG_PRIORITIES[priorityText] ?? 2);
  if (priorityText !== undefined && BACKLOG_PRIORITIES[priorityText] === undefined)
    unmapped.push({
      item: id,
      field: "priority",
      value: priorityText,
      reason: "unknown priority; imported as 2",
    });
  const assignees = (Array.isArray(front.assignee) ? front.assignee : [front.assignee]).filter(
    (a) => a !== undefined && a !== null && a !== "",
  );
  const people = assignees.map((a) => (typeof a === "string" ? a.replace(/^@/, "") : a));
  if (people.length > 1)
    unmapped.push({
      item: id,
      field: "assignee",
      value: shown(people.slice(1)),
      reason: "Locus holds one assignee; the first is kept",
    });
  const assignee = nameFor(people[0], 200, id, "assignee", unmapped);
  const reporter = nameFor(
    typeof front.reporter === "string" ? front.reporter.replace(/^@/, "") : front.reporter,
    200,
    id,
    "reporter",
    unmapped,
  );
  const milestone =
    typeof front.milestone === "string" && front.milestone.trim() !== ""
      ? [`milestone:${front.milestone.trim()}`]
      : [];
  const labels = labelsFor(
    [...(Array.isArray(front.labels) ? front.labels : []), ...milestone],
    id,
    "labels",
    unmapped,
  );
  for (const key of Object.keys(front))
    if (!BACKLOG_MAPPED_FIELDS.has(key))
      unmapped.push({ item: id, field: key, reason: "Locus has no field for it" });
  const createdAt = isoTime(front.created_date);
  const body = file.text.slice(match[0].length).trim();
  const key = backlogKey(folder.endsWith("drafts") && !/^draft-/i.test(id) ? `draft-${id}` : id);
  const item: ImportedItem = {
    source_id: id,
    key,
    wp_id: wpIdFor(id),
    title: clip(
      typeof front.title === "string" && front.title.trim() !== "" ? front.title.trim() : id,
      500,
      id,
      "title",
      unmapped,
    ),
    description: clip(body, 100_000, id, "description", unmapped),
    source_status: `${folderName}${rawStatus || "(none)"}`,
    status: finalStatus,
    priority,
    type: "feature",
    labels,
    ...(assignee ? { assignee } : {}),
    ...(reporter ? { reporter } : {}),
    ...(createdAt ? { created_at: createdAt } : {}),
    comments: [],
    source_extra: { file: file.relative },
    origin: file.relative,
  };
  return { item, edges: edgesOf(front, id, key) };
}

function edgesOf(front: Record<string, unknown>, id: string, key: string): ImportedEdge[] {
  const edges: ImportedEdge[] = [];
  const deps = Array.isArray(front.dependencies)
    ? front.dependencies
    : typeof front.dependencies === "string"
      ? [front.dependencies]
      : [];
  for (const dep of deps) {
    if (typeof dep !== "string" && typeof dep !== "number") continue;
    // "this task depends on dep": dep blocks it.
    edges.push({
      from_key: backlogKey(String(dep)),
      to_key: key,
      type: "blocks",
      source_type: "dependencies",
      declared_by: id,
    });
  }
  const parent = front.parent_task_id ?? front.parent;
  const parentKey =
    typeof parent === "string" || typeof parent === "number"
      ? backlogKey(String(parent))
      : key.includes(".") && !key.startsWith("draft-")
        ? key.slice(0, key.lastIndexOf("."))
        : undefined;
  if (parentKey !== undefined)
    edges.push({
      from_key: parentKey,
      to_key: key,
      type: "parent-child",
      source_type: "parent_task_id",
      declared_by: id,
    });
  return edges;
}
