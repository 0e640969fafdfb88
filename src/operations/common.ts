import { z } from "zod";
import { resolveWorkspaceFile } from "../board/board-file.js";
import { checkRegularFile } from "../board/safe-read.js";
import { isLocusError, LocusError } from "../domain/errors.js";
import type { WpChanges } from "../domain/events/wp-changes.js";
import { newNoteId } from "../domain/ids.js";
import { lazy } from "../domain/lazy.js";
import { assertRelativeWorkspacePath, isUnder } from "../domain/path-safety.js";
import type { TrackedWorkPacket, WorkNote } from "../domain/records.js";
import { transitionFactsOf } from "../domain/wp-state-machine.js";
import { DEFAULT_TASK_PACKET_LIMITS } from "../packets/task-packet-parser.js";
import type { JobContext } from "./job-context.js";

/** `expected_version`: compare-and-set on WP writes (section 4). Built on first use, like all params. */
export const expectedVersionSchema = lazy(() => z.number().int().positive().optional());

/** A note given as text or as `{content, note_type}`. */
export const noteParamSchema = lazy(() =>
  z.union([
    z.string().min(1).max(20_000),
    z.strictObject({
      content: z.string().min(1).max(20_000),
      note_type: z.enum(["user", "system", "mt_executor"]).default("user"),
    }),
  ]),
);

/** Refuses a stale write: HSK-409-CONFLICT with the expected and stored versions. */
export function checkExpectedVersion(wp: TrackedWorkPacket, expected: number | undefined): void {
  if (expected !== undefined && expected !== wp.version) {
    throw new LocusError("HSK-409-CONFLICT", `WP ${wp.wp_id} is at version ${wp.version}, not ${expected}`, {
      field: "expected_version",
      expected,
      actual: wp.version,
    });
  }
}

/** The facts section 5's requirements read, from the WP as stored (the domain's rule, named for operations). */
export const transitionFacts = transitionFactsOf;

/** HSK-413-LIMIT for a per-WP bound (issue 21): names the param, the bound, its limit and the actual value. */
function limitError(wp: TrackedWorkPacket, field: string, bound: string, limit: number, actual: number) {
  return new LocusError("HSK-413-LIMIT", `${wp.wp_id} would hold ${actual} (limit ${bound} ${limit})`, {
    field,
    wp_id: wp.wp_id,
    bound,
    limit,
    actual,
  });
}

/**
 * Issue 21: notes are append-only, so a WP would otherwise grow without end (and every write returns the WP).
 * Refuses one more note of `content` past `notes_per_wp` or `note_bytes_per_wp` (UTF-8 bytes of every note's
 * text, gate notes included).
 */
export function checkNoteBounds(
  ctx: JobContext,
  wp: TrackedWorkPacket,
  content: string,
  field: string,
): void {
  const { notes_per_wp: countLimit, note_bytes_per_wp: bytesLimit } = ctx.config.limits;
  if (wp.notes.length + 1 > countLimit)
    throw limitError(wp, field, "notes_per_wp", countLimit, wp.notes.length + 1);
  let bytes = Buffer.byteLength(content, "utf8");
  for (const note of wp.notes) bytes += Buffer.byteLength(note.content, "utf8");
  if (bytes > bytesLimit) throw limitError(wp, field, "note_bytes_per_wp", bytesLimit, bytes);
}

/**
 * Issue 21: the gate history is append-only too. A gate decision is bounded by its own count (each carries at
 * most 10,000 characters), not by the note bounds: a Coder who fills a WP's notes must not block its gates.
 */
export function checkGateBound(ctx: JobContext, wp: TrackedWorkPacket): void {
  const limit = ctx.config.limits.gate_decisions_per_wp;
  const history = wp.governance.gate_history;
  const actual = history.pre_work.length + history.post_work.length + 1;
  if (actual > limit) throw limitError(wp, "params.gate", "gate_decisions_per_wp", limit, actual);
}

/** Builds an append-only WorkNote by the job's actor. */
export function makeNote(ctx: JobContext, content: string, noteType: WorkNote["note_type"]): WorkNote {
  return {
    note_id: newNoteId(ctx.services.ids),
    author: ctx.identity.actor_id,
    content,
    created_at: ctx.timestamp,
    note_type: noteType,
  };
}

/** Validates a task_packet_path: inside the workspace and under the configured packets folder (section 8). */
export function checkTaskPacketPath(ctx: JobContext, path: string): string {
  const normalised = assertRelativeWorkspacePath(path, "task_packet_path");
  const folder = assertRelativeWorkspacePath(ctx.config.packets_dir, "packets_dir");
  // 8: a packet is a file strictly below the packets folder; the folder itself names no packet.
  if (normalised === folder || !isUnder(normalised, folder)) {
    throw new LocusError("HSK-400-UNSAFE-PATH", `task_packet_path must be a file under ${folder}/`, {
      field: "task_packet_path",
      packets_dir: folder,
    });
  }
  // 8: no symlink escape either, when the workspace is a folder on disk (board engineer).
  const root = ctx.services.workspaceRoot;
  if (root === undefined) return normalised;
  const resolved = resolveWorkspaceFile(root, normalised, "task_packet_path");
  // 8: an existing packet must be a regular file within the packet bound; a FIFO or device is refused
  // here, opened without blocking, instead of hanging the search indexing later in this transaction.
  if (resolved.exists) {
    checkRegularFile(resolved.absolute, DEFAULT_TASK_PACKET_LIMITS.max_bytes, "task_packet_path", true);
  }
  return normalised;
}

/** Records a read (QUERY-001) with its filters and counts. */
export function recordQuery(
  ctx: JobContext,
  operation: string,
  filters: Record<string, unknown>,
  counts: { result_count: number; total_count?: number; sort_policy?: string; calendar_policy_id?: string },
): void {
  ctx.emit("work_query_executed", { operation, filters, ...counts });
}

/**
 * Section 3 for a sync that failed (board or replicas): its one trace besides the capability decisions,
 * `sync_failed` (SYNC-003) with the refusal's code and message, bounded to the payload's limits.
 */
export function recordSyncFailure(
  ctx: JobContext,
  kind: "task_board" | "events",
  target: string,
  error: unknown,
): void {
  const failure = isLocusError(error)
    ? { code: error.code, message: error.message }
    : { code: "HSK-500-STORAGE", message: String(error) };
  ctx.emit("sync_failed", {
    kind,
    target: target.slice(0, 1_000),
    code: failure.code.slice(0, 100),
    message: failure.message.slice(0, 2_000),
  });
}

/**
 * Section 16: the changes that resume a WP the execution policy holds: the hold goes, and max_total_iterations
 * counts again from the iterations recorded so far. Only a holder of locus.gate makes them (log-governance.ts
 * requires it of any event that clears a hold).
 */
export function releaseHoldChanges(wp: TrackedWorkPacket): WpChanges {
  const hold = wp.governance.hold;
  if (hold === undefined) return {};
  return {
    hold: { from: hold, to: null },
    iteration_base: { from: wp.governance.iteration_base ?? null, to: hold.iterations },
  };
}
