// Section 16, retention: `locus events purge` is one job in one transaction. Killed (SIGKILL) at any point of a
// long purge, the store opens, verifies and replays, and holds the purge wholly or not at all; run again, it
// completes.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { steppingClock } from "../../src/domain/clock.js";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { LOCUS_BIN, locus, tempWorkspace } from "../support/cli.js";

/** Read jobs in the store: each leaves a capability decision and a query event, all a year old. */
const READS = 8_000;

function purgeKilledAfter(cwd: string, delayMs: number, fault?: string): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [LOCUS_BIN, "events", "purge", "--older-than", "30d"], {
      cwd,
      env: { ...process.env, NO_COLOR: "1", ...(fault ? { LOCUS_FAULT: fault } : {}) },
      stdio: "ignore",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), delayMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
}

test("SIGKILL during a long events purge: all or nothing, chain and replay intact, a rerun completes", async () => {
  const dir = tempWorkspace();
  const dbPath = join(dir, ".locus", "locus.db");
  try {
    const store = SqliteStore.open(dbPath);
    const engine = new LocusEngine(store, { clock: steppingClock("2025-06-01T00:00:00.000Z", 10) });
    const created = await engine.run("create_wp", { wp_id: "WP-keep", title: "kept with its decisions" });
    assert.ok(created.success);
    for (let i = 0; i < READS; i++) await engine.run("query_ready", { limit: 1 });
    const total = (await store.readEvents()).length;
    await store.close();

    const outcomes: string[] = [];
    // First the deterministic window: every row moved, COMMIT not run (a test-only fault point), then kills at
    // times that land wherever the machine happens to be.
    const plan: [number, string | undefined][] = [
      [60_000, "purge-after-move"],
      [150, undefined],
      [300, undefined],
      [450, undefined],
      [600, undefined],
    ];
    for (const [delayMs, fault] of plan) {
      const code = await purgeKilledAfter(dir, delayMs, fault);
      if (fault !== undefined) assert.equal(code, null, "the fault point killed the purge");
      const after = SqliteStore.open(dbPath);
      try {
        const purged = (await after.readPurgedEvents()).length;
        const left = (await after.readEvents()).length;
        // Nothing, or the whole purge (all 2 x READS read events; the purge's own decisions and checkpoint added).
        assert.ok(purged === 0 || purged === 2 * READS, `a torn purge: ${purged} purged`);
        if (purged === 0) assert.ok(left >= total, "nothing purged, nothing lost");
        assert.equal((await verifyStore(after)).ok, true, `verify after a kill at ${delayMs} ms`);
        assert.equal((await replayCheck(after)).ok, true, `replay after a kill at ${delayMs} ms`);
        outcomes.push(
          code === null ? (purged === 0 ? "killed before commit" : "killed after commit") : "finished",
        );
        if (purged > 0) break;
      } finally {
        await after.close();
      }
    }
    // A kill landed at least once before the purge committed, or the machine was too fast for every delay.
    process.stdout.write(`purge kills: ${outcomes.join(", ")}\n`);
    const rerun = locus(dir, ["events", "purge", "--older-than", "30d", "--json"]);
    assert.equal(rerun.status, 0, rerun.stderr);
    const check = SqliteStore.open(dbPath);
    try {
      assert.equal((await check.readPurgedEvents()).length, 2 * READS);
      assert.equal((await verifyStore(check)).ok, true);
      assert.equal((await replayCheck(check)).ok, true);
      const wp = await check.transaction((tx) => tx.getWp("WP-keep"));
      assert.equal(wp?.title, "kept with its decisions");
    } finally {
      await check.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
