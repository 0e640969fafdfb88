import pg from "pg";
import { LocusError } from "../../domain/errors.js";
import { type LocusState, mtKey } from "../../domain/events/evolve.js";
import type { PurgedEvent } from "../../domain/events/hash-chain.js";
import type { TrackedDependency, TrackedMicroTask, TrackedWorkPacket } from "../../domain/records.js";
import { type DerivedEventColumns, isAboutWp } from "../event-derived-columns.js";
import { chainHeadOf } from "../meta-rows.js";
import type {
  ChainHead,
  EventQuery,
  LocusStore,
  StoredEvent,
  StoreTransaction,
  TransactionOptions,
} from "../store-port.js";
import { docOf } from "../stored-json.js";
import { readDerivedColumnsPostgres, readEventsPostgres } from "./postgres-event-reads.js";
import { type ReclaimReport, reclaimFreeSpace } from "./postgres-free-space.js";
import { dependencyDocPostgres } from "./postgres-key-forms.js";
import { DEFAULT_LISTEN_RETRY, type ListenRetryPolicy, PostgresListener } from "./postgres-listener.js";
import { migrate } from "./postgres-migrate.js";
import { PostgresPipeline } from "./postgres-pipeline.js";
import { BEGIN_READ_ONLY, beginScript, GET_MTS, GET_WP } from "./postgres-statements.js";
import { type Begun, PostgresTransaction } from "./postgres-transaction.js";

/** Options for opening a PostgreSQL store. */
export interface PostgresStoreOptions {
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
  /** How many times a transaction that hit a serialization failure or deadlock is run again (default 3). */
  retries?: number;
  /** How `subscribe` reconnects after its LISTEN connection drops (default DEFAULT_LISTEN_RETRY). */
  listenRetry?: ListenRetryPolicy;
}

type Row = Record<string, unknown>;

/** 9: a workspace name, as given in the URL (`?workspace=`); `default` when absent. */
export const WORKSPACE_NAME = /^[A-Za-z0-9._-]{1,100}$/;
// Serialization failure, deadlock: the transaction did nothing and may simply run again.
const RETRYABLE = new Set(["40001", "40P01"]);

/** Splits a store URL into the driver's connection string and the workspace (9: one database, many workspaces). */
export function parsePostgresUrl(url: string): { connectionString: string; workspace: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LocusError("HSK-400-INVALID-PARAMS", "the store URL is not a valid postgres:// URL", {
      field: "store",
    });
  }
  const workspace = parsed.searchParams.get("workspace") ?? "default";
  if (!WORKSPACE_NAME.test(workspace)) {
    throw new LocusError("HSK-400-INVALID-PARAMS", "the workspace name must match [A-Za-z0-9._-]{1,100}", {
      field: "store.workspace",
    });
  }
  parsed.searchParams.delete("workspace");
  return { connectionString: parsed.toString(), workspace };
}

/** Maps a driver failure to the contract's HSK-500-STORAGE (STYLE 6: mapped at the backend boundary). */
export function storageError(error: unknown): LocusError {
  if (error instanceof LocusError) return error;
  const code = (error as { code?: unknown }).code;
  const driverCode = typeof code === "string" ? code : "unknown";
  return new LocusError("HSK-500-STORAGE", `the store failed (${driverCode}); nothing was committed`, {
    driver_code: driverCode,
    cause: String(error),
  });
}

const isRetryable = (error: unknown): boolean =>
  !(error instanceof LocusError) && RETRYABLE.has(String((error as { code?: unknown }).code));

/** 9: the team store, one workspace of a shared PostgreSQL database. */
export class PostgresStore implements LocusStore {
  readonly kind = "postgres" as const;
  /** Identifies this store to the per-process vector cache: search ports are per transaction here (9). */
  private readonly searchCacheKey: object = {};
  /**
   * The chain head as this store last read or wrote it under the workspace lock; a query starts from it instead
   * of reading it (see `begin`). Other processes and connections may have moved the head since.
   */
  private knownHead: ChainHead | undefined;
  /** Subscriptions whose LISTEN connection is gone for good: reads of the log report it (see subscribe). */
  private readonly liveFailures = new Set<{ error: LocusError | undefined }>();

  private constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString: string,
    /** The workspace this store reads and writes; no query sees another one. */
    readonly workspace: string,
    readonly replicaId: string,
    private readonly retries: number,
    private readonly listenRetry: ListenRetryPolicy,
  ) {}

  /** Opens the workspace named by `url` (creating schema and workspace when missing). */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const { connectionString, workspace } = parsePostgresUrl(url);
    // Pipeline mode: a job's writes go out without waiting for each other (postgres-pipeline.ts, issue 16).
    const pool = new pg.Pool({ connectionString, max: options.poolSize ?? 10, pipeline: true });
    // An idle client that loses its server emits here; without a listener the process would crash.
    pool.on("error", () => {});
    // A client that loses its server while checked out (a query in flight, the backend terminated, the server
    // killed) emits `error` on itself: the query rejects and becomes HSK-500-STORAGE, and this keeps the event
    // from ending the process (issue 16).
    pool.on("connect", (client) => client.on("error", () => {}));
    try {
      const replicaId = await migrate(pool, workspace);
      return new PostgresStore(
        pool,
        connectionString,
        workspace,
        replicaId,
        options.retries ?? 3,
        options.listenRetry ?? DEFAULT_LISTEN_RETRY,
      );
    } catch (error) {
      await pool.end().catch(() => {});
      throw storageError(error);
    }
  }

  async transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    const readOnly = options.readOnly === true;
    for (let attempt = 0; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw storageError(error);
      }
      let broken = false;
      // A connection that dies while checked out (the server killed, the backend terminated) emits `error` on
      // its client; without a listener that would end the process. The query in flight rejects as well, and
      // the job gets HSK-500-STORAGE from the catch below (issue 16).
      const onLost = () => {
        broken = true;
      };
      client.on("error", onLost);
      try {
        const pipeline = new PostgresPipeline(client, this.workspace);
        const begun = this.begin(pipeline, !readOnly, options);
        const tx = new PostgresTransaction(
          pipeline,
          this.workspace,
          this.replicaId,
          await begun,
          this.searchCacheKey,
        );
        const result = await fn(tx);
        await tx.commit();
        if (tx.holdsLock) this.knownHead = await tx.chainHead();
        return result;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
        } catch {
          broken = true;
        }
        if (!broken && attempt < this.retries && isRetryable(error)) continue;
        throw storageError(error);
      } finally {
        client.off("error", onLost);
        client.release(broken);
      }
    }
  }

  /**
   * BEGIN, then the workspace lock, then the chain head, in one round trip. Every write transaction of a
   * workspace takes the row lock of its `workspaces` row first, so jobs of one workspace run one at a time:
   * the head read here stays the head until COMMIT, `seq` stays gap-free and the chain valid (6), and reads for
   * expected_version checks see the latest committed state (4: compare-and-set). Other workspaces do not wait.
   * A read-only transaction (`lock` false) reads in one snapshot (REPEATABLE READ READ ONLY: a query's statements
   * agree with each other, as they did under the lock) without the lock, and takes it to append in a transaction
   * of its own (PostgresTransaction.lockForWrite); the head read here is then only where its events start.
   * The WPs the job reads first (TransactionOptions.readsWps) are asked for in the same round trip.
   */
  private async begin(pipeline: PostgresPipeline, lock: boolean, reads: TransactionOptions): Promise<Begun> {
    const early = new Map<string, Promise<Row[]>>();
    if (!lock && this.knownHead !== undefined) {
      // A query's events are sealed again after the head it reads under the lock when it appends
      // (PostgresTransaction.lockForWrite, JobContext.sealAfterLockedHead), so it need not wait for the head
      // here: BEGIN goes out with the query's first reads, in one socket write (issue 16: 4 -> 3 round trips).
      pipeline.beginWithFirst(BEGIN_READ_ONLY);
      return { head: { ...this.knownHead }, locked: false, early };
    }
    const { sql, headAt } = beginScript(this.workspace, lock);
    const begun = pipeline.script(sql);
    // Sent in the same turn, so in the same socket write as BEGIN; run after the lock is granted (issue 16).
    for (const wpId of reads.readsWps ?? []) early.set(`wp ${wpId}`, pipeline.early(GET_WP, [wpId]));
    for (const wpId of reads.readsMtsOf ?? []) early.set(`mts ${wpId}`, pipeline.early(GET_MTS, [wpId]));
    const head = chainHeadOf((await begun)[headAt] ?? []);
    if (lock) this.knownHead = head;
    return { head, locked: lock, early };
  }

  async readEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    for (const failure of this.liveFailures) if (failure.error !== undefined) throw failure.error;
    const inWorkspace = (text: string, values: unknown[]) => this.query(text, [this.workspace, ...values]);
    // Rows and, since issue 20's sixteenth part, blocks (postgres-event-reads.ts).
    const events = await readEventsPostgres(inWorkspace, query);
    // The wp_id columns are outside the hash: keep what the hashed payload says is about the WP (issue 21).
    const wpId = query.wpId;
    return wpId === undefined ? events : events.filter((event) => isAboutWp(event, wpId));
  }

  async readMeta(prefix: string): Promise<Map<string, string>> {
    const rows = await this.query(
      "SELECT key, value FROM meta WHERE workspace_id = $1 AND left(key, length($2)) = $2",
      [this.workspace, prefix],
    );
    return new Map(rows.map((row) => [row.key as string, row.value as string]));
  }

  async readPurgedEvents(): Promise<PurgedEvent[]> {
    const sql = "SELECT seq, hash, checkpoint_seq FROM purged_events WHERE workspace_id = $1 ORDER BY seq";
    return (await this.query(sql, [this.workspace])).map((row) => ({
      seq: Number(row.seq),
      hash: row.hash as string,
      checkpoint_seq: Number(row.checkpoint_seq),
    }));
  }

  async readDerivedEventColumns(
    page: { afterSeq?: number; limit?: number } = {},
  ): Promise<DerivedEventColumns[]> {
    const inWorkspace = (text: string, values: unknown[]) => this.query(text, [this.workspace, ...values]);
    return readDerivedColumnsPostgres(inWorkspace, page);
  }

  async loadState(): Promise<LocusState> {
    const state: LocusState = { wps: new Map(), mts: new Map(), deps: new Map() };
    const ws = [this.workspace];
    for (const row of await this.query(
      "SELECT doc FROM work_packets WHERE workspace_id = $1 ORDER BY wp_id",
      ws,
    )) {
      const wp = docOf<TrackedWorkPacket>(row.doc);
      state.wps.set(wp.wp_id, wp);
    }
    const mtSql = "SELECT doc FROM micro_tasks WHERE workspace_id = $1 ORDER BY wp_id, mt_id";
    for (const row of await this.query(mtSql, ws)) {
      const mt = JSON.parse(row.doc as string) as TrackedMicroTask;
      state.mts.set(mtKey(mt.wp_id, mt.mt_id), mt);
    }
    const depSql = `SELECT ${dependencyDocPostgres("d")} AS doc FROM dependencies d WHERE workspace_id = $1
      ORDER BY dependency_id`;
    for (const row of await this.query(depSql, ws)) {
      const dep = JSON.parse(row.doc as string) as TrackedDependency;
      state.deps.set(dep.dependency_id, dep);
    }
    return state;
  }

  async replaceState(state: LocusState): Promise<void> {
    await this.transaction(async (tx) => {
      await (tx as unknown as PostgresTransaction).clearState();
      for (const wp of state.wps.values()) await tx.putWp(wp);
      for (const mt of state.mts.values()) await tx.putMt(mt);
      for (const dep of state.deps.values()) await tx.putDependency(dep);
    });
  }

  /**
   * Live changes (`events tail --follow`): LISTEN on a dedicated connection (postgres-listener.ts); `onEvents`
   * runs after each commit of this workspace that appended events (NOTIFY is delivered only on commit), and
   * after a reconnect. If the connection is lost for good, the failure is reported loudly, never as silence:
   * `onError` gets it when given, and `onEvents` runs once more so that the caller's next read of the log (the
   * follower always reads next) throws it as HSK-500-STORAGE until unsubscribed. Returns the unsubscribe.
   */
  async subscribe(onEvents: () => void, onError?: (error: LocusError) => void): Promise<() => Promise<void>> {
    let listener: PostgresListener;
    const failure = { error: undefined as LocusError | undefined };
    try {
      listener = await PostgresListener.start(this.connectionString, this.workspace, this.listenRetry, {
        onEvents,
        onFailure: (error) => {
          failure.error = error;
          this.liveFailures.add(failure);
          onError?.(error);
          onEvents();
        },
      });
    } catch (error) {
      throw storageError(error);
    }
    return async () => {
      this.liveFailures.delete(failure);
      await listener.stop();
    };
  }

  /** Runs one statement on the pool, for tests that tamper with rows or connections on purpose. */
  async rawQueryForTests(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.query(sql, params);
  }

  async reclaimFreeSpace(options: { packed?: boolean } = {}): Promise<ReclaimReport> {
    try {
      return await reclaimFreeSpace(this.pool, options.packed === true);
    } catch (error) {
      throw storageError(error);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async query(sql: string, params: unknown[]): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>(sql, params)).rows;
    } catch (error) {
      throw storageError(error);
    }
  }
}
