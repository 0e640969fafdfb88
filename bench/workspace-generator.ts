// Builds a benchmark workspace of `size` WPs with the shape of bench-shape.ts, through the real envelope
// (LocusEngine.run for every job) on a BatchingStore: many jobs per COMMIT, nothing else skipped.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocusResult } from "../src/operations/envelope.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { initWorkspace, type Workspace } from "../src/workspace/workspace.js";
import { BatchingStore } from "./batching-store.js";
import {
  createParams,
  HUB_EDGES,
  hubsOf,
  incomingEdges,
  type PlannedEdge,
  prng,
  statusOf,
  wpIdOf,
} from "./bench-shape.js";

/** A generated workspace: its folder, the open workspace and what the load did. */
export interface GeneratedWorkspace {
  dir: string;
  workspace: Workspace;
  store: SqliteStore;
  size: number;
  hubs: number[];
  jobs: number;
  edges: number;
  seconds: number;
}

/** The status path of section 5 that takes a new (stub) WP to `status`. */
const PATHS: Record<string, [string, Record<string, unknown>][]> = {
  stub: [],
  ready: [["update_wp", { updates: { status: "ready" } }]],
  in_progress: [
    ["update_wp", { updates: { status: "ready" } }],
    ["gate_wp", { gate: "pre_work", result: { status: "pass" } }],
  ],
  blocked: [
    ["update_wp", { updates: { status: "ready" } }],
    ["update_wp", { updates: { status: "blocked" }, note: "waiting on the vendor" }],
  ],
  gated: [
    ["update_wp", { updates: { status: "ready" } }],
    ["gate_wp", { gate: "pre_work", result: { status: "pass" } }],
    ["update_wp", { updates: { status: "gated" } }],
  ],
  done: [
    ["update_wp", { updates: { status: "ready" } }],
    ["gate_wp", { gate: "pre_work", result: { status: "pass" } }],
    ["gate_wp", { gate: "post_work", result: { status: "pass", notes: "validated" } }],
  ],
  cancelled: [["update_wp", { updates: { status: "cancelled" }, note: "superseded" }]],
};

/** MTs with iterations on an in-progress WP: register, start, RETRY then SUCCESS, complete, start the next. */
function microTaskJobs(wpId: string): [string, Record<string, unknown>][] {
  const mt = (mt_id: string, name: string, depends_on: string[] = []) => ({ mt_id, name, depends_on });
  const iteration = (n: number, outcome: string) => ({
    wp_id: wpId,
    mt_id: "MT-001",
    iteration: n,
    model_id: "local-coder",
    outcome,
    tokens_prompt: 1200,
    tokens_completion: 300,
    claimed_complete: outcome === "SUCCESS",
  });
  return [
    [
      "register_mts",
      {
        wp_id: wpId,
        micro_tasks: [
          mt("MT-001", "parse"),
          mt("MT-002", "index", ["MT-001"]),
          mt("MT-003", "render", ["MT-002"]),
        ],
      },
    ],
    ["start_mt", { wp_id: wpId, mt_id: "MT-001", model_id: "local-coder" }],
    ["record_iteration", iteration(1, "RETRY")],
    ["record_iteration", iteration(2, "SUCCESS")],
    ["complete_mt", { wp_id: wpId, mt_id: "MT-001", final_iteration: 2 }],
    ["start_mt", { wp_id: wpId, mt_id: "MT-002", model_id: "local-coder" }],
  ];
}

/** Hub edges by target index: each hub gets HUB_EDGES edges to distinct later WPs. */
function planHubEdges(size: number, hubs: number[], random: () => number): Map<number, PlannedEdge[]> {
  const hubSet = new Set(hubs);
  const byTarget = new Map<number, PlannedEdge[]>();
  for (const hub of hubs) {
    const targets = new Set<number>();
    while (targets.size < HUB_EDGES) {
      const to = hub + 1 + Math.floor(random() * (size - hub - 1));
      if (!hubSet.has(to)) targets.add(to);
    }
    for (const to of targets) {
      const list = byTarget.get(to) ?? [];
      list.push({ from: hub, to, type: random() < 0.2 ? "blocks" : "related" });
      byTarget.set(to, list);
    }
  }
  return byTarget;
}

/** Generates the workspace; `log` gets progress lines. */
export async function generateWorkspace(
  size: number,
  log: (line: string) => void,
): Promise<GeneratedWorkspace> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), `locus-bench-${size}-`));
  mkdirSync(join(dir, ".locus"), { recursive: true });
  // The hash provider: search is measured by bench/search-bench.ts; nothing here should load a model.
  writeFileSync(
    join(dir, ".locus", "config.json"),
    `${JSON.stringify({ default_profile: "Operator", search: { provider: "hash" } }, null, 2)}\n`,
  );
  const workspace = await initWorkspace(dir);
  if (!(workspace.store instanceof SqliteStore)) throw new Error("the benchmark needs the SQLite store");
  const store = workspace.store;
  const batching = new BatchingStore(store, 2_000);
  const engine = new LocusEngine(batching, { config: workspace.config, workspaceRoot: dir });
  const random = prng(size);
  const hubs = hubsOf(size);
  const hubSet = new Set(hubs);
  const hubEdges = planHubEdges(size, hubs, random);
  let jobs = 0;
  let edges = 0;
  const run = async (operation: string, params: Record<string, unknown>) => {
    const result: LocusResult = await engine.run(operation, params);
    jobs += 1;
    if (!result.success)
      throw new Error(`load: ${operation} ${JSON.stringify(params)}: ${result.error.message}`);
  };
  for (let j = 0; j < size; j++) {
    const wpId = wpIdOf(j);
    await run("create_wp", createParams(j, random));
    for (const edge of [...incomingEdges(j, random, hubSet), ...(hubEdges.get(j) ?? [])]) {
      await run("add_dependency", { from_wp_id: wpIdOf(edge.from), to_wp_id: wpId, type: edge.type });
      edges += 1;
    }
    const status = statusOf(j);
    for (const [operation, params] of PATHS[status] ?? []) await run(operation, { wp_id: wpId, ...params });
    if (status === "in_progress" && j % 40 === 10) {
      for (const [operation, params] of microTaskJobs(wpId)) await run(operation, params);
    }
    if ((j + 1) % Math.max(1, Math.floor(size / 10)) === 0) {
      const seconds = (performance.now() - started) / 1000;
      log(`  ${j + 1}/${size} WPs, ${edges} edges, ${jobs} jobs (${seconds.toFixed(0)} s)`);
    }
  }
  batching.commit();
  // The Task Board: written whole by one real sync, every WP in its section (a file that is not a board yet is
  // refused since board adoption was hardened, so the sync makes it).
  const board = await new LocusEngine(store, { config: workspace.config, workspaceRoot: dir }).run(
    "sync_task_board",
    {},
  );
  if (!board.success) throw new Error(`load: board sync: ${board.error.message}`);
  return {
    dir,
    workspace,
    store,
    size,
    hubs,
    jobs: jobs + 1,
    edges,
    seconds: (performance.now() - started) / 1000,
  };
}
