// A writer process for sqlite-concurrency.test.ts: opens the shared SQLite file with its own engine and races
// the other workers. Usage: node concurrency-worker.js <db> <cas|claim> <worker> <count> [wp ids...]
// Prints "ready" once its engine is open, waits for a line on stdin (so that all workers start together), then
// prints one JSON summary line: successes, conflicts, every other outcome (which must stay empty), and when its
// writing began and ended (epoch ms), so the test can tell the workers overlapped.
import { setTimeout as sleep } from "node:timers/promises";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

const [dbPath, mode, worker, countText, ...wpIds] = process.argv.slice(2);
const store = SqliteStore.open(dbPath as string);
const engine = new LocusEngine(store, { surface: { actor: `agent-${worker}` } });
const summary = {
  worker,
  writes: 0,
  conflicts: 0,
  claimed: [] as string[],
  other: [] as string[],
  startedMs: 0,
  endedMs: 0,
};

/** Resolves on the first chunk of stdin: the test's "go". */
function go(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.once("data", () => {
      process.stdin.pause();
      resolve();
    });
  });
}

async function version(wpId: string): Promise<{ version: number; assignee?: string }> {
  const status = await engine.run("get_wp_status", { wp_id: wpId });
  if (!status.success) throw new Error(`get_wp_status: ${status.error.code} ${status.error.message}`);
  return status.data.wp as { version: number; assignee?: string };
}

/** An update with compare-and-set; counts the outcome. */
async function casUpdate(wpId: string, updates: Record<string, unknown>, expected: number): Promise<boolean> {
  const result = await engine.run("update_wp", { wp_id: wpId, updates, expected_version: expected });
  if (result.success) {
    summary.writes += 1;
    return true;
  }
  if (result.error.code === "HSK-409-CONFLICT") summary.conflicts += 1;
  else summary.other.push(`${result.error.code}: ${result.error.message}`);
  return false;
}

try {
  await engine.run("get_wp_status", { wp_id: wpIds[0] as string }); // warm: statements prepared, file open
  process.stdout.write("ready\n");
  await go();
  summary.startedMs = Date.now();
  const count = Number(countText);
  if (mode === "cas") {
    // Read-modify-write on one hot WP: every write names the version it read. Between the two, the worker
    // thinks for a millisecond, as an agent does: without that pause a worker that just released the write
    // lock often takes it again before the others wake from their busy wait, and the writes never race.
    const wpId = wpIds[0] as string;
    for (let n = 0; n < count; n++) {
      const { version: v } = await version(wpId);
      await sleep(1);
      await casUpdate(wpId, { title: `written by ${worker} at ${n}` }, v);
    }
  } else {
    // Claim: take every unassigned WP the worker sees, naming the version it read (no duplicate claim).
    for (const wpId of wpIds) {
      const wp = await version(wpId);
      if (wp.assignee !== undefined) continue;
      if (await casUpdate(wpId, { assignee: `agent-${worker}` }, wp.version)) summary.claimed.push(wpId);
    }
  }
} catch (error) {
  summary.other.push(`thrown: ${String(error)}`);
} finally {
  summary.endedMs = Date.now();
  await engine.close();
}
process.stdout.write(`${JSON.stringify(summary)}\n`);
