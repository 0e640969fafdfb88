// In-process measures of section 12 on a generated workspace: every call is one real job through
// LocusEngine on the real SqliteStore (one transaction and COMMIT per job, as a user's call would be).
import { type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { replay } from "../src/domain/events/merge-fold.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import type { LocusStore } from "../src/store/store-port.js";
import { createParams, prng, statusOf, wpIdOf } from "./bench-shape.js";
import { type BenchRow, rowOf, timed } from "./bench-stats.js";
import { sampleHubEdges } from "./hub-edges.js";
import type { GeneratedWorkspace } from "./workspace-generator.js";

/** How many samples each measure takes. */
export interface SampleCounts {
  writes: number;
  queries: number;
  replays: number;
  boardSyncs: number;
}

/** Full runs and the --quick smoke run. */
export const SAMPLES: Record<"full" | "quick", SampleCounts> = {
  full: { writes: 1_000, queries: 500, replays: 10, boardSyncs: 30 },
  quick: { writes: 100, queries: 50, replays: 3, boardSyncs: 5 },
};

const k = (size: number): string => (size >= 1000 ? `${size / 1000}K` : String(size));

/** The replay row of either backend: `runs` times, the store's first 10K events read and replayed. */
export async function replayRow(store: LocusStore, runs: number, at: string): Promise<BenchRow> {
  const replays: number[] = [];
  let replayed = 0;
  for (let n = 0; n < runs; n++) {
    const started = performance.now();
    const events = await store.readEvents({ limit: 10_000 });
    replay(events);
    replays.push(performance.now() - started);
    replayed = events.length;
  }
  return rowOf(`replay ${k(replayed)} events (read + replay) ${at}`, replays, 500, 2_000);
}

/** Runs every in-process measure; `withBoard` adds sync_task_board (when bench/board-bench.ts is absent). */
export async function benchEngine(
  generated: GeneratedWorkspace,
  counts: SampleCounts,
  withBoard: boolean,
): Promise<BenchRow[]> {
  const { store, workspace, size, dir } = generated;
  const engine = new LocusEngine(store, { config: workspace.config, workspaceRoot: dir });
  const random = prng(size + 1);
  const at = `@${k(size)} WPs`;
  const pick = () => {
    for (;;) {
      const i = Math.floor(random() * size);
      if (!generated.hubs.includes(i)) return i;
    }
  };
  const rows: BenchRow[] = [];

  const gc = watchGc();
  const creates: number[] = [];
  for (let n = 0; n < counts.writes; n++) {
    const params = { ...createParams(size + n, random), wp_id: `WP-N${String(n).padStart(6, "0")}` };
    creates.push(await timed(() => engine.run("create_wp", params), "create_wp"));
  }
  rows.push(rowOf(`create_wp ${at}`, creates, 2, 50, "events, Bronze, keyword index, Silver"));

  const updates: number[] = [];
  for (let n = 0; n < counts.writes; n++) {
    const wp_id = wpIdOf(pick());
    const params =
      n % 3 === 0
        ? { wp_id, updates: { priority: n % 5 }, note: `progress ${n}` }
        : { wp_id, updates: { title: `retitled work ${n}`, labels: [`area-${n % 20}`] } };
    updates.push(await timed(() => engine.run("update_wp", params), "update_wp"));
  }
  rows.push(rowOf(`update_wp ${at}`, updates, 2, 30, "title/labels, or priority + note"));
  rows.push(await gc.row(`GC pauses during the two rows above ${at}`, 2 * counts.writes));

  const edges = Number(
    (store.rawConnectionForTests().prepare("SELECT COUNT(*) AS n FROM dependencies").get() as { n: number })
      .n,
  );
  for (const [label, params] of [
    ["hybrid", { limit: 20 }],
    ["priority, label filter", { limit: 20, sort_by: "priority", labels: ["area-3"] }],
  ] as const) {
    const samples: number[] = [];
    for (let n = 0; n < counts.queries; n++)
      samples.push(await timed(() => engine.run("query_ready", params), "query_ready"));
    rows.push(rowOf(`query_ready limit 20 (${label}) ${at}, ${k(edges)} edges`, samples, 10, 100));
  }

  const statuses: number[] = [];
  for (let n = 0; n < counts.queries; n++) {
    const wp_id = wpIdOf(pick());
    statuses.push(await timed(() => engine.run("get_wp_status", { wp_id }), "get_wp_status"));
  }
  rows.push(
    rowOf(
      `get_wp_status (what locus show runs) ${at}`,
      statuses,
      0,
      0,
      "not in section 12; MTs, edges, blocking chain",
    ),
  );

  rows.push(...(await benchHubEdges(generated, engine, counts.writes, random, at)));

  rows.push(await replayRow(store, counts.replays, at));

  if (withBoard) {
    // Each sample: one WP changes status without auto-sync (untimed), then a timed sync moves its entry.
    const toggles = Array.from({ length: size }, (_, i) => i).filter(
      (i) => statusOf(i) === "ready" && i % 40 !== 10,
    );
    const syncs: number[] = [];
    for (let n = 0; n < counts.boardSyncs; n++) {
      const wp_id = wpIdOf(toggles[n % toggles.length] as number);
      await timed(() => engine.run("update_wp", { wp_id, updates: { status: "blocked" } }), "update_wp");
      syncs.push(await timed(() => engine.run("sync_task_board", {}), "sync_task_board"));
    }
    rows.push(
      rowOf(
        `sync_task_board, one moved entry ${at}`,
        syncs,
        size <= 10_000 ? 150 : 0,
        size <= 1_000 ? 500 : 0,
        size <= 10_000 ? "spec target is at 1K WPs" : "targets are set at 10K",
      ),
    );
  }
  return rows;
}

/** add_dependency on a hub that has 499 edges (the 500th edge, at the bound), then its removal. */
async function benchHubEdges(
  generated: GeneratedWorkspace,
  engine: LocusEngine,
  samples: number,
  random: () => number,
  at: string,
): Promise<BenchRow[]> {
  const hub = generated.hubs[0] as number;
  const hubId = wpIdOf(hub);
  const db = generated.store.rawConnectionForTests();
  const linked = new Set(
    (
      db.prepare("SELECT to_wp_id FROM dependencies WHERE from_wp_id = ?").all(hubId) as {
        to_wp_id: string;
      }[]
    ).map((row) => row.to_wp_id),
  );
  const { adds, removes } = await sampleHubEdges(engine, generated, linked, samples, random);
  return [
    rowOf(
      `add_dependency (blocks), hub at 500 edges ${at}`,
      adds,
      2,
      30,
      "the 500th edge; cycle check included",
    ),
    rowOf(`remove_dependency, same hub ${at}`, removes, 2, 30, "not in section 12; same bound as add"),
  ];
}

/**
 * The garbage collections of the process while it measures: a young-generation GC stops the job it falls in,
 * so how many there are per job and how long each stops is what the write p99 rows depend on.
 */
function watchGc(): { row(name: string, jobs: number): Promise<BenchRow> } {
  const pauses: number[] = [];
  let major = 0;
  const record = (entry: PerformanceEntry) => {
    pauses.push(entry.duration);
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
    if (kind !== undefined && kind !== 1) major += 1; // 1 = NODE_PERFORMANCE_GC_MINOR (a scavenge)
  };
  const observer = new PerformanceObserver((list) => list.getEntries().forEach(record));
  observer.observe({ entryTypes: ["gc"] });
  return {
    async row(name, jobs) {
      // Entries reach the observer from the event loop, which the measured loop never yields to.
      await new Promise((resolve) => setTimeout(resolve, 50));
      observer.takeRecords().forEach(record);
      observer.disconnect();
      const per1000 = ((pauses.length * 1000) / jobs).toFixed(1);
      return rowOf(name, pauses, 0, 0, `${per1000} per 1,000 jobs (${major} not young-generation)`);
    },
  };
}
