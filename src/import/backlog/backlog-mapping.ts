// Section 15, Backlog.md: the mapping tables as data (documented in docs/DECISIONS.md, "Importers").

import type { WorkPacketStatus } from "../../domain/records.js";

/** The folders of a `backlog/` folder that hold tasks, in the order a repeated id is settled (first wins). */
export const BACKLOG_FOLDERS = ["tasks", "completed", "archive/tasks", "drafts", "archive/drafts"] as const;
/** One of them. */
export type BacklogFolder = (typeof BACKLOG_FOLDERS)[number];

/** Backlog.md status (compared case-insensitively) -> Locus status. */
export const BACKLOG_STATUSES: Readonly<Record<string, WorkPacketStatus>> = {
  "to do": "ready",
  todo: "ready",
  "in progress": "in_progress",
  blocked: "blocked",
  "in review": "gated",
  review: "gated",
  done: "done",
  "won't do": "cancelled",
  "wont do": "cancelled",
  cancelled: "cancelled",
  draft: "stub",
};

/**
 * What the folder says over the status. A draft is an idea not yet made a task: `stub`, whatever its status.
 * An archived task was taken off the board unfinished: `cancelled` (kept, not deleted), unless it was done.
 * `completed/` holds done tasks.
 */
export function folderStatus(folder: BacklogFolder, status: WorkPacketStatus): WorkPacketStatus {
  if (folder === "drafts") return "stub";
  if (folder === "archive/drafts") return "cancelled";
  if (folder === "archive/tasks") return status === "done" ? "done" : "cancelled";
  if (folder === "completed") return "done";
  return status;
}

/** Backlog.md priority -> Locus priority (0 highest). */
export const BACKLOG_PRIORITIES: Readonly<Record<string, number>> = { high: 1, medium: 2, low: 3 };

/** Front matter fields read into the WP; any other is reported as not mapped. */
export const BACKLOG_MAPPED_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "title",
  "status",
  "assignee",
  "reporter",
  "created_date",
  "labels",
  "milestone",
  "dependencies",
  "parent_task_id",
  "parent",
  "priority",
]);

/** The key other tasks reference a task by: ids compare case-insensitively and without their prefix (`task-24.1`
 * and `BACK-24.1` are the same task after a prefix change; `24.01` is `24.1`). Drafts keep their own space. */
export function backlogKey(id: string): string {
  const match = /^(?:([A-Za-z][A-Za-z0-9_]*)-)?(\d+(?:\.\d+)*)$/.exec(id.trim());
  if (!match) return id.trim().toLowerCase();
  const number = (match[2] as string)
    .split(".")
    .map((part) => String(Number.parseInt(part, 10)))
    .join(".");
  return match[1]?.toLowerCase() === "draft" ? `draft-${number}` : number;
}
