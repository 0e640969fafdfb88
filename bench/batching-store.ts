// The bulk-load path of the benchmark: every job still runs through the real LocusEngine envelope (schema,
// capabilities and their audit events, the operation, Bronze, search index, hash chain), but many jobs share
// one SQLite transaction, each inside its own SAVEPOINT (a refused job rolls back alone, as it would with its
// own transaction). Only the per-job COMMIT is amortised; the stored rows are the same as job-by-job.
//
// One query is replaced while loading: SqliteTransaction.findPath (the cycle check of add_dependency) scans
// the whole dependencies table (its outer join is planned as SCAN d), ~35 ms per blocks edge at 500K edges,
// which would make a 100K load take hours. LoadTransaction runs the same query with the join order forced
// (reach first, then the dep_by_edge index): the same rows, in ~0.1 ms. The measured add_dependency in
// engine-bench.ts uses the real store, unpatched, so the table shows the real cost.
import type Database from "better-sqlite3";
import type { DependencyType } from "../src/domain/records.js";
import type { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import { SqliteTransaction } from "../src/store/sqlite/sqlite-transaction.js";
import type { EventQuery, LocusStore, StoredEvent, StoreTransaction } from "../src/store/store-port.js";

const FIND_PATH_INDEXED = `WITH RECURSIVE reach(wp_id) AS (
    SELECT @from UNION SELECT d.to_wp_id FROM dependencies d JOIN reach r ON d.from_wp_id = r.wp_id WHERE d.type = @type)
  SELECT d.from_wp_id AS source, d.to_wp_id AS target FROM reach r CROSS JOIN dependencies d
  ON d.from_wp_id = r.wp_id WHERE d.type = @type`;

/** SqliteTransaction with the cycle check's reachability query planned index-first (same result). */
class LoadTransaction extends SqliteTransaction {
  private readonly reach: Database.Statement;

  constructor(db: Database.Database, replicaId: string) {
    super(db, replicaId);
    this.reach = db.prepare(FIND_PATH_INDEXED);
  }

  override async findPath(from: string, to: string, type: DependencyType): Promise<string[] | undefined> {
    const rows = this.reach.all({ from, type }) as { source: string; target: string }[];
    // Breadth-first over the reachable edges, as the store does: the shortest path from -> to, if any.
    const next = new Map<string, string[]>();
    for (const { source, target } of rows) next.set(source, [...(next.get(source) ?? []), target]);
    const parent = new Map<string, string>([[from, from]]);
    const queue = [from];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] as string;
      if (node === to) {
        const path = [to];
        for (let at = to; at !== from; ) {
          at = parent.get(at) as string;
          path.unshift(at);
        }
        return path;
      }
      for (const target of next.get(node) ?? []) {
        if (parent.has(target)) continue;
        parent.set(target, node);
        queue.push(target);
      }
    }
    return undefined;
  }
}

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
    this.tx = new LoadTransaction(this.db, inner.replicaId);
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
