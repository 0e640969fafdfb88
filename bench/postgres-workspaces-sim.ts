// `npm run bench`, PostgreSQL part (issue 16, docs/SCALING.md): 1,000 workspaces on one server. Workspaces are
// Locus' shard key: every row carries its workspace_id, every index leads with it, and every job locks only its
// own workspace's row. This measures what that costs as a server fills up: the per-job cost (create_wp,
// update_wp, query_ready, keyword search) in random workspaces while 1, 10, 100 and 1,000 workspaces exist, the cost of opening a
// workspace, the bytes of tables and indexes (pg_total_relation_size, pg_relation_size) per workspace and per WP,
// the per-job cost as one workspace grows from 100 to 10,000 WPs, and jobs/s of 4 writers sharing one workspace
// against 4 writers in 4 (the isolation control). A few minutes; run alone: node dist/bench/postgres-workspaces-sim.js
// [--quick]
import "./locus-process.js";
import pg from "pg";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { parseWorkspaceConfig } from "../src/operations/workspace-config.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { postgresSkipReason, startPostgresCluster } from "../test/support/postgres-cluster.js";
import { type BenchRow, renderTable, rowOf, timed, valueRow } from "./bench-stats.js";
import { measureAppendLock } from "./postgres-contention-bench.js";

const log = (line: string) => process.stderr.write(`${line}\n`);
const config = parseWorkspaceConfig({ search: { provider: "hash", drain_before_search: 0 } });

/** The sizes of a run: workspace counts measured at, WPs each, sampled workspaces, one workspace's growth. */
interface SimShape {
  checkpoints: number[];
  wpsPerWorkspace: number;
  sampled: number;
  jobsPerSample: number;
  growth: number[];
}
const FULL: SimShape = {
  checkpoints: [1, 10, 100, 1_000],
  wpsPerWorkspace: 10,
  sampled: 20,
  jobsPerSample: 10,
  growth: [100, 1_000, 10_000],
};
const QUICK: SimShape = {
  checkpoints: [1, 10, 100],
  wpsPerWorkspace: 5,
  sampled: 10,
  jobsPerSample: 5,
  growth: [100, 1_000],
};

/** Per-job samples of one measuring round. */
interface JobSamples {
  create: number[];
  update: number[];
  ready: number[];
  keyword: number[];
}

/** Fills `engine`'s workspace with `count` WPs (ids from `from`), half of them ready; one job each. */
async function fill(engine: LocusEngine, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const wp_id = `WP-SIM-${i}`;
    const created = await engine.run("create_wp", {
      wp_id,
      title: `simulated work item ${i} of a team`,
      description: `work item ${i}: part of the simulated deployment`,
      priority: i % 5,
      labels: [`area-${i % 7}`],
    });
    if (!created.success) throw new Error(`create_wp: ${JSON.stringify(created.error)}`);
    if (i % 2 === 0) await engine.run("update_wp", { wp_id, updates: { status: "ready" } });
  }
}

/** Runs `jobs` create_wp, update_wp and query_ready jobs on `engine`, adding their times to `into`. */
async function sample(engine: LocusEngine, tag: string, jobs: number, into: JobSamples): Promise<void> {
  for (let n = 0; n < jobs; n++) {
    const wp_id = `WP-M-${tag}-${n}`;
    const params = { wp_id, title: `measured item ${n}`, description: "measured", labels: ["measured"] };
    into.create.push(await timed(() => engine.run("create_wp", params), "create_wp"));
    const updates = { wp_id, updates: { title: `measured item ${n}, retitled`, priority: n % 5 } };
    into.update.push(await timed(() => engine.run("update_wp", updates), "update_wp"));
    into.ready.push(await timed(() => engine.run("query_ready", { limit: 20 }), "query_ready"));
    // The keyword index (GIN over tsvector) is the one index that does not lead with workspace_id.
    const search = { query: `simulated team ${n}`, mode: "keyword", limit: 20 };
    into.keyword.push(await timed(() => engine.run("search", search), "search"));
  }
}

const empty = (): JobSamples => ({ create: [], update: [], ready: [], keyword: [] });

function jobRows(samples: JobSamples, at: string): BenchRow[] {
  return [
    rowOf(`create_wp, ${at} (postgres)`, samples.create, 5, 50),
    rowOf(`update_wp, ${at} (postgres)`, samples.update, 5, 30),
    rowOf(`query_ready limit 20, ${at} (postgres)`, samples.ready, 10, 100),
    rowOf(`search (keyword) limit 20, ${at} (postgres)`, samples.keyword, 50, 200),
  ];
}

/** Opens a workspace of `database` with one connection (a server holding many workspaces opens them on demand). */
const openWorkspace = (database: string, index: number): Promise<PostgresStore> =>
  PostgresStore.open(`${database}?workspace=sim-${index}`, { poolSize: 1 });

/** Workspace counts 1 .. 1,000: each new one gets its WPs, then random ones are measured. */
async function growWorkspaces(database: string, shape: SimShape, random: () => number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let existing = 0;
  for (const checkpoint of shape.checkpoints) {
    const opens: number[] = [];
    const started = performance.now();
    for (; existing < checkpoint; existing++) {
      const opened = performance.now();
      const store = await openWorkspace(database, existing);
      opens.push(performance.now() - opened);
      try {
        await fill(new LocusEngine(store, { config }), 0, shape.wpsPerWorkspace);
      } finally {
        await store.close();
      }
    }
    log(`  ${checkpoint} workspaces filled (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    const samples = empty();
    for (let s = 0; s < shape.sampled; s++) {
      const index = Math.floor(random() * checkpoint);
      const store = await openWorkspace(database, index);
      try {
        await sample(new LocusEngine(store, { config }), `${checkpoint}-${s}`, shape.jobsPerSample, samples);
      } finally {
        await store.close();
      }
    }
    rows.push(...jobRows(samples, `${checkpoint} workspaces of ~${shape.wpsPerWorkspace} WPs`));
    if (opens.length > 0)
      rows.push(
        rowOf(`open a new workspace, ${checkpoint} exist (postgres)`, opens, 50, 0, "migration check + row"),
      );
  }
  return rows;
}

/** One workspace grown to each size in `shape.growth`, measured at each. */
async function growOneWorkspace(database: string, shape: SimShape): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const store = await PostgresStore.open(`${database}?workspace=sim-large`, { poolSize: 1 });
  try {
    const engine = new LocusEngine(store, { config });
    let size = 0;
    for (const target of shape.growth) {
      const started = performance.now();
      await fill(engine, size, target - size);
      size = target;
      log(`  one workspace at ${size} WPs (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      const samples = empty();
      await sample(engine, `large-${size}`, shape.sampled * shape.jobsPerSample, samples);
      rows.push(...jobRows(samples, `one workspace of ${size} WPs`));
    }
  } finally {
    await store.close();
  }
  return rows;
}

/** Bytes of each table with its indexes, of the largest indexes, and per workspace and per WP. */
async function sizes(database: string): Promise<BenchRow[]> {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    await client.query("VACUUM ANALYZE");
    const mb = (bytes: unknown) => Number(bytes) / 1024 / 1024;
    const tables = await client.query(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS total, pg_relation_size(c.oid) AS heap,
         pg_indexes_size(c.oid) AS indexes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 8`,
    );
    const indexes = await client.query(
      `SELECT c.relname AS name, pg_relation_size(c.oid) AS bytes FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'i'
       ORDER BY pg_relation_size(c.oid) DESC LIMIT 6`,
    );
    const counts = (
      await client.query(
        "SELECT (SELECT COUNT(*) FROM workspaces) AS workspaces, (SELECT COUNT(*) FROM work_packets) AS wps",
      )
    ).rows[0] as { workspaces: string; wps: string };
    const total = (await client.query("SELECT pg_database_size(current_database()) AS bytes")).rows[0].bytes;
    const rows = [
      valueRow(
        `database size, ${counts.workspaces} workspaces, ${counts.wps} WPs (postgres)`,
        mb(total),
        "MB",
        0,
        `${(Number(total) / Number(counts.wps) / 1024).toFixed(1)} KB per WP, whole database`,
      ),
    ];
    for (const t of tables.rows)
      rows.push(
        valueRow(
          `table ${t.name} with indexes (postgres)`,
          mb(t.total),
          "MB",
          0,
          `heap ${mb(t.heap).toFixed(1)} MB, indexes ${mb(t.indexes).toFixed(1)} MB`,
        ),
      );
    for (const i of indexes.rows) rows.push(valueRow(`index ${i.name} (postgres)`, mb(i.bytes), "MB"));
    return rows;
  } finally {
    await client.end();
  }
}

/** Runs the simulation; one skip row with the reason when PostgreSQL is not installed. */
export async function runWorkspacesSimBench(options: { quick?: boolean } = {}): Promise<BenchRow[]> {
  const skip = postgresSkipReason();
  if (skip !== undefined)
    return [valueRow("1,000 workspaces simulation (postgres)", 0, "-", 0, `skipped: ${skip}`)];
  const shape = options.quick ? QUICK : FULL;
  const cluster = await startPostgresCluster();
  try {
    const database = await cluster.createDatabase("locus_workspaces");
    let seed = 16;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    log(
      `workspaces simulation: up to ${shape.checkpoints.at(-1)} workspaces, then one of ${shape.growth.at(-1)} WPs`,
    );
    const rows = await growWorkspaces(database, shape, random);
    rows.push(...(await sizes(database)));
    rows.push(...(await growOneWorkspace(database, shape)));
    log("  isolation: 4 writers on one workspace against 4 on four, beside the workspaces above");
    rows.push(...(await measureAppendLock(database, options.quick ? 25 : 100)));
    return rows;
  } finally {
    await cluster.stop();
  }
}

const isMain = process.argv[1]?.endsWith("postgres-workspaces-sim.js") ?? false;
if (isMain) {
  const rows = await runWorkspacesSimBench({ quick: process.argv.includes("--quick") });
  process.stdout.write(`${renderTable(rows)}\n`);
}
