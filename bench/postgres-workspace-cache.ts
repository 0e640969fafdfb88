// The large PostgreSQL workspace of the PostgreSQL bench (issue 16: its targets are set at 100K WPs), made once
// and kept between runs in a temp folder, because making it takes many minutes on this machine.
//
// How it is made, only through Locus' own write path:
// 1. bench/workspace-generator.ts builds the workspace on SQLite: every job through the envelope (events, chain,
//    Bronze, keyword index), many jobs per COMMIT. Kept as `sqlite-<size>-v<n>/`.
// 2. One `sync_events` job pulls its log into an empty PostgreSQL workspace, store to store, as a team moving to a
//    server would: every job judged and appended to the PostgreSQL chain, the touched WPs and edges folded again
//    from the log, their Bronze snapshots written and their search entries indexed.
// 3. `locus index` (drainEmbeddingQueue) embeds the waiting chunks with the hash provider (512 dimensions, the
//    local model's shape; the benches measure the search path, not a model); `events verify` checks the chain;
//    VACUUM ANALYZE as after any bulk load. The cluster is kept as `postgres-<size>-v<n>/`, database SEED.
// Each run measures a copy of SEED (CREATE DATABASE ... TEMPLATE, a file copy), so every run starts from the same
// workspace and the cached one never changes. Bump CACHE_VERSION when the generator's shape changes.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { verifyStore } from "../src/operations/flight-recorder.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { drainEmbeddingQueue } from "../src/operations/search/search-maintenance.js";
import { parseWorkspaceConfig } from "../src/operations/workspace-config.js";
import { HashEmbeddingProvider } from "../src/search/hash-embedding-provider.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { type PostgresCluster, startPostgresCluster } from "../test/support/postgres-cluster.js";
import { hubsOf } from "./bench-shape.js";
import { generateWorkspace } from "./workspace-generator.js";

/** Bumped when bench-shape.ts or workspace-generator.ts change what a workspace holds: old caches are ignored. */
const CACHE_VERSION = 1;
/** The filled database in the kept cluster; runs measure copies of it. */
const SEED = "locus_seed";
/** The workspace name inside it (`?workspace=`). */
export const CACHED_WORKSPACE = "bench";

/** The cache folder: LOCUS_BENCH_CACHE, else <tmp>/locus-bench-cache (short: the cluster's unix socket is in it). */
export function benchCacheFolder(): string {
  return process.env["LOCUS_BENCH_CACHE"] ?? join(tmpdir(), "locus-bench-cache");
}

/** What making the cached workspace took, as recorded when it was made. */
export interface FillReport {
  size: number;
  edges: number;
  /** Jobs of the SQLite generation and its seconds (wall). */
  jobs: number;
  generate_s: number;
  /** Events the PostgreSQL chain holds after the sync, and the sync's seconds (wall). */
  events: number;
  sync_s: number;
  chunks_embedded: number;
  embed_s: number;
  verify_s: number;
  /** CPU seconds of the filling process (user + system) for the sync, embedding and verify steps. */
  fill_cpu_s: number;
}

/** A running copy of the cached workspace, for one run of the bench. */
export interface CachedPostgresWorkspace {
  cluster: PostgresCluster;
  /** The URL of this run's copy of the database (dropped by `release`). */
  database: string;
  size: number;
  hubs: number[];
  fill: FillReport;
  /** Seconds this run waited for the cache (0 when everything was cached) and for the database copy. */
  prepare_s: number;
  copy_s: number;
  /** Drops the copy and stops the kept cluster cleanly. */
  release(): Promise<void>;
}

const seconds = (since: number): number => Math.round((performance.now() - since) / 100) / 10;
const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1e5) / 10;
};

/** The SQLite workspace of `size` WPs, generated once (a half-made one is never reused: it is renamed when done). */
async function sqliteSource(
  size: number,
  log: (line: string) => void,
): Promise<{ db: string; edges: number; jobs: number; generate_s: number }> {
  const dir = join(benchCacheFolder(), `sqlite-${size}-v${CACHE_VERSION}`);
  const marker = join(dir, "generated.json");
  const db = join(dir, ".locus", "locus.db");
  if (existsSync(marker))
    return {
      db,
      ...(JSON.parse(readFileSync(marker, "utf8")) as { edges: number; jobs: number; generate_s: number }),
    };
  log(`  generating ${size} WPs on SQLite (cached afterwards in ${dir})`);
  const generated = await generateWorkspace(size, log);
  await generated.store.close();
  rmSync(dir, { recursive: true, force: true });
  renameSync(generated.dir, dir);
  const made = { edges: generated.edges, jobs: generated.jobs, generate_s: Math.round(generated.seconds) };
  writeFileSync(marker, `${JSON.stringify(made)}\n`);
  return { db, ...made };
}

/** The URL of the seed database in the kept cluster. */
const seedUrl = (cluster: PostgresCluster): string => cluster.url.replace(/\/postgres$/, `/${SEED}`);

/** One statement on a connection of its own (the harness's; the store never needs these). */
async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Fills SEED from the SQLite source: sync_events, embedding, verify, VACUUM ANALYZE. */
async function fillSeed(
  cluster: PostgresCluster,
  source: { db: string; edges: number; jobs: number; generate_s: number },
  size: number,
  log: (line: string) => void,
): Promise<FillReport> {
  await admin(cluster.url, `DROP DATABASE IF EXISTS ${SEED}`);
  const url = await cluster.createDatabase(SEED);
  const store = await PostgresStore.open(`${url}?workspace=${CACHED_WORKSPACE}`);
  const cpu = process.cpuUsage();
  try {
    const config = parseWorkspaceConfig({ search: { provider: "hash" } });
    const engine = new LocusEngine(store, { config });
    log(`  pulling the SQLite log into PostgreSQL (one sync_events job)`);
    let started = performance.now();
    const synced = await engine.run("sync_events", { peer: source.db, direction: "pull" });
    if (!synced.success) throw new Error(`fill: sync_events: ${JSON.stringify(synced.error)}`);
    const sync_s = seconds(started);
    log(
      `  synced in ${sync_s} s: ${JSON.stringify({ ...synced.data, conflicts: undefined, refused: undefined })}`,
    );
    if ((synced.data.refused as unknown[]).length > 0) throw new Error("fill: the sync refused jobs");
    started = performance.now();
    const provider = new HashEmbeddingProvider();
    const chunks_embedded = await drainEmbeddingQueue(store, provider, { batchSize: 512 });
    const embed_s = seconds(started);
    log(`  embedded ${chunks_embedded} chunks in ${embed_s} s (hash provider)`);
    started = performance.now();
    const chain = await verifyStore(store);
    if (!chain.ok) throw new Error(`fill: the chain does not verify: ${JSON.stringify(chain)}`);
    const verify_s = seconds(started);
    const events = (await store.transaction((tx) => tx.chainHead())).seq;
    log(`  chain of ${events} events verified in ${verify_s} s`);
    const fill_cpu_s = cpuSeconds(cpu);
    return {
      size,
      edges: source.edges,
      jobs: source.jobs,
      generate_s: source.generate_s,
      events,
      sync_s,
      chunks_embedded,
      embed_s,
      verify_s,
      fill_cpu_s,
    };
  } finally {
    await store.close();
    await admin(url, "VACUUM ANALYZE");
    await admin(url, "CHECKPOINT");
  }
}

/**
 * The cached workspace of `size` WPs, made first when it is not cached (tens of minutes at 100K), started, and
 * copied into a database of this run's.
 */
export async function openCachedPostgresWorkspace(
  size: number,
  log: (line: string) => void,
): Promise<CachedPostgresWorkspace> {
  const started = performance.now();
  const folder = benchCacheFolder();
  mkdirSync(folder, { recursive: true });
  const keptIn = join(folder, `postgres-${size}-v${CACHE_VERSION}`);
  const marker = join(folder, `postgres-${size}-v${CACHE_VERSION}.json`);
  let fill: FillReport | undefined = existsSync(marker)
    ? (JSON.parse(readFileSync(marker, "utf8")) as FillReport)
    : undefined;
  if (fill === undefined) rmSync(keptIn, { recursive: true, force: true });
  const source = fill === undefined ? await sqliteSource(size, log) : undefined;
  const cluster = await startPostgresCluster({ keptIn });
  try {
    if (fill === undefined && source !== undefined) {
      fill = await fillSeed(cluster, source, size, log);
      writeFileSync(marker, `${JSON.stringify(fill, null, 2)}\n`);
    }
    // The seed follows this build's schema (migrations run at open), once, not in every run's copy.
    await (await PostgresStore.open(`${seedUrl(cluster)}?workspace=${CACHED_WORKSPACE}`)).close();
    const prepare_s = seconds(started);
    const copyStarted = performance.now();
    const run = "locus_bench_run";
    await admin(cluster.url, `DROP DATABASE IF EXISTS ${run}`);
    await admin(cluster.url, `CREATE DATABASE ${run} TEMPLATE ${SEED} STRATEGY FILE_COPY`);
    const database = cluster.url.replace(/\/postgres$/, `/${run}`);
    const copy_s = seconds(copyStarted);
    log(`  copied the cached ${size}-WP database in ${copy_s} s`);
    return {
      cluster,
      database,
      size,
      hubs: hubsOf(size),
      fill: fill as FillReport,
      prepare_s,
      copy_s,
      async release() {
        try {
          await admin(cluster.url, `DROP DATABASE IF EXISTS ${run}`);
        } finally {
          await cluster.stop();
        }
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

if (process.argv[1]?.endsWith("postgres-workspace-cache.js")) {
  // Makes (or checks) the cache: node dist/bench/postgres-workspace-cache.js [size, default 100000]
  const size = Number(process.argv[2] ?? 100_000);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const cached = await openCachedPostgresWorkspace(size, log);
  process.stdout.write(`${JSON.stringify(cached.fill, null, 2)}\n`);
  await cached.release();
}
