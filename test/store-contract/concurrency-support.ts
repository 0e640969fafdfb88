// Runs concurrency clients in this process (each with its own store: its own connection pool or SQLite
// connection) and in child processes (engine-worker.js), and checks the outcome against the contract.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { type ClientPlan, type ClientReport, runClient } from "./concurrency-client.js";

const WORKER = fileURLToPath(new URL("./engine-worker.js", import.meta.url));

/** Opens one more store (a separate connection or pool) on `url`. */
export const openUrl = (url: string): Promise<LocusStore> => openStore(parseStoreUrl(url, process.cwd()));

/** Creates the shared WPs (status ready) through the envelope; the returned report holds their writes. */
export async function createSharedWps(store: LocusStore, wpIds: readonly string[]): Promise<ClientReport> {
  const engine = new LocusEngine(store);
  const report: ClientReport = { client: "setup", writes: [], claims: [], refusals: {}, operations: 0 };
  for (const wpId of wpIds) {
    for (const result of [
      await engine.run("create_wp", { wp_id: wpId, title: wpId }),
      await engine.run("update_wp", { wp_id: wpId, updates: { status: "ready" } }),
    ]) {
      assert.ok(result.success, JSON.stringify(result));
      const wp = result.data.wp as { wp_id: string; version: number };
      report.writes.push({ wp_id: wp.wp_id, version: wp.version });
    }
  }
  return report;
}

/** Runs `plan` in a child process against `url`. */
export function runInProcess(url: string, plan: ClientPlan): Promise<ClientReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [WORKER, url, JSON.stringify(plan)],
      { maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`worker ${plan.client} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as ClientReport);
      },
    );
  });
}

/** Runs `plan` in this process on a store of its own. */
export async function runInThisProcess(url: string, plan: ClientPlan): Promise<ClientReport> {
  const store = await openUrl(url);
  try {
    return await runClient(new LocusEngine(store), plan);
  } finally {
    await store.close();
  }
}

/**
 * The contract after concurrent clients: seq gap-free and the chain valid (6), replay equals the live state, no
 * lost update (each WP's successful writes produced versions 2..final exactly once: 4 compare-and-set), and no
 * WP claimed twice.
 */
export async function assertConsistent(store: LocusStore, reports: readonly ClientReport[]): Promise<void> {
  const events = await store.readEvents();
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, index) => index + 1),
    "seq is gap-free",
  );
  const chain = await verifyStore(store);
  assert.equal(chain.ok, true, JSON.stringify(chain));
  const replay = await replayCheck(store);
  assert.equal(replay.ok, true, replay.mismatches.join("\n"));

  const live = await store.loadState();
  const versions = new Map<string, number[]>();
  for (const write of reports.flatMap((report) => report.writes)) {
    versions.set(write.wp_id, [...(versions.get(write.wp_id) ?? []), write.version]);
  }
  for (const [wpId, wp] of live.wps) {
    const produced = (versions.get(wpId) ?? []).sort((a, b) => a - b);
    const expected = Array.from({ length: wp.version }, (_, index) => index + 1);
    assert.deepEqual(produced, expected, `versions of ${wpId}: one successful write per version`);
  }
  const claims = reports.flatMap((report) => report.claims);
  assert.equal(new Set(claims).size, claims.length, "no WP is claimed twice");
  for (const wpId of claims) assert.ok(live.wps.get(wpId)?.assignee !== undefined);
}
