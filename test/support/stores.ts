// STYLE 5: the backends every store-level and operation-level test runs against. A test file loops over
// `STORE_BACKENDS` and runs its cases once per backend, with the same expected results and error codes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { steppingClock } from "../../src/domain/clock.js";
import { type EngineOptions, LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";

/** A backend under test: how to make a fresh, empty store, and why it is skipped (if it is). */
export interface StoreBackend {
  name: string;
  /** Creates a fresh, empty store; `cleanup` removes it. */
  create(): Promise<{ store: LocusStore; cleanup(): Promise<void> }>;
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
};

/** Every backend the contract runs against. The PostgreSQL backend adds itself here when it lands. */
export const STORE_BACKENDS: StoreBackend[] = [sqliteBackend];

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
