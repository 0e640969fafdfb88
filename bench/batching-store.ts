// The bulk-load path of the benchmark: every job still runs through the real LocusEngine envelope (schema,
// capabilities and their audit events, the operation, Bronze, search index, hash chain), but many jobs share
// one SQLite transaction, each inside its own SAVEPOINT (a refused job rolls back alone, as it would with its
// own transaction). Only the per-job COMMIT is amortised; the stored rows are the same as job-by-job.

import type Database from "better-sqlite3";
import type { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { SqliteTransaction } from "../src/store/sqlite/sqlite-transaction.js";
import type { EventQuery, LocusStore, StoredEvent, StoreTransaction } from "../src/store/store-port.js";

/** A LocusStore over an open SqliteStore that commits once every `jobsPerCommit` jobs. */
export class BatchingStore implements LocusStore {
  readonly kind = "sqlite" as const;
  readonly replicaId: string;
  private readonly db: Database.Database;
  private readonly tx: StoreTransaction;
  private jobs = 0;

  constructor(
    private readonly inner: SqliteStore,
    private readonly jobsPerCommit = 1_000,
  ) {
    this.replicaId = inner.replicaId;
    this.db = inner.rawConnectionForTests();
    this.tx = new SqliteTransaction(this.db, inner.replicaId);
  }

  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    // Jobs run one after another here (the generator awaits each), so one savepoint name suffices.
    if (!this.db.inTransaction) this.db.exec("BEGIN IMMEDIATE");
    this.db.exec("SAVEPOINT bench_job");
    try {
      const result = await fn(this.tx);
      this.db.exec("RELEASE bench_job");
      this.jobs += 1;
      if (this.jobs % this.jobsPerCommit === 0) this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK TO bench_job");
      this.db.exec("RELEASE bench_job");
      throw error;
    }
  }

  /** Commits the open batch, if any. */
  commit(): void {
    if (this.db.inTransaction) this.db.exec("COMMIT");
  }

  async readEvents(query?: EventQuery): Promise<StoredEvent[]> {
    this.commit();
    return this.inner.readEvents(query);
  }

  async readMeta(prefix: string) {
    this.commit();
    return this.inner.readMeta(prefix);
  }

  async readPurgedEvents() {
    this.commit();
    return this.inner.readPurgedEvents();
  }

  async readDerivedEventColumns() {
    this.commit();
    return this.inner.readDerivedEventColumns();
  }

  async loadState() {
    this.commit();
    return this.inner.loadState();
  }

  async replaceState(): Promise<void> {
    throw new Error("BatchingStore only loads benchmark workspaces");
  }

  /** Commits; the inner store stays open (its owner closes it). */
  async close(): Promise<void> {
    this.commit();
  }
}
