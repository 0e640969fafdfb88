// The shape of a benchmark workspace (issue 7): WPs in epics of 100, about 5 dependency edges per WP (blocks
// and the informational types, mostly inside an epic, some across), a few hub WPs at the 500-edge bound,
// statuses spread like a live project, labels, phases, and MTs with iterations on some in-progress WPs.
// Everything is deterministic (seeded PRNG) so every run measures the same workspace.
/** Deterministic PRNG (mulberry32). */
export { seededRandom as prng } from "../test/support/seeded-random.js";

import type { DependencyType, WorkPacketStatus } from "../src/domain/records.js";

/** WPs per epic: blocking edges stay inside an epic or point to a later one, so the graph is a DAG. */
export const EPIC_SIZE = 100;
/** Edges each hub WP gets: one under the default bound of 500, so the measured add is the 500th. */
export const HUB_EDGES = 499;

/** The id of the i-th WP of a benchmark workspace. */
export const wpIdOf = (i: number): string => `WP-${String(i).padStart(6, "0")}`;

const WORDS = `parser cache index query board sync replay gate token session login export import report
  dashboard schema migration replica backup audit permission role tenant webhook retry queue worker search
  vector chunk embedding graph cycle edge label phase sprint release deploy rollback metrics alert latency`
  .split(/\s+/)
  .filter((w) => w.length > 0);
const LABELS = Array.from({ length: 20 }, (_, i) => `area-${i}`);
const TYPES = ["feature", "bug", "refactor", "docs", "test", "chore"] as const;
const PHASES = ["0", "0.5", "1", "2", "3", "4"] as const;

/** Status mix of a live project (per 20 WPs): what the generator drives each WP to. */
const STATUS_MIX: WorkPacketStatus[] = [
  ..."stub stub stub ready ready ready ready ready ready ready in_progress in_progress in_progress in_progress".split(
    " ",
  ),
  ..."blocked gated done done done cancelled".split(" "),
] as WorkPacketStatus[];

/** Informational edge types (no readiness effect), weighted by how often they occur. */
const INFO_TYPES: DependencyType[] = ["related", "related", "depends-on", "tests", "documents", "implements"];

/** The parameters of one create_wp. */
export function createParams(i: number, random: () => number): Record<string, unknown> {
  const word = () => WORDS[Math.floor(random() * WORDS.length)] as string;
  const labels = [...new Set([LABELS[i % LABELS.length], LABELS[Math.floor(random() * LABELS.length)]])];
  return {
    wp_id: wpIdOf(i),
    title: `${word()} ${word()} ${word()} ${i}`,
    description: Array.from({ length: 12 + Math.floor(random() * 20) }, word).join(" "),
    priority: Math.floor(random() * 5),
    type: TYPES[i % TYPES.length],
    phase: PHASES[Math.floor(i / EPIC_SIZE) % PHASES.length],
    labels,
  };
}

/** The status the i-th WP ends in. */
export const statusOf = (i: number): WorkPacketStatus =>
  STATUS_MIX[(i * 7) % STATUS_MIX.length] as WorkPacketStatus;

/** One edge to add: `from` and `to` are WP indexes with from < to (the DAG order). */
export interface PlannedEdge {
  from: number;
  to: number;
  type: DependencyType;
}

/**
 * The incoming edges of WP `j`, added right after it is created. Every edge points forward (from < to), and
 * an edge is added when its target is the newest WP, so the cycle check at load time walks nothing yet.
 */
export function incomingEdges(j: number, random: () => number, hubs: ReadonlySet<number>): PlannedEdge[] {
  const epicStart = j - (j % EPIC_SIZE);
  const edges: PlannedEdge[] = [];
  // Hubs get exactly HUB_EDGES edges, all outgoing, added by the generator (see hubsOf).
  if (hubs.has(j)) return edges;
  const seen = new Set<number>();
  const inEpic = Math.min(j - epicStart, 5);
  for (let k = 0; k < inEpic; k++) {
    const from = j - 1 - Math.floor(random() * Math.min(20, j - epicStart));
    if (seen.has(from) || hubs.has(from)) continue;
    seen.add(from);
    edges.push({
      from,
      to: j,
      type: random() < 0.45 ? "blocks" : (INFO_TYPES[k % INFO_TYPES.length] as DependencyType),
    });
  }
  // One informational edge across epics, as in real projects.
  if (j >= EPIC_SIZE && random() < 0.9) {
    const from = Math.floor(random() * epicStart);
    if (!seen.has(from) && !hubs.has(from)) edges.push({ from, to: j, type: "related" });
  }
  return edges;
}

/** Hub WPs: a few per epic group, each gets HUB_EDGES outgoing edges to later WPs. */
export function hubsOf(size: number): number[] {
  const count = Math.max(2, Math.floor(size / 2_000));
  return Array.from({ length: count }, (_, k) => Math.floor(((k + 0.5) * size) / (count * 2)));
}
