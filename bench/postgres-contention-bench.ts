// `npm run bench`, PostgreSQL part (issue 6: "serialize appends where needed and measure what that costs"). Every
// write job of a workspace takes that workspace's row lock first (postgres-store.ts, begin), so the chain stays
// gap-free; this measures what it costs: create_wp jobs/s with 1 client, with N clients writing one workspace at
// once (they queue on the lock), and with N clients each writing its own workspace of the same database (no
// shared lock: the control). Each client is its own PostgresStore, so its own connection pool. Fresh, empty
// workspaces: the figures compare the lock, not the 10K-WP workspace's indexes.
import { verifyStore } from "../src/operations/flight-recorder.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { parseWorkspaceConfig } from "../src/operations/workspace-config.js";
import { PostgresStore } from "../src/store/postgres/postgres-store.js";
import { type BenchRow, valueRow } from "./bench-stats.js";

/** Clients of the concurrent runs. */
const CLIENTS = 4;

/** Runs `jobsPerClient` create_wp jobs on each of `workspaces.length` clients at once; returns jobs/s. */
async function jobsPerSecond(database: string, workspaces: readonly string[], jobsPerClient: number) {
  const config = parseWorkspaceConfig({ search: { provider: "hash" } });
  const stores = await Promise.all(
    workspaces.map((ws) => PostgresStore.open(`${database}?workspace=${ws}`, { poolSize: 1 })),
  );
  try {
    const engines = stores.map((store) => new LocusEngine(store, { config }));
    const started = performance.now();
    await Promise.all(
      engines.map(async (engine, client) => {
        for (let n = 0; n < jobsPerClient; n++) {
          const result = await engine.run("create_wp", {
            title: `contention client ${client} job ${n}`,
            description: "measures the workspace append lock",
            priority: n % 5,
          });
          if (!result.success) throw new Error(`create_wp failed: ${JSON.stringify(result.error)}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // The lock is what keeps the chain valid under contention: check it, outside the timing.
    const verified = new Set<string>();
    for (const store of stores) {
      if (verified.has(store.workspace)) continue;
      verified.add(store.workspace);
      const report = await verifyStore(store);
      if (!report.ok) throw new Error(`chain broken after the contention run: ${JSON.stringify(report)}`);
    }
    return (workspaces.length * jobsPerClient) / seconds;
  } finally {
    await Promise.all(stores.map((store) => store.close()));
  }
}

/** Three rows: jobs/s with 1 client, N clients on one workspace, N clients on N workspaces. */
export async function measureAppendLock(database: string, jobsPerClient: number): Promise<BenchRow[]> {
  const one = await jobsPerSecond(database, ["lock-single"], jobsPerClient);
  const shared = await jobsPerSecond(database, Array(CLIENTS).fill("lock-shared"), jobsPerClient);
  const separate = await jobsPerSecond(
    database,
    Array.from({ length: CLIENTS }, (_, i) => `lock-separate-${i}`),
    jobsPerClient,
  );
  const jobs = `${jobsPerClient} create_wp per client`;
  return [
    valueRow("append lock: 1 client, 1 workspace (postgres)", one, "jobs/s", 0, jobs),
    valueRow(
      `append lock: ${CLIENTS} clients, 1 workspace (postgres)`,
      shared,
      "jobs/s",
      0,
      `${jobs}; ${(shared / one).toFixed(2)}x one client: writers of one workspace queue on its row lock`,
    ),
    valueRow(
      `append lock: ${CLIENTS} clients, ${CLIENTS} workspaces (postgres)`,
      separate,
      "jobs/s",
      0,
      `${jobs}; no shared lock (control); the lock costs ${(100 * (1 - shared / separate)).toFixed(0)}% here`,
    ),
  ];
}
