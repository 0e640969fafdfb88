// STYLE 5: the backends every store-level and operation-level test runs against. A test file loops over
// `STORE_BACKENDS` and runs its cases once per backend, with the same expected results and error codes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { steppingClock } from "../../src/domain/clock.js";
import { type EngineOptions, LocusEngine } from "../../src/operations/locus-engine.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { postgresSkipReason, withPostgres } from "./postgres-cluster.js";

/** A backend under test: how to make a fresh, empty store, and why it is skipped (if it is). */
export interface StoreBackend {
  name: string;
  /** Creates a fresh, empty store; `cleanup` removes it. */
  create(): Promise<{ store: LocusStore; cleanup(): Promise<void> }>;
  /**
   * A fresh store location as a URL `openStore` accepts, to open several connections or processes on it, and
   * `sibling`: a second, empty workspace in the same database (SQLite: another file beside it).
   */
  location(): Promise<{ url: string; sibling: string; cleanup(): Promise<void> }>;
  /** A reason to skip this backend here (e.g. no PostgreSQL locally); undefined runs it. */
  skip?: string;
}

/** A real SQLite file in a fresh temp folder. */
export const sqliteBackend: StoreBackend = {
  name: "sqlite",
  async create() {
    const dir = mkdtempSync(join(tmpdir(), "locus-test-"));
    const store = SqliteStore.open(join(dir, "locus.db"));
    return {
      store,
      async cleanup() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async location() {
    const dir = mkdtempSync(join(tmpdir(), "locus-test-"));
    return {
      url: join(dir, "locus.db"),
      sibling: join(dir, "other.db"),
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

let sharedDatabase: Promise<string> | undefined;
let workspaceCount = 0;

/**
 * A fresh, empty workspace on the test process's throwaway PostgreSQL server (postgres-cluster.ts). All stores of
 * a test process share one database, each in its own workspace (9: no query sees another workspace's rows), so
 * every test also exercises isolation; a new workspace opens in ~10 ms where CREATE DATABASE takes ~250 ms.
 * Skipped locally when PostgreSQL is not installed; with CI=true it runs and fails instead (the cluster's policy).
 */
export const postgresBackend: StoreBackend = {
  name: "postgres",
  async create() {
    const store = await PostgresStore.open(await freshWorkspaceUrl());
    return {
      store,
      async cleanup() {
        await store.close();
      },
    };
  },
  async location() {
    const url = await freshWorkspaceUrl();
    return { url, sibling: await freshWorkspaceUrl(), async cleanup() {} };
  },
  ...optionalSkip(postgresSkipReason()),
};

async function freshWorkspaceUrl(): Promise<string> {
  sharedDatabase ??= withPostgres();
  workspaceCount += 1;
  return `${await sharedDatabase}?workspace=test-${workspaceCount}`;
}

function optionalSkip(reason: string | undefined): { skip?: string } {
  return reason === undefined ? {} : { skip: reason };
}

/** Every backend the contract runs against. */
export const STORE_BACKENDS: StoreBackend[] = [sqliteBackend, postgresBackend];

/** A fresh engine on a fresh store of `backend`, with a deterministic clock unless one is given. */
export async function freshEngine(
  backend: StoreBackend,
  options: EngineOptions = {},
): Promise<{ engine: LocusEngine; store: LocusStore; cleanup(): Promise<void> }> {
  const { store, cleanup } = await backend.create();
  const engine = new LocusEngine(store, {
    clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
    ...options,
  });
  return { engine, store, cleanup };
}
