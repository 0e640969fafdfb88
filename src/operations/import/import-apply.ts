// Section 15: applies an import plan inside the job's one transaction (all or nothing), with the events an
// operation would emit for the same change: WP-001 for a new WP (a stub, as create_wp makes it), WP-002 for
// field changes, status updates and each comment's note, WP-003 for the gate decisions a status past `ready`
// needs (recorded as `skip` by the importing actor, with a note naming the source), WP-005 for a deleted item,
// DEP-001 / DEP-002 for edges. Gates and deletes need locus.gate / locus.delete: asked once, recorded.

import { LocusError } from "../../domain/errors.js";
import type { WpChanges } from "../../domain/events/wp-changes.js";
import { newDependencyId, newNoteId } from "../../domain/ids.js";
import {
  DEFAULT_BOARD_TOKENS,
  type GateStatus,
  type TrackedDependency,
  type TrackedWorkPacket,
} from "../../domain/records.js";
import { assertWpTransition, transitionFactsOf } from "../../domain/wp-state-machine.js";
import type { ImportedItem } from "../../import/import-model.js";
import type { StatusStep } from "../../import/status-path.js";
import { checkGateBound } from "../common.js";
import type { JobContext } from "../job-context.js";
import { commentMarker, edgeDescription, type ImportPlan, type ItemPlan } from "./import-plan.js";

/** The capabilities an import needs beyond locus.write: gate decisions and deletes, when the plan has any. */
export function extraCapabilities(plan: ImportPlan): string[] {
  const needed: string[] = [];
  if (plan.items.some((item) => item.steps.some((step) => step.kind === "gate"))) needed.push("locus.gate");
  if (plan.items.some((item) => item.tombstone)) needed.push("locus.delete");
  return needed;
}

/** Writes the plan. Refuses whole (HSK-403-CAPABILITY) when a capability it needs is not granted. */
export function applyImport(ctx: JobContext, system: string, plan: ImportPlan): void {
  for (const capability of extraCapabilities(plan)) {
    const why =
      capability === "locus.gate"
        ? "import records closed items' gates as skip"
        : "import tombstones deleted items";
    if (!ctx.useCapability(capability, why))
      throw new LocusError(
        "HSK-403-CAPABILITY",
        `this import needs ${capability} (${why}); nothing was imported`,
        {
          field: "capabilities_requested",
          capability_id: capability,
        },
      );
  }
  for (const item of plan.items) applyItem(ctx, system, item);
  for (const dep of plan.removeEdges)
    ctx.emit("dependency_removed", {
      dependency_id: dep.dependency_id,
      from_wp_id: dep.from_wp_id,
      to_wp_id: dep.to_wp_id,
      type: dep.type,
    });
  for (const edge of plan.addEdges) {
    const dependency: TrackedDependency = {
      dependency_id: newDependencyId(ctx.services.ids),
      from_wp_id: edge.from,
      to_wp_id: edge.to,
      type: edge.type,
      description: edgeDescription(system, edge.source_type),
      created_at: ctx.timestamp,
      created_by: ctx.identity.actor_id,
      vector_clock: { [ctx.services.replicaId]: 1 },
    };
    ctx.emit("dependency_added", { dependency });
  }
  if (plan.items.some((item) => !item.existing || item.steps.length > 0 || item.tombstone))
    ctx.boardDirty = true;
}

function applyItem(ctx: JobContext, system: string, plan: ItemPlan): void {
  const { item } = plan;
  const wp = plan.existing ?? createWp(ctx, system, item);
  const changes = fieldChangesOf(wp, plan);
  if (Object.keys(changes).length > 0)
    ctx.emit("work_packet_updated", { wp_id: wp.wp_id, ...ctx.planWpWrite(wp), changes, source: "import" });
  for (const step of plan.steps) applyStep(ctx, system, wp.wp_id, item, step);
  for (const comment of plan.comments) {
    const current = ctx.state.wps.get(wp.wp_id) as TrackedWorkPacket;
    ctx.emit("work_packet_updated", {
      wp_id: wp.wp_id,
      ...ctx.planWpWrite(current),
      changes: {},
      note: {
        note_id: newNoteId(ctx.services.ids),
        author: comment.author,
        content: `${commentMarker(system, comment)}\n${comment.text}`.slice(0, 20_000),
        created_at: comment.created_at ?? ctx.timestamp,
        note_type: "user",
      },
      source: "import",
    });
  }
  if (plan.tombstone) {
    const current = ctx.state.wps.get(wp.wp_id) as TrackedWorkPacket;
    assertWpTransition(current.status, "cancelled", "delete", transitionFactsOf(current));
    const deleted = item.deleted ?? {};
    const where = [
      `deleted in ${system} ${item.source_id}`,
      deleted.at && `at ${deleted.at}`,
      deleted.by && `by ${deleted.by}`,
    ];
    const reason = `${where.filter(Boolean).join(" ")}${deleted.reason ? `: ${deleted.reason}` : ""}`;
    ctx.emit("work_packet_deleted", {
      wp_id: wp.wp_id,
      ...ctx.planWpWrite(current),
      deleted_by: ctx.identity.actor_id,
      previous_status: current.status,
      reason: reason.slice(0, 2_000),
    });
  }
}

/** The `changes` of the owned fields, as update_wp records them. */
function fieldChangesOf(wp: TrackedWorkPacket, plan: ItemPlan): WpChanges {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [field, to] of Object.entries(plan.changes)) {
    const from = (wp as Record<string, unknown>)[field] ?? null;
    changes[field] = { from, to };
  }
  return changes as WpChanges;
}

/** WP-001: the item's WP as create_wp makes it, a stub, with `metadata.source = {system, id}`. */
function createWp(ctx: JobContext, system: string, item: ImportedItem): TrackedWorkPacket {
  const write = ctx.planWpWrite({ wp_id: item.wp_id, version: 0 });
  const pending = { status: "pending" as const };
  const wp: TrackedWorkPacket = {
    wp_id: item.wp_id,
    version: 1,
    title: item.title,
    description: item.description,
    status: "stub",
    priority: item.priority,
    governance: {
      gates: { pre_work: pending, post_work: pending },
      gate_history: { pre_work: [], post_work: [] },
      task_board_status: "STUB",
      task_board_token: DEFAULT_BOARD_TOKENS.stub,
    },
    type: item.type,
    labels: item.labels,
    ...(item.assignee ? { assignee: item.assignee } : {}),
    reporter: item.reporter ?? ctx.identity.actor_id,
    micro_tasks: { total: 0, completed: 0, failed: 0, in_progress: 0, skipped: 0, mt_ids: [] },
    created_at: item.created_at ?? ctx.timestamp,
    updated_at: ctx.timestamp,
    notes: [],
    metadata: { source: { system, id: item.source_id, ...item.source_extra } },
    vector_clock: { [ctx.services.replicaId]: 1 },
  };
  ctx.emit("work_packet_created", {
    wp_id: item.wp_id,
    ...write,
    wp,
    created_by: ctx.identity.actor_id,
    source: "import",
  });
  return ctx.state.wps.get(item.wp_id) as TrackedWorkPacket;
}

/** One section 5 move, judged by the same rules as update_wp and gate_wp. */
function applyStep(
  ctx: JobContext,
  system: string,
  wpId: string,
  item: ImportedItem,
  step: StatusStep,
): void {
  const wp = ctx.state.wps.get(wpId) as TrackedWorkPacket;
  const from = wp.status;
  if (step.kind === "update") {
    assertWpTransition(from, step.to, "update", transitionFactsOf(wp));
    ctx.emit("work_packet_updated", {
      wp_id: wpId,
      ...ctx.planWpWrite(wp),
      changes: { status: { from, to: step.to } },
      source: "import",
    });
    return;
  }
  const facts = transitionFactsOf(wp);
  if (step.gate === "post_work" && step.result === "skip") facts.post_work_passed = true;
  assertWpTransition(from, step.to, "gate", facts);
  checkGateBound(ctx, wp);
  const why = gateReason(system, item, step);
  const result: GateStatus = {
    status: step.result,
    validated_at: ctx.timestamp,
    validated_by: ctx.identity.actor_id,
    notes: why,
  };
  ctx.emit("work_packet_gated", {
    wp_id: wpId,
    ...ctx.planWpWrite(wp),
    gate: step.gate,
    result,
    note: {
      note_id: newNoteId(ctx.services.ids),
      author: ctx.identity.actor_id,
      content: `${step.gate} gate: ${step.result} - ${why}`,
      created_at: ctx.timestamp,
      note_type: "gate",
    },
    ...(step.to !== from ? { status_change: { from, to: step.to } } : {}),
  });
}

/** The note of an imported gate decision: the source, the item, its status and close time. */
function gateReason(system: string, item: ImportedItem, step: StatusStep): string {
  const closed = item.closed_at ? `, closed ${item.closed_at}` : "";
  const reason = item.close_reason ? ` (${item.close_reason.slice(0, 500)})` : "";
  const what = step.kind === "gate" && step.result === "fail" ? "reopened" : `status ${item.source_status}`;
  return `imported from ${system} ${item.source_id}: ${what}${closed}${reason}`.slice(0, 10_000);
}
