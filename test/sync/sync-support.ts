// Replicas for the sync tests: each a real store (SQLite file or PostgreSQL workspace) with its own engine and
// its own clock, all in one temp workspace folder that also holds the shared replica folder.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { steppingClock } from "../../src/domain/clock.js";
import { stateFingerprint } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { assertLogSound } from "../support/log-sound.js";
import type { StoreBackend } from "../support/stores.js";

/** One replica under test. */
export interface Replica {
  name: string;
  url: string;
  store: LocusStore;
  engine: LocusEngine;
}

/** A set of replicas sharing a workspace folder; `close` removes everything. */
export interface ReplicaSet {
  root: string;
  folder: string;
  replicas: Replica[];
  close(): Promise<void>;
}

/**
 * Opens one replica per backend given, each with a clock of its own pace (so their timestamps interleave and
 * drift), and the given profile on its surface.
 */
export async function openReplicas(
  backends: readonly StoreBackend[],
  profile = "Operator",
): Promise<ReplicaSet> {
  const root = mkdtempSync(join(tmpdir(), "locus-sync-"));
  const cleanups: (() => Promise<void>)[] = [];
  const replicas: Replica[] = [];
  for (const [index, backend] of backends.entries()) {
    let url: string;
    if (backend.name === "sqlite") url = join(root, `replica-${index}.db`);
    else {
      const location = await backend.location();
      url = location.url;
      cleanups.push(location.cleanup);
    }
    const store = await openStore(parseStoreUrl(url, root));
    const start = Date.parse("2026-03-01T00:00:00.000Z") + index * 7;
    const engine = new LocusEngine(store, {
      clock: steppingClock(new Date(start).toISOString(), 3 + index * 2),
      workspaceRoot: root,
      surface: { profile },
    });
    replicas.push({ name: `${backend.name}-${index}`, url, store, engine });
  }
  return {
    root,
    folder: join(root, "locus-replicas"),
    replicas,
    async close() {
      for (const replica of replicas) await replica.store.close();
      for (const cleanup of cleanups) await cleanup();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Runs sync_events on `from` with `peer`; fails the test when the sync itself fails. */
export async function sync(
  from: Replica,
  peer: string,
  direction: "pull" | "push" | "both" = "both",
): Promise<Record<string, unknown>> {
  const result = await from.engine.run("sync_events", { peer, direction });
  if (!result.success) assert.fail(`sync ${from.name} -> ${peer} failed: ${JSON.stringify(result.error)}`);
  return result.data;
}

/** Every pair meets twice (store to store): afterwards all replicas hold the same state events. */
export async function meetAll(set: ReplicaSet): Promise<void> {
  for (let round = 0; round < 2; round++)
    for (let a = 0; a < set.replicas.length; a++)
      for (let b = a + 1; b < set.replicas.length; b++)
        await sync(set.replicas[a] as Replica, (set.replicas[b] as Replica).url);
}

/** The state fingerprint of a replica (WPs, MTs, dependencies, canonical JSON). */
export async function fingerprint(replica: Replica): Promise<string> {
  return JSON.stringify(stateFingerprint(await replica.store.loadState()));
}

/** Asserts every replica's chain verifies and its replay equals its live state. */
export async function assertSound(replica: Replica): Promise<void> {
  await assertLogSound(replica.store, replica.name);
}

/** The WP ids a replica holds (deleted ones included), in id order. */
export async function wpIdsOf(replica: Replica): Promise<string[]> {
  return [...(await replica.store.loadState()).wps.keys()].sort();
}

/** Asserts two replicas hold equal state, naming the first record that differs (not a wall of JSON). */
export async function assertSameState(a: Replica, b: Replica): Promise<void> {
  const left = stateFingerprint(await a.store.loadState());
  const right = stateFingerprint(await b.store.loadState());
  for (const kind of ["wps", "mts", "deps"] as const) {
    const [x, y] = [left[kind], right[kind]];
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if (x[i] !== y[i]) assert.fail(`${b.name} differs from ${a.name} in ${kind}[${i}]:\n${x[i]}\n${y[i]}`);
    }
  }
}
