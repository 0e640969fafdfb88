// `npm run bench`, PostgreSQL at team scale (issue 16, spec Phase 2: 100 concurrent users). 100 agents, each its
// own PostgresStore (one connection), work one workspace for a bounded time with the mix an agent team makes:
// look at ready work, claim, register and start an MT, record iterations, complete it, search, note a WP with
// compare-and-set (and retry on HSK-409-CONFLICT), while 10 of them are validators that pass the post-work gates
// the others ask for. Then the same 100 agents over 10 workspaces (10 each). After each run, nothing may be
// lost: every acknowledged note is on its WP, every claimed WP has one assignee, the chain verifies and replay
// equals live. Each is run twice: saturated (every agent sends its next job the moment the last one is answered:
// the most the server does, throughput only) and paced (an agent thinks between jobs, as one driven by a model
// does between tool calls: the latency section 12 holds to p99 < 50 ms).
// Run alone: node dist/bench/postgres-load-bench.js [--quick]
import "./locus-process.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { TrackedWorkPacket } from "../src/domain/records.js";
import { replayCheck, verifyStore } from "../src/operations/flight-recorder.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { parseWorkspaceConfig } from "../src/operations/workspace-config.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { postgresSkipReason, startPostgresCluster } from "../test/support/postgres-cluster.js";
import { prng } from "./bench-shape.js";
import { type BenchRow, renderTable, rowOf, valueRow } from "./bench-stats.js";

const log = (line: string) => process.stderr.write(`${line}\n`);
const AGENTS = 100;
const VALIDATORS = 10;
/**
 * A paced agent's pause before each job, uniform in [min, max) ms: 1 s on average, so the 100 agents offer ~100
 * jobs a second. Agents driven by a model wait seconds for each answer of the model between two tool calls; a
 * second is a busier team than that, and about half of what one workspace answers saturated on this machine.
 */
const THINK_MS = [500, 1_500] as const;
/** Section 12: 100 concurrent agents, p99 < 50 ms for each operation (paced runs). */
const PACED_P99_TARGET_MS = 50;
/**
 * Seconds a run works before its jobs are counted: each agent's first jobs open its connection's prepared
 * statements and its server process's caches (a team server's connections live for days). Paced agents start
 * spread over the first STAGGER_S (a round of ~10 jobs lasts ~10 s); started together they would move in step
 * and send their claims, their iterations and their notes in bursts no team sends.
 */
const WARM_UP_S = { saturated: 4, paced: 14 } as const;
const STAGGER_S = 10;
/** Thrown to a paced agent at the deadline. */
const TIME_UP = new Error("the run's time is up");
const config = parseWorkspaceConfig({ search: { provider: "hash" } });

interface Tally {
  samples: Map<string, number[]>;
  jobs: number;
  conflicts: number;
  retried: number;
  /** Notes acknowledged per WP: what the store must hold afterwards. */
  notes: Map<string, number>;
  claimed: Map<string, string>;
}

const newTally = (): Tally => ({
  samples: new Map(),
  jobs: 0,
  conflicts: 0,
  retried: 0,
  notes: new Map(),
  claimed: new Map(),
});

/** Seeds `count` ready WPs with their pre-work gate passed (a claim starts them). */
async function seed(url: string, count: number): Promise<void> {
  const store = await PostgresStore.open(url);
  try {
    const engine = new LocusEngine(store, { config });
    for (let i = 0; i < count; i++) {
      const wp_id = `WP-load-${i}`;
      for (const [operation, params] of [
        [
          "create_wp",
          {
            wp_id,
            title: `load item ${i}`,
            description: `work item ${i} for the agent team`,
            priority: i % 5,
          },
        ],
        ["update_wp", { wp_id, updates: { status: "ready" } }],
        ["gate_wp", { wp_id, gate: "pre_work", result: { status: "pass" } }],
      ] as const) {
        const result = await engine.run(operation, params);
        if (!result.success) throw new Error(`seed ${operation}: ${JSON.stringify(result.error)}`);
      }
    }
  } finally {
    await store.close();
  }
}

/** Runs the team on `urls` (agents spread over them evenly) until `seconds` pass. */
async function runTeam(
  urls: readonly string[],
  seconds: number,
  seeded: number,
  tally: Tally,
  paced: boolean,
): Promise<number> {
  const stores = await Promise.all(
    Array.from({ length: AGENTS }, (_, i) =>
      PostgresStore.open(urls[i % urls.length] as string, { poolSize: 1 }),
    ),
  );
  const measuredFrom = performance.now() + WARM_UP_S[paced ? "paced" : "saturated"] * 1000;
  const deadline = measuredFrom + seconds * 1000;
  // Per workspace: WPs whose MTs are done and that wait for a validator.
  const toValidate = urls.map(() => [] as string[]);
  const think = prng(urls.length + 11);
  const timedRun = async (engine: LocusEngine, operation: string, params: Record<string, unknown>) => {
    if (paced) await sleep(THINK_MS[0] + think() * (THINK_MS[1] - THINK_MS[0]));
    // A paced agent's round of jobs lasts ~10 s: it stops where it is at the deadline instead of finishing it.
    if (performance.now() >= deadline) throw TIME_UP;
    const started = performance.now();
    const result = await engine.run(operation, params);
    const elapsed = performance.now() - started;
    if (started < measuredFrom) return result;
    tally.jobs += 1;
    const list = tally.samples.get(operation) ?? [];
    list.push(elapsed);
    tally.samples.set(operation, list);
    return result;
  };
  // A note with compare-and-set: re-read the version, write, and on HSK-409-CONFLICT re-read and retry.
  const noteWithCas = async (engine: LocusEngine, ws: number, wpId: string, actor: string) => {
    for (let attempt = 0; ; attempt++) {
      const status = await timedRun(engine, "get_wp_status", { wp_id: wpId });
      if (!status.success) throw new Error(`status: ${JSON.stringify(status.error)}`);
      const version = (status.data.wp as TrackedWorkPacket).version;
      const noted = await timedRun(engine, "update_wp", {
        wp_id: wpId,
        note: `${actor} reports progress`,
        expected_version: version,
      });
      if (noted.success) {
        tally.notes.set(`${ws}:${wpId}`, (tally.notes.get(`${ws}:${wpId}`) ?? 0) + 1);
        return;
      }
      if (noted.error.code !== "HSK-409-CONFLICT") throw new Error(`note: ${JSON.stringify(noted.error)}`);
      tally.conflicts += 1;
      if (attempt === 0) tally.retried += 1;
    }
  };
  try {
    await Promise.all(
      stores.map(async (store, i) => {
        const ws = i % urls.length;
        const actor = i < VALIDATORS ? `validator-${i}` : `agent-${i}`;
        const engine = new LocusEngine(store, {
          config,
          surface: { actor, profile: i < VALIDATORS ? "Validator" : "Coder" },
        });
        try {
          if (paced) await sleep(think() * STAGGER_S * 1000);
          await agentRounds(engine, i, ws, actor);
        } catch (error) {
          if (error !== TIME_UP) throw error;
        }
      }),
    );
    return (performance.now() - measuredFrom) / 1000;
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
  /** One agent's rounds until the deadline: a validator gates, the others claim and do the work. */
  async function agentRounds(engine: LocusEngine, i: number, ws: number, actor: string): Promise<void> {
    for (let loop = 0; performance.now() < deadline; loop++) {
      if (i < VALIDATORS) {
        const wpId = toValidate[ws]?.shift();
        if (wpId === undefined) {
          await timedRun(engine, "query_ready", { limit: 5 });
          continue;
        }
        const gate = await timedRun(engine, "gate_wp", {
          wp_id: wpId,
          gate: "post_work",
          result: { status: "pass", notes: `checked by ${actor}` },
        });
        if (!gate.success) throw new Error(`gate: ${JSON.stringify(gate.error)}`);
        continue;
      }
      await timedRun(engine, "query_ready", { limit: 5 });
      if (loop % 5 === 4)
        await timedRun(engine, "search", { query: "agent team work item", mode: "keyword" });
      const claim = await timedRun(engine, "claim_wp", {});
      if (!claim.success) {
        if (claim.error.code !== "HSK-404-NOT-FOUND")
          throw new Error(`claim: ${JSON.stringify(claim.error)}`);
        continue; // nothing left to claim in this workspace
      }
      const wpId = claim.data.claimed as string;
      if (tally.claimed.has(`${ws}:${wpId}`)) throw new Error(`${wpId} claimed twice`);
      tally.claimed.set(`${ws}:${wpId}`, actor);
      const mt = { wp_id: wpId, mt_id: "MT-001" };
      for (const [operation, params] of [
        ["register_mts", { wp_id: wpId, micro_tasks: [{ mt_id: "MT-001", name: "do it" }] }],
        ["start_mt", mt],
        [
          "record_iteration",
          { ...mt, iteration: 1, model_id: "local:7b", outcome: "RETRY", tokens_prompt: 900 },
        ],
        [
          "record_iteration",
          { ...mt, iteration: 2, model_id: "local:7b", outcome: "SUCCESS", tokens_prompt: 1200 },
        ],
        ["complete_mt", mt],
      ] as const) {
        const result = await timedRun(engine, operation, params);
        if (!result.success) throw new Error(`${operation}: ${JSON.stringify(result.error)}`);
      }
      await noteWithCas(engine, ws, wpId, actor);
      // Now and then a note on someone else's WP, which its owner may be writing at the same moment.
      if (loop % 3 === 2)
        await noteWithCas(engine, ws, `WP-load-${(i * 7919 + loop * 104_729) % seeded}`, actor);
      toValidate[ws]?.push(wpId);
    }
  }
}

/** Nothing lost: notes, assignees, chain, replay; returns the problems found. */
async function lostUpdates(urls: readonly string[], tally: Tally): Promise<string[]> {
  const problems: string[] = [];
  for (const [ws, url] of urls.entries()) {
    const store = await PostgresStore.open(url);
    try {
      const state = await store.loadState();
      for (const [key, count] of tally.notes) {
        const [where, wpId] = key.split(":") as [string, string];
        if (Number(where) !== ws) continue;
        const wp = state.wps.get(wpId);
        const found = wp?.notes.filter((note) => note.content.endsWith("reports progress")).length ?? 0;
        if (found !== count) problems.push(`${wpId}: ${count} notes acknowledged, ${found} stored`);
      }
      for (const [key, actor] of tally.claimed) {
        const [where, wpId] = key.split(":") as [string, string];
        if (Number(where) !== ws) continue;
        const assignee = state.wps.get(wpId)?.assignee;
        if (assignee !== actor) problems.push(`${wpId}: claimed by ${actor}, assigned to ${assignee}`);
      }
      const chain = await verifyStore(store);
      if (!chain.ok) problems.push(`workspace ${ws}: chain broken at ${chain.first_bad_seq}`);
      const replayed = await replayCheck(store);
      if (!replayed.ok) problems.push(`workspace ${ws}: replay differs (${replayed.mismatches.length})`);
    } finally {
      await store.close();
    }
  }
  return problems;
}

/** The rows of one run. */
function rowsOf(
  label: string,
  seconds: number,
  tally: Tally,
  problems: string[],
  target: number,
): BenchRow[] {
  const rows = [
    valueRow(
      `load ${label}: throughput`,
      tally.jobs / seconds,
      "jobs/s",
      0,
      `${tally.jobs} jobs in ${seconds.toFixed(1)} s`,
    ),
  ];
  for (const operation of [
    "claim_wp",
    "query_ready",
    "record_iteration",
    "complete_mt",
    "search",
    "gate_wp",
    "update_wp",
  ]) {
    const samples = tally.samples.get(operation) ?? [];
    if (samples.length > 0)
      rows.push(rowOf(`load ${label}: ${operation}`, samples, target, 0, `${samples.length} calls`));
  }
  rows.push(
    valueRow(
      `load ${label}: conflicts`,
      tally.conflicts,
      "409s",
      0,
      `coded HSK-409-CONFLICT on compare-and-set notes, each retried after a re-read (${tally.retried} notes needed it)`,
    ),
    valueRow(
      `load ${label}: lost updates`,
      problems.length,
      "problems",
      0,
      problems.length === 0
        ? "none: every acknowledged note and claim is stored; chain and replay pass"
        : problems.slice(0, 3).join("; "),
    ),
  );
  return rows;
}

/** Runs the load bench. */
export async function runPostgresLoadBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const skip = postgresSkipReason();
  if (skip !== undefined) return [valueRow("load: 100 agents (postgres)", 0, "-", 0, `skipped: ${skip}`)];
  const seconds = options.quick ? 5 : 20;
  const perWorkspace = options.quick ? 400 : 1_500;
  const cluster = await startPostgresCluster();
  try {
    const database = await cluster.createDatabase("locus_load");
    const workspaces = (name: string, count: number) =>
      Array.from({ length: count }, (_, i) => `${database}?workspace=${name}-${i}`);
    log(
      `load bench: seeding ${perWorkspace} ready WPs in 1 workspace and ${perWorkspace / 10} in each of 10, twice`,
    );
    const rows: BenchRow[] = [];
    for (const paced of [false, true]) {
      const mode = paced ? "paced" : "saturated";
      for (const urls of [workspaces(`${mode}-one`, 1), workspaces(`${mode}-ten`, 10)]) {
        const seeded = perWorkspace / urls.length;
        for (const url of urls) await seed(url, seeded);
        const label = `${AGENTS} agents, ${urls.length} workspace${urls.length > 1 ? "s" : ""}, ${mode}`;
        log(`  ${label}: ${seconds} s`);
        const tally = newTally();
        const took = await runTeam(urls, seconds, seeded, tally, paced);
        const target = paced ? PACED_P99_TARGET_MS : 0;
        rows.push(...rowsOf(`${label} (postgres)`, took, tally, await lostUpdates(urls, tally), target));
      }
    }
    return rows;
  } finally {
    await cluster.stop();
  }
}

if (process.argv[1]?.endsWith("postgres-load-bench.js")) {
  const rows = await runPostgresLoadBench({ quick: process.argv.includes("--quick") });
  process.stdout.write(`${renderTable(rows)}\n`);
}
