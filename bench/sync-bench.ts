// Replica sync (section 13, issue 12): 10K new events pulled from one SQLite replica into another (target
// < 1 s; the spec says < 2 s), and from SQLite into PostgreSQL (spec < 5 s), each a whole sync_events job
// through the envelope: read in pages, judged job by job, appended, the touched WPs folded again. Also a sync
// with nothing new (the cursor makes it cheap). Run alone: node dist/bench/sync-bench.js [--quick]
import "./locus-process.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { steppingClock } from "../src/domain/clock.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../src/store/store-port.js";
import { postgresSkipReason, startPostgresCluster } from "../test/support/postgres-cluster.js";
import { type BenchRow, renderTable, rowOf, timed, valueRow } from "./bench-stats.js";

const log = (line: string) => process.stderr.write(`${line}\n`);
/** Events the source replica holds: each create_wp job writes 2 (its capability decision and the WP). */
const EVENTS = 10_000;

/** A SQLite replica holding EVENTS events of new work; returns its path. */
async function sourceReplica(dir: string): Promise<string> {
  const path = join(dir, "source.db");
  const store = SqliteStore.open(path);
  const engine = new LocusEngine(store, { clock: steppingClock("2026-06-01T00:00:00.000Z", 1) });
  for (let i = 0; i < EVENTS / 2; i++) {
    const result = await engine.run("create_wp", { title: `replicated work ${i}`, labels: ["sync"] });
    if (!result.success) throw new Error(JSON.stringify(result));
  }
  await store.close();
  return path;
}

/**
 * A SQLite replica whose log holds about EVENTS events of work in progress: WPs taken through their life (ready,
 * gate, two MTs registered, started, iterated and completed, post-work gate, done), with the queries an agent
 * makes between steps; the shape of a day's log rather than a bulk load. Returns its path and event count.
 */
async function workingReplica(dir: string): Promise<{ path: string; events: number }> {
  const path = join(dir, "working.db");
  const store = SqliteStore.open(path);
  const engine = new LocusEngine(store, { clock: steppingClock("2026-06-02T00:00:00.000Z", 1) });
  const must = async (operation: string, params: Record<string, unknown>) => {
    const result = await engine.run(operation, params);
    if (!result.success) throw new Error(`${operation}: ${JSON.stringify(result.error)}`);
    return result.data;
  };
  for (let head = 0; head < EVENTS; ) {
    const wp = ((await must("create_wp", { title: `work item ${head}` })).wp as { wp_id: string }).wp_id;
    await must("update_wp", { wp_id: wp, updates: { status: "ready" } });
    await must("gate_wp", { wp_id: wp, gate: "pre_work", result: { status: "pass" } });
    const mts = [
      { mt_id: "MT-001", name: "build" },
      { mt_id: "MT-002", name: "test" },
    ];
    await must("register_mts", { wp_id: wp, micro_tasks: mts });
    for (const { mt_id } of mts) {
      await must("start_mt", { wp_id: wp, mt_id });
      await must("record_iteration", {
        wp_id: wp,
        mt_id,
        iteration: 1,
        model_id: "coder",
        outcome: "SUCCESS",
      });
      await must("complete_mt", { wp_id: wp, mt_id });
      await must("get_wp_status", { wp_id: wp });
    }
    await must("gate_wp", { wp_id: wp, gate: "post_work", result: { status: "pass" } });
    await must("query_ready", { limit: 5 });
    head = (await store.transaction((tx) => tx.chainHead())).seq;
  }
  const events = (await store.transaction((tx) => tx.chainHead())).seq;
  await store.close();
  return { path, events };
}

/** Times pulling the source into fresh stores made by `fresh`; `runs` samples. */
async function pullInto(fresh: () => Promise<LocusStore>, source: string, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const store = await fresh();
    const engine = new LocusEngine(store);
    samples.push(await timed(() => engine.run("sync_events", { peer: source, direction: "pull" }), "sync"));
    const again = await timed(() => engine.run("sync_events", { peer: source, direction: "pull" }), "sync");
    if (run === 0) samples.push(-again); // negative marks the no-op sync, split out below
    await store.close();
  }
  return samples;
}

/** Runs the sync bench. */
export async function runSyncBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "locus-sync-bench-"));
  const runs = options.quick ? 2 : 5;
  try {
    log(`sync bench: writing ${EVENTS} events on a SQLite replica`);
    const source = await sourceReplica(dir);
    let count = 0;
    log("  pulling into fresh SQLite replicas");
    const sqlite = await pullInto(
      async () => SqliteStore.open(join(dir, `target-${count++}.db`)),
      source,
      runs,
    );
    log(`  writing ~${EVENTS} events of work in progress`);
    const working = await workingReplica(dir);
    const day = await pullInto(
      async () => SqliteStore.open(join(dir, `day-${count++}.db`)),
      working.path,
      runs,
    );
    const rows = [
      rowOf(
        `sync: pull ${working.events} new events of WPs at work SQLite -> SQLite`,
        day.filter((s) => s > 0),
        1_000,
        2_000,
        "WPs through their life, with queries",
      ),
      rowOf(
        `sync: pull 10K new events SQLite -> SQLite, 5,000 new WPs`,
        sqlite.filter((s) => s > 0),
        1_000,
        2_000,
        "bulk: every other event creates a WP",
      ),
      rowOf(
        `sync: pull with nothing new (SQLite)`,
        sqlite.filter((s) => s < 0).map((s) => -s),
        50,
        0,
      ),
    ];
    const skip = postgresSkipReason();
    if (skip !== undefined) {
      rows.push(valueRow("sync: pull 10K new events SQLite -> PostgreSQL", 0, "-", 0, `skipped: ${skip}`));
      return rows;
    }
    const cluster = await startPostgresCluster();
    try {
      const database = await cluster.createDatabase("locus_sync_bench");
      log("  pulling into fresh PostgreSQL workspaces");
      const pg = await pullInto(
        async () => PostgresStore.open(`${database}?workspace=w${count++}`),
        source,
        runs,
      );
      rows.push(
        rowOf(
          `sync: pull 10K new events SQLite -> PostgreSQL`,
          pg.filter((s) => s > 0),
          5_000,
          5_000,
        ),
      );
    } finally {
      await cluster.stop();
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("sync-bench.js")) {
  const rows = await runSyncBench({ quick: process.argv.includes("--quick") });
  process.stdout.write(`${renderTable(rows)}\n`);
}
