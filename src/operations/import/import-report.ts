// Section 15: "the report (and --dry-run) shows counts per source status and Locus status, edges by type, and
// every item or field not mapped with the reason. Nothing is dropped silently."

import type { Unmapped } from "../../import/import-model.js";
import { extraCapabilities } from "./import-apply.js";
import { endStatusOf, type ImportPlan } from "./import-plan.js";

/** What not mapped, grouped: one line per (field, reason), with every item it concerns. */
export interface UnmappedGroup {
  field: string;
  reason: string;
  count: number;
  items: string[];
  /** The distinct source values (at most 20), when the reason concerns values. */
  values?: string[];
}

/** The report of an import (its `data`). */
export interface ImportReport {
  format: string;
  source: string;
  dry_run: boolean;
  items: number;
  created: number;
  updated: number;
  unchanged: number;
  tombstoned: number;
  notes_added: number;
  /** Per source status, the count of items per Locus status they end in ("deleted" for a tombstone). */
  statuses: Record<string, Record<string, number>>;
  /** Per Locus status, the count of items. */
  locus_statuses: Record<string, number>;
  edges: { by_type: Record<string, number>; added: number; removed: number; unchanged: number };
  unmapped: UnmappedGroup[];
  /** Capabilities the import needs beyond locus.write and fs.read. */
  capabilities_needed: string[];
}

const bump = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1;
};

/** Groups unmapped entries by field (numbered list positions folded) and reason, keeping every item. */
export function groupUnmapped(unmapped: readonly Unmapped[]): UnmappedGroup[] {
  const groups = new Map<string, UnmappedGroup>();
  for (const entry of unmapped) {
    const field = entry.field.replace(/\[\d+\]/g, "[]");
    const key = `${field}\u0000${entry.reason}`;
    let group = groups.get(key);
    if (!group) {
      group = { field, reason: entry.reason, count: 0, items: [] };
      groups.set(key, group);
    }
    group.count++;
    if (!group.items.includes(entry.item)) group.items.push(entry.item);
    if (entry.value !== undefined) {
      group.values ??= [];
      if (group.values.length < 20 && !group.values.includes(entry.value)) group.values.push(entry.value);
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.field.localeCompare(b.field));
}

/** The report of a plan (the same for a dry run and the import it previews). */
export function reportOf(plan: ImportPlan, format: string, source: string, dryRun: boolean): ImportReport {
  const report: ImportReport = {
    format,
    source,
    dry_run: dryRun,
    items: plan.items.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    tombstoned: 0,
    notes_added: 0,
    statuses: {},
    locus_statuses: {},
    edges: {
      by_type: plan.edgeTypes,
      added: plan.addEdges.length,
      removed: plan.removeEdges.length,
      unchanged: plan.unchangedEdges,
    },
    unmapped: groupUnmapped(plan.unmapped),
    capabilities_needed: extraCapabilities(plan),
  };
  for (const item of plan.items) {
    const end = endStatusOf(item);
    report.statuses[item.item.source_status] ??= {};
    bump(report.statuses[item.item.source_status] as Record<string, number>, end);
    bump(report.locus_statuses, end);
    report.notes_added += item.comments.length;
    if (item.tombstone) report.tombstoned++;
    const changed =
      Object.keys(item.changes).length > 0 ||
      item.steps.length > 0 ||
      item.comments.length > 0 ||
      item.tombstone;
    if (!item.existing) report.created++;
    else if (changed) report.updated++;
    else report.unchanged++;
  }
  return report;
}
