// Section 15: what an import would do, decided before anything is written, so a dry run reports exactly what the
// import then applies. The plan compares the parsed items with the WPs the store holds: new items are created,
// changed ones updated (fields, status by section 5 walks, new comments), deleted ones tombstoned; edges are
// resolved, checked (unknown reference, self, deleted end, cycle, per-WP bound) and diffed with the stored ones.

import { shortestPath } from "../../domain/dependency-graph.js";
import { LocusError } from "../../domain/errors.js";
import type { TrackedDependency, TrackedWorkPacket, WorkPacketStatus } from "../../domain/records.js";
import { transitionFactsOf } from "../../domain/wp-state-machine.js";
import type {
  ImportedComment,
  ImportedItem,
  ParsedSource,
  StoredDependencyType,
  Unmapped,
} from "../../import/import-model.js";
import { NEW_WP_POSITION, type StatusStep, statusPath } from "../../import/status-path.js";
import type { JobContext } from "../job-context.js";

/** Fields of a WP an import owns: the source wins for these on a re-import (docs/DECISIONS.md). */
export interface OwnedFields {
  title?: string;
  description?: string;
  priority?: number;
  type?: TrackedWorkPacket["type"];
  labels?: string[];
  assignee?: string | null;
}

/** What the import does to one item's WP. */
export interface ItemPlan {
  item: ImportedItem;
  /** The stored WP, when the item was imported before. */
  existing?: TrackedWorkPacket;
  changes: OwnedFields;
  steps: StatusStep[];
  comments: ImportedComment[];
  tombstone: boolean;
}

/** An edge to add, in Locus direction. */
export interface EdgePlan {
  from: string;
  to: string;
  type: StoredDependencyType;
  source_type: string;
}

/** The whole plan. */
export interface ImportPlan {
  items: ItemPlan[];
  addEdges: EdgePlan[];
  removeEdges: TrackedDependency[];
  unchangedEdges: number;
  /** Edges of the source that the store holds after the import, by Locus type (added and unchanged). */
  edgeTypes: Record<string, number>;
  unmapped: Unmapped[];
}

/** The text an imported comment's note starts with: how a re-import knows it is there already. */
export const commentMarker = (system: string, comment: ImportedComment): string =>
  `[${system} comment ${comment.id}]`;

/** The description an imported edge carries: how a re-import knows which stored edges are its own. */
export const edgeDescription = (system: string, sourceType: string): string =>
  `imported from ${system} (${sourceType})`;

const ACYCLIC: ReadonlySet<string> = new Set(["blocks", "parent-child"]);

/** `metadata.source` of an imported WP. */
export function sourceOf(wp: TrackedWorkPacket): { system?: unknown; id?: unknown } | undefined {
  const source = wp.metadata.source;
  return typeof source === "object" && source !== null
    ? (source as { system?: unknown; id?: unknown })
    : undefined;
}

/** Builds the plan; refuses (before anything is written) ids that collide with each other or with other WPs. */
export async function planImport(ctx: JobContext, system: string, parsed: ParsedSource): Promise<ImportPlan> {
  const unmapped = [...parsed.unmapped];
  const byWpId = new Map<string, ImportedItem>();
  for (const item of parsed.items) {
    const other = byWpId.get(item.wp_id);
    if (other)
      throw new LocusError(
        "HSK-409-CONFLICT",
        `${other.source_id} and ${item.source_id} both become ${item.wp_id}; nothing was imported`,
        {
          field: "source",
          wp_id: item.wp_id,
          items: [other.source_id, item.source_id],
        },
      );
    byWpId.set(item.wp_id, item);
  }
  const stored = new Map((await ctx.tx.getWps([...byWpId.keys()])).map((wp) => [wp.wp_id, wp]));
  const items = parsed.items.map((item) => planItem(ctx, system, item, stored.get(item.wp_id), unmapped));
  const edges = await planEdges(ctx, system, parsed, items, unmapped);
  return { items, ...edges, unmapped };
}

function planItem(
  ctx: JobContext,
  system: string,
  item: ImportedItem,
  existing: TrackedWorkPacket | undefined,
  unmapped: Unmapped[],
): ItemPlan {
  if (existing === undefined) {
    const steps = item.deleted ? [] : (statusPath(NEW_WP_POSITION, item.status) ?? []);
    return {
      item,
      changes: {},
      steps,
      comments: budgeted(ctx, item, undefined, steps, unmapped),
      tombstone: item.deleted !== undefined,
    };
  }
  const source = sourceOf(existing);
  if (source?.system !== system || source.id !== item.source_id) {
    throw new LocusError(
      "HSK-409-CONFLICT",
      `${item.wp_id} exists and was not imported from ${system} ${item.source_id}; nothing was imported`,
      { field: "source", wp_id: item.wp_id, item: item.source_id },
    );
  }
  ctx.takeLoaded(existing);
  const plan: ItemPlan = { item, existing, changes: {}, steps: [], comments: [], tombstone: false };
  if (existing.tombstone) {
    if (!item.deleted)
      unmapped.push({
        item: item.source_id,
        field: "status",
        value: item.source_status,
        reason: "deleted in Locus; a tombstone is final",
      });
    return plan;
  }
  plan.changes = fieldChanges(existing, item);
  if (item.deleted) {
    if (existing.status === "done")
      unmapped.push({
        item: item.source_id,
        field: "status",
        value: item.source_status,
        reason: "a done WP cannot be deleted (section 5); left done",
      });
    else plan.tombstone = true;
  } else if (item.status !== existing.status) {
    const facts = transitionFactsOf(existing);
    const steps = statusPath({ status: existing.status, ...facts }, item.status);
    if (steps === undefined)
      unmapped.push({
        item: item.source_id,
        field: "status",
        value: item.source_status,
        reason: `section 5 has no way from ${existing.status} to ${item.status}; left ${existing.status}`,
      });
    else plan.steps = steps;
  }
  const present = new Set(existing.notes.map((note) => note.content.split("\n", 1)[0]));
  const fresh = item.comments.filter((comment) => !present.has(commentMarker(system, comment)));
  plan.comments = budgeted(ctx, { ...item, comments: fresh }, existing, plan.steps, unmapped);
  return plan;
}

/** The owned fields whose stored value differs from the source's. */
function fieldChanges(wp: TrackedWorkPacket, item: ImportedItem): OwnedFields {
  const changes: OwnedFields = {};
  if (wp.title !== item.title) changes.title = item.title;
  if (wp.description !== item.description) changes.description = item.description;
  if (wp.priority !== item.priority) changes.priority = item.priority;
  if (wp.type !== item.type) changes.type = item.type;
  const sameLabels =
    wp.labels.length === item.labels.length && item.labels.every((label) => wp.labels.includes(label));
  if (!sameLabels) changes.labels = item.labels;
  if ((wp.assignee ?? null) !== (item.assignee ?? null)) changes.assignee = item.assignee ?? null;
  return changes;
}

/** The comments that fit the WP's note bounds (issue 21); the rest are reported, never a half-written WP. */
function budgeted(
  ctx: JobContext,
  item: ImportedItem,
  existing: TrackedWorkPacket | undefined,
  steps: readonly StatusStep[],
  unmapped: Unmapped[],
): ImportedComment[] {
  const { notes_per_wp, note_bytes_per_wp } = ctx.config.limits;
  const gateNotes = steps.filter((step) => step.kind === "gate").length;
  let count = (existing?.notes.length ?? 0) + gateNotes;
  let bytes =
    (existing?.notes ?? []).reduce((sum, note) => sum + Buffer.byteLength(note.content, "utf8"), 0) +
    gateNotes * 600;
  const kept: ImportedComment[] = [];
  for (const comment of item.comments) {
    const size = Buffer.byteLength(comment.text, "utf8") + 200;
    if (count + 1 > notes_per_wp || bytes + size > note_bytes_per_wp) {
      unmapped.push({
        item: item.source_id,
        field: `comments.${comment.id}`,
        reason: "beyond the WP's note bounds (notes_per_wp, note_bytes_per_wp)",
      });
      continue;
    }
    count += 1;
    bytes += size;
    kept.push(comment);
  }
  return kept;
}

const edgeKey = (from: string, to: string, type: string): string => `${from}\u0000${to}\u0000${type}`;

async function planEdges(
  ctx: JobContext,
  system: string,
  parsed: ParsedSource,
  items: readonly ItemPlan[],
  unmapped: Unmapped[],
): Promise<Pick<ImportPlan, "addEdges" | "removeEdges" | "unchangedEdges" | "edgeTypes">> {
  const byKey = new Map(items.map((plan) => [plan.item.key, plan]));
  const ours = new Set(items.map((plan) => plan.item.wp_id));
  const deleted = (plan: ItemPlan) =>
    plan.tombstone || plan.existing?.tombstone !== undefined || plan.item.deleted !== undefined;
  const wanted = new Map<string, EdgePlan>();
  for (const edge of parsed.edges) {
    const from = byKey.get(edge.from_key);
    const to = byKey.get(edge.to_key);
    const drop = (reason: string, detail: string) =>
      unmapped.push({
        item: edge.declared_by,
        field: "dependencies",
        value: `${edge.source_type} ${edge.from_key} -> ${edge.to_key}${detail}`,
        reason,
      });
    if (!from || !to)
      drop("names an item that is not in the source", ` (${!from ? edge.from_key : edge.to_key} missing)`);
    else if (from === to) drop("an item cannot depend on itself", "");
    else if (deleted(from) || deleted(to))
      drop(
        "an end is deleted (no dependency points at a deleted WP)",
        ` (${deleted(from) ? from.item.source_id : to.item.source_id} deleted)`,
      );
    else
      wanted.set(edgeKey(from.item.wp_id, to.item.wp_id, edge.type), {
        from: from.item.wp_id,
        to: to.item.wp_id,
        type: edge.type,
        source_type: edge.source_type,
      });
  }
  const stored =
    ours.size === 0 || items.every((plan) => !plan.existing) ? [] : await ctx.tx.replicaLog.allDependencies();
  const storedKeys = new Set(stored.map((dep) => edgeKey(dep.from_wp_id, dep.to_wp_id, dep.type)));
  // An edge this import made before (its description says so) that the source no longer has goes away.
  const removeEdges = stored.filter(
    (dep) =>
      ours.has(dep.from_wp_id) &&
      ours.has(dep.to_wp_id) &&
      dep.description?.startsWith(`imported from ${system} (`) === true &&
      !wanted.has(edgeKey(dep.from_wp_id, dep.to_wp_id, dep.type)),
  );
  const removed = new Set(removeEdges.map((dep) => dep.dependency_id));
  const graph = new Map<string, { source: string; target: string }[]>();
  const degree = new Map<string, number>();
  const link = (from: string, to: string, type: string) => {
    degree.set(from, (degree.get(from) ?? 0) + 1);
    degree.set(to, (degree.get(to) ?? 0) + 1);
    if (!ACYCLIC.has(type)) return;
    const list = graph.get(type) ?? [];
    list.push({ source: from, target: to });
    graph.set(type, list);
  };
  for (const dep of stored) if (!removed.has(dep.dependency_id)) link(dep.from_wp_id, dep.to_wp_id, dep.type);
  const addEdges: EdgePlan[] = [];
  let unchangedEdges = 0;
  const edgeTypes: Record<string, number> = {};
  const count = (type: string) => {
    edgeTypes[type] = (edgeTypes[type] ?? 0) + 1;
  };
  const limit = ctx.config.limits.edges_per_wp;
  for (const [key, edge] of wanted) {
    if (storedKeys.has(key)) {
      unchangedEdges++;
      count(edge.type);
      continue;
    }
    const drop = (reason: string, value = `${edge.type} ${edge.from} -> ${edge.to}`) =>
      unmapped.push({ item: edge.from, field: "dependencies", value, reason });
    if ((degree.get(edge.from) ?? 0) >= limit || (degree.get(edge.to) ?? 0) >= limit) {
      drop(`a WP holds at most ${limit} edges (edges_per_wp)`);
      continue;
    }
    if (ACYCLIC.has(edge.type)) {
      const back = shortestPath(edge.to, edge.from, graph.get(edge.type) ?? []);
      if (back) {
        drop(`would close a ${edge.type} cycle; the edge is left out`, [edge.from, ...back].join(" -> "));
        continue;
      }
    }
    link(edge.from, edge.to, edge.type);
    addEdges.push(edge);
    count(edge.type);
  }
  return {
    addEdges,
    removeEdges,
    unchangedEdges,
    edgeTypes: Object.fromEntries(Object.entries(edgeTypes).sort()),
  };
}

/** The Locus status an item ends in, as the report counts it ("deleted" for a tombstone). */
export function endStatusOf(plan: ItemPlan): WorkPacketStatus | "deleted" {
  if (plan.tombstone || plan.existing?.tombstone) return "deleted";
  const last = plan.steps[plan.steps.length - 1];
  return last?.to ?? plan.existing?.status ?? "stub";
}
