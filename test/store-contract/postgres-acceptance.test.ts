import assert from "node:assert/strict";
import { it } from "node:test";
import { postgresBackend } from "../support/stores.js";
import type { ClientPlan, ClientReport } from "./concurrency-client.js";
import {
  assertConsistent,
  createSharedWps,
  openUrl,
  runInProcess,
  runInThisProcess,
} from "./concurrency-support.js";

// Issue 6 acceptance: 32 concurrent clients (separate connection pools; 8 of them separate processes) doing 200
// random operations each (create, update and claim by expected_version, add_dependency, gates) against one
// PostgreSQL workspace: no lost update, no duplicate claim, the chain verifies and replay equals the live state.
const CLIENTS = 32;
const PROCESSES = 8;
const OPERATIONS = 200;

it("32 concurrent clients x 200 operations on one PostgreSQL workspace stay exact", {
  skip: postgresBackend.skip,
}, async () => {
  const { url, cleanup } = await postgresBackend.location();
  const store = await openUrl(url);
  try {
    const shared = Array.from({ length: 12 }, (_, index) => `WP-SHARED-${index}`);
    const setup = await createSharedWps(store, shared);
    const started = performance.now();
    const plans: ClientPlan[] = Array.from({ length: CLIENTS }, (_, index) => ({
      client: `c${index}`,
      sharedWps: shared,
      operations: OPERATIONS,
      seed: 1000 + index,
    }));
    const reports: ClientReport[] = await Promise.all(
      plans.map((plan, index) => (index < PROCESSES ? runInProcess(url, plan) : runInThisProcess(url, plan))),
    );
    const seconds = (performance.now() - started) / 1000;
    const jobs = reports.reduce((n, report) => n + report.operations, 0);
    assert.ok(jobs >= CLIENTS * OPERATIONS);
    await assertConsistent(store, [setup, ...reports]);
    const conflicts = reports.reduce((n, report) => n + (report.refusals["HSK-409-CONFLICT"] ?? 0), 0);
    // The race must really have happened: lost compare-and-set races are refused, never silently applied.
    assert.ok(conflicts > 0, "no compare-and-set conflict happened: the clients did not race");
    const claims = reports.flatMap((report) => report.claims).length;
    process.stdout.write(
      `acceptance: ${jobs} jobs in ${seconds.toFixed(1)} s (${Math.round(jobs / seconds)} jobs/s), ` +
        `${conflicts} conflicts, ${claims} claims, ${(await store.readEvents()).length} events\n`,
    );
  } finally {
    await store.close();
    await cleanup();
  }
});
