// The human view of a tracker import's report (section 15): what was created or changed, statuses from source to
// Locus, edges by type, and every group of what was not mapped with its reason (--json has every item).
import { table } from "./terminal-style.js";

/** True when `data` is an import report (chosen by shape, like every other view). */
export const isImportReport = (data: Record<string, unknown>): boolean =>
  typeof data.format === "string" && typeof data.statuses === "object" && Array.isArray(data.unmapped);

/** The report as a few lines and two tables. */
export function importSummary(data: Record<string, unknown>): string {
  const n = (key: string) => Number(data[key] ?? 0);
  const edges = data.edges as {
    by_type: Record<string, number>;
    added: number;
    removed: number;
    unchanged: number;
  };
  const statuses = data.statuses as Record<string, Record<string, number>>;
  const unmapped = data.unmapped as { field: string; reason: string; count: number; items: string[] }[];
  const head = `${data.dry_run ? "Dry run (nothing written): " : ""}${data.format} ${String(data.source)}: ${n("items")} items, ${n("created")} created, ${n("updated")} updated, ${n("unchanged")} unchanged, ${n("tombstoned")} tombstoned, ${n("notes_added")} notes`;
  const rows = Object.entries(statuses).flatMap(([source, ends]) =>
    Object.entries(ends).map(([end, count]) => [source, end, String(count)]),
  );
  const types =
    Object.entries(edges.by_type)
      .map(([type, count]) => `${type} ${count}`)
      .join(", ") || "none";
  const lines = [
    head,
    table(["SOURCE STATUS", "LOCUS STATUS", "ITEMS"], rows),
    `edges: ${types} (${edges.added} added, ${edges.removed} removed, ${edges.unchanged} unchanged)`,
  ];
  const needed = data.capabilities_needed as string[] | undefined;
  if (needed?.length) lines.push(`needs ${needed.join(", ")} besides locus.write and fs.read`);
  if (unmapped.length === 0) lines.push("everything was mapped");
  else {
    lines.push(
      `not mapped (${unmapped.reduce((sum, group) => sum + group.count, 0)}; --json lists every item):`,
    );
    for (const group of unmapped) {
      const shown = group.items.slice(0, 5).join(", ");
      const more = group.items.length > 5 ? `, +${group.items.length - 5} more` : "";
      lines.push(`  ${group.field}: ${group.reason} (${group.count}: ${shown}${more})`);
    }
  }
  return lines.join("\n");
}
