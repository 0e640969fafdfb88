import { z } from "zod";
import { canonicalJson } from "../../domain/canonical-json.js";
import { LocusError } from "../../domain/errors.js";
import {
  INTERNAL_FIELDS,
  readField,
  type UpdatableField,
  updatableFields,
  type WpChanges,
} from "../../domain/events/wp-changes.js";
import { type TrackedWorkPacket, text, type WorkNote, wpIdSchema } from "../../domain/records.js";
import { assertWpTransition, updateTrigger } from "../../domain/wp-state-machine.js";
import {
  checkExpectedVersion,
  checkNoteBounds,
  checkTaskPacketPath,
  expectedVersionSchema,
  makeNote,
  noteParamSchema,
  releaseHoldChanges,
  transitionFacts,
} from "../common.js";
import type { JobContext } from "../job-context.js";
import { defineOperation } from "../operation.js";

const params = () =>
  z.strictObject({
    wp_id: wpIdSchema,
    updates: z.record(z.string(), z.unknown()).default({}),
    expected_version: expectedVersionSchema(),
    source: text(100).optional(),
    note: noteParamSchema().optional(),
  });

/** Validates `updates`: known keys (dotted `governance.*` accepted), each value against its field's schema. */
function parseUpdates(updates: Record<string, unknown>): Map<UpdatableField, unknown> {
  const parsed = new Map<UpdatableField, unknown>();
  const fields = updatableFields();
  for (const [rawKey, value] of Object.entries(updates)) {
    const key = rawKey.startsWith("governance.") ? rawKey.slice("governance.".length) : rawKey;
    if (!Object.hasOwn(fields, key) || INTERNAL_FIELDS.has(key)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `updates.${rawKey} is not an updatable field`, {
        field: `params.updates.${rawKey}`,
        updatable: Object.keys(fields).filter((k) => !INTERNAL_FIELDS.has(k)),
      });
    }
    const field = key as UpdatableField;
    const result = fields[field].safeParse(value);
    if (!result.success) {
      throw new LocusError(
        "HSK-400-INVALID-PARAMS",
        `updates.${rawKey}: ${result.error.issues[0]?.message}`,
        {
          field: `params.updates.${rawKey}`,
        },
      );
    }
    // Section 1: timestamps are stored in UTC with milliseconds, whatever offset the caller wrote.
    const data: unknown = result.data;
    parsed.set(
      field,
      field === "defer_until" && typeof data === "string" ? new Date(data).toISOString() : data,
    );
  }
  return parsed;
}

/** What one WP-002 write carries besides its field changes. */
export interface WpUpdateExtras {
  note?: { content: string; note_type: WorkNote["note_type"] } | undefined;
  source?: string | undefined;
  /** Section 17: the holder of the expired lease a claim took over. */
  taken_over_from?: string | undefined;
}

/**
 * The one write of update_wp (WP-002), shared by the operations that change WP fields (claim_wp, release_wp):
 * computes the changes against the stored values, checks a status change against section 5, and emits the event.
 * A change of assignee ends the lease of the earlier one (section 17: a lease is its holder's, the assignee's).
 * Returns update_wp's data; nothing changes (and nothing is written) when no field differs and there is no note.
 */
export function writeWpUpdate(
  ctx: JobContext,
  wp: TrackedWorkPacket,
  updates: ReadonlyMap<UpdatableField, unknown>,
  extras: WpUpdateExtras = {},
): Record<string, unknown> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (let [field, to] of updates) {
    if (field === "task_packet_path" && typeof to === "string") to = checkTaskPacketPath(ctx, to);
    if (field === "labels") to = [...new Set(to as string[])];
    const from = readField(wp, field);
    if (canonicalJson(from) !== canonicalJson(to)) changes[field] = { from, to };
  }
  if (changes.assignee && !updates.has("lease") && wp.lease !== undefined)
    changes.lease = { from: wp.lease, to: null };
  const status = changes.status;
  if (status) {
    const trigger = updateTrigger(extras.source);
    assertWpTransition(wp.status, status.to as typeof wp.status, trigger, transitionFacts(wp));
    if (status.to === "in_progress" && wp.governance.hold !== undefined) {
      // Section 16: resuming what the execution policy holds is a gate holder's decision.
      if (!ctx.useCapability("locus.gate", "resume a WP held by the execution policy"))
        throw new LocusError(
          "HSK-403-CAPABILITY",
          `${wp.wp_id} is held by the execution policy (${wp.governance.hold.reason}); resuming it needs locus.gate`,
          { field: "params.updates.status", missing: ["locus.gate"], hold: wp.governance.hold },
        );
      Object.assign(changes, releaseHoldChanges(wp));
    }
  }
  const note = extras.note;
  if (Object.keys(changes).length === 0 && note === undefined) {
    return { wp, changed: false, task_board_updated: false };
  }
  if (note !== undefined) checkNoteBounds(ctx, wp, note.content, "params.note");
  ctx.emit("work_packet_updated", {
    wp_id: wp.wp_id,
    ...ctx.planWpWrite(wp),
    changes: changes as WpChanges,
    ...(note ? { note: makeNote(ctx, note.content, note.note_type) } : {}),
    ...(extras.source ? { source: extras.source } : {}),
    ...(extras.taken_over_from ? { taken_over_from: extras.taken_over_from } : {}),
  });
  if (status || changes.title) ctx.boardDirty = true;
  return { wp: ctx.state.wps.get(wp.wp_id), changed: true, task_board_updated: false };
}

/** update_wp: changes fields; status changes obey section 5; `note` appends a WorkNote. */
export const updateWp = defineOperation({
  name: "update_wp",
  summary: "Update fields of a WP (status changes follow the state machine)",
  kind: "write",
  params,
  nested: { under: "updates", keys: () => [...Object.keys(updatableFields()), "governance.phase"] },
  capabilities: ["locus.write"],
  events: ["work_packet_updated"],
  async run(ctx, p) {
    const updates = parseUpdates(p.updates);
    const wp = await ctx.wp(p.wp_id);
    checkExpectedVersion(wp, p.expected_version);
    const note =
      p.note === undefined
        ? undefined
        : typeof p.note === "string"
          ? { content: p.note, note_type: "user" as const }
          : p.note;
    return writeWpUpdate(ctx, wp, updates, { note, source: p.source });
  },
});
