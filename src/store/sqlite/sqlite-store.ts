import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { LocusError } from "../../domain/errors.js";
import { type LocusState, mtKey } from "../../domain/events/evolve.js";
import type { PurgedEvent } from "../../domain/events/hash-chain.js";
import type { TrackedDependency, TrackedMicroTask, TrackedWorkPacket } from "../../domain/records.js";
import { type DerivedEventColumns, derivedColumnsFromRow, isAboutWp } from "../event-derived-columns.js";
import { originFromRow, packedUuidHex } from "../event-rows.js";
import { SerialQueue } from "../serial-queue.js";
import type { EventQuery, LocusStore, OriginPage, StoredEvent, StoreTransaction } from "../store-port.js";
import { docOf } from "../stored-json.js";
import { sqliteAddonPath } from "./sqlite-addon.js";
import { dependencyDocSqlite } from "./sqlite-dependency-docs.js";
import { EVENT_ROW_SQLITE, ORIGIN_ROW_SQLITE, originRowOf } from "./sqlite-event-columns.js";
import { jobEventSeqsSqlite } from "./sqlite-event-jobs.js";
import { eventsOfRows, withPayloads } from "./sqlite-event-reads.js";
import { migrate, readMeta } from "./sqlite-schema.js";
import { SqliteTransaction } from "./sqlite-transaction.js";

/** The page cache of a connection that reads or writes a bulk once (sqlite-transaction.ts). */
export { BULK_PAGE_CACHE_KIB } from "./sqlite-transaction.js";

/** Options for opening a SQLite store. */
export interface SqliteStoreOptions {
  /** How long a writer waits for another process's lock before HSK-500-STORAGE (ms). */
  busyTimeoutMs?: number;
  /**
   * The connection's page cache in KiB (default: the driver's 16 MB). A sync peer is read once, in order, and
   * written in bulk: it is opened with BULK_PAGE_CACHE_KIB.
   */
  pageCacheKiB?: number;
}

type Row = Record<string, unknown>;

/** How often a SQLite subscription polls the chain head (ms). */
export const SUBSCRIBE_POLL_MS = 50;

/** Maps a driver failure to the contract's HSK-500-STORAGE (STYLE 6: mapped at the backend boundary). */
export function storageError(error: unknown): LocusError {
  if (error instanceof LocusError) return error;
  const code = (error as { code?: string }).code ?? "unknown";
  const busy = code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED");
  const message = busy
    ? "the store is busy (another process held the write lock past the timeout); nothing was committed"
    : `the store failed (${code}); nothing was committed`;
  return new LocusError("HSK-500-STORAGE", message, {
    driver_code: code,
    cause: String(error),
    ...(busy ? { busy: true } : {}),
  });
}

/** 9: the embedded default store, one SQLite file in WAL mode, shared safely by several processes. */
export class SqliteStore implements LocusStore {
  readonly kind = "sqlite" as const;
  readonly replicaId: string;
  private readonly db: Database.Database;
  private readonly queue = new SerialQueue();
  private readonly tx: SqliteTransaction;

  private constructor(db: Database.Database, replicaId: string) {
    this.db = db;
    this.replicaId = replicaId;
    this.tx = new SqliteTransaction(db, replicaId);
  }

  /** Opens (creating when missing) the store at `path` and runs pending migrations. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    try {
      if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path, {
        timeout: options.busyTimeoutMs ?? 10_000,
        nativeBinding: sqliteAddonPath(),
      });
      // Issue 20, third part: a new file gives pages back (compaction runs incremental_vacuum after packing). Set
      // only on an empty file: on one with tables it changes nothing but waits for the write lock (an opening
      // process must not); such a file's freed pages are reused by later writes.
      if (db.pragma("page_count", { simple: true }) === 0) db.pragma("auto_vacuum = INCREMENTAL");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      // Section 12 (write p99). A job writes ~33 WAL pages, and the checkpoint runs inside the COMMIT of the
      // job that crosses the threshold. The default 1000 pages puts one in ~1 job in 40 (COMMIT p99 1.5-6 ms).
      // 8000 pages: one 35-60 ms checkpoint per ~250 jobs. 16000 pages (a WAL of up to 64 MB, removed when the
      // last connection closes): one 60-105 ms checkpoint per ~500 jobs. The same jobs interleaved on two
      // stores in one process, 8000 -> 16000: p99 at 10K create 1.75 -> 1.50 ms, update 1.97 -> 1.43 ms; at
      // 100K create 1.91 -> 1.78 and 1.58 -> 1.37 ms, update 1.85 -> 1.61 and 1.49 -> 1.27 ms; p50 unchanged.
      // 32000 gave no more and 150 ms checkpoints. The max is the price, and the bench prints it.
      // Measured and not adopted (10K WPs, 2 busy cores): PASSIVE checkpoints on a worker thread with its own
      // connection halved the max (update 82-91 -> 47-51 ms) but, competing with the writer for the cores and
      // the disk, raised the count of jobs over 2 ms (create_wp 28-44 -> 42-74 per 1,000).
      db.pragma("wal_autocheckpoint = 16000");
      db.pragma("foreign_keys = OFF");
      if (options.pageCacheKiB !== undefined) db.pragma(`cache_size = ${-Math.floor(options.pageCacheKiB)}`);
      const replicaId = migrate(db);
      return new SqliteStore(db, replicaId);
    } catch (error) {
      throw storageError(error);
    }
  }

  /**
   * Opens an existing Locus store only (section 13, a sync peer): a missing file, or a SQLite file that is not a
   * Locus store, is refused before anything is written to it (a peer path is a hostile input).
   */
  static openExisting(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    let probe: Database.Database | undefined;
    try {
      probe = new Database(path, { readonly: true, fileMustExist: true, nativeBinding: sqliteAddonPath() });
      if (readMeta(probe)?.replica === undefined) throw new Error("it has no Locus replica id");
    } catch (error) {
      throw new LocusError("HSK-500-STORAGE", `${path} is not a Locus store (${(error as Error).message})`, {
        field: "params.peer",
      });
    } finally {
      probe?.close();
    }
    return SqliteStore.open(path, options);
  }

  async transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      try {
        this.db.exec("BEGIN IMMEDIATE");
      } catch (error) {
        throw storageError(error);
      }
      try {
        const result = await fn(this.tx);
        this.db.exec("COMMIT");
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
        throw error instanceof LocusError ? error : storageError(error);
      } finally {
        this.tx.endBulkWrite();
      }
    });
  }

  async readEvents(query: EventQuery = {}): Promise<StoredEvent[]> {
    const params: unknown[] = [query.afterSeq ?? 0];
    let sql = `SELECT ${EVENT_ROW_SQLITE} FROM events e WHERE seq > ?`;
    if (query.beforeSeq !== undefined) {
      sql += " AND seq < ?";
      params.push(query.beforeSeq);
    }
    if (query.wpId !== undefined) {
      sql += " AND (wp_id = ? OR related_wp_id = ?)";
      params.push(query.wpId, query.wpId);
    }
    if (query.jobIds !== undefined) {
      // Either stored form of a job id (event-rows.ts): its bytes, or the text of rows written before.
      sql += ` AND seq IN (${jobEventSeqsSqlite(
        "jh.job_id IN (SELECT value FROM json_each(?) UNION ALL SELECT unhex(value) FROM json_each(?))",
      )})`;
      const packed = query.jobIds.map(packedUuidHex).filter((hex) => hex !== undefined);
      params.push(JSON.stringify(query.jobIds), JSON.stringify(packed));
    }
    sql += " ORDER BY seq";
    if (query.limit !== undefined) {
      sql += " LIMIT ?";
      params.push(query.limit);
    }
    try {
      const rows = this.db.prepare(sql).all(...params) as Row[];
      const events = eventsOfRows((text) => this.db.prepare(text), rows);
      // The wp_id columns are outside the hash: keep what the hashed payload says is about the WP (issue 21).
      const wpId = query.wpId;
      return wpId === undefined ? events : events.filter((event) => isAboutWp(event, wpId));
    } catch (error) {
      throw storageError(error);
    }
  }

  async readOriginEvents(afterSeq: number, limit: number): Promise<OriginPage> {
    try {
      const sql = `SELECT ${ORIGIN_ROW_SQLITE} FROM events e WHERE seq > ? ORDER BY seq LIMIT ?`;
      const rows = (this.db.prepare(sql).raw(true).all(afterSeq, limit) as unknown[][]).map(originRowOf);
      const last = rows[rows.length - 1];
      const events = withPayloads((text) => this.db.prepare(text), rows).map(originFromRow);
      return { events, lastSeq: last === undefined ? afterSeq : Number(last.seq) };
    } catch (error) {
      throw storageError(error);
    }
  }

  /** Prepared once: a team server reads its members on every request (section 14). */
  private metaByPrefix: Database.Statement | undefined;

  async readMeta(prefix: string): Promise<Map<string, string>> {
    try {
      // substr, not LIKE: a prefix may hold `_` or `%`.
      this.metaByPrefix ??= this.db.prepare("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?");
      const rows = this.metaByPrefix.all(prefix.length, prefix) as Row[];
      return new Map(rows.map((row) => [row.key as string, row.value as string]));
    } catch (error) {
      throw storageError(error);
    }
  }

  async readPurgedEvents(): Promise<PurgedEvent[]> {
    try {
      return this.db
        .prepare("SELECT seq, hash, checkpoint_seq FROM purged_events ORDER BY seq")
        .all() as PurgedEvent[];
    } catch (error) {
      throw storageError(error);
    }
  }

  async readDerivedEventColumns(
    page: { afterSeq?: number; limit?: number } = {},
  ): Promise<DerivedEventColumns[]> {
    try {
      const sql = "SELECT seq, wp_id, related_wp_id FROM events WHERE seq > ? ORDER BY seq LIMIT ?";
      const rows = this.db.prepare(sql).all(page.afterSeq ?? 0, page.limit ?? -1) as Row[];
      return rows.map(derivedColumnsFromRow);
    } catch (error) {
      throw storageError(error);
    }
  }

  async loadState(): Promise<LocusState> {
    const state: LocusState = { wps: new Map(), mts: new Map(), deps: new Map() };
    for (const row of this.db.prepare("SELECT doc FROM work_packets ORDER BY wp_id").all() as Row[]) {
      const wp = docOf<TrackedWorkPacket>(row.doc);
      state.wps.set(wp.wp_id, wp);
    }
    for (const row of this.db.prepare("SELECT doc FROM micro_tasks ORDER BY wp_id, mt_id").all() as Row[]) {
      const mt = JSON.parse(row.doc as string) as TrackedMicroTask;
      state.mts.set(mtKey(mt.wp_id, mt.mt_id), mt);
    }
    const deps = `SELECT ${dependencyDocSqlite("d")} AS doc FROM dependencies d ORDER BY dependency_id`;
    for (const row of this.db.prepare(deps).all() as Row[]) {
      const dep = JSON.parse(row.doc as string) as TrackedDependency;
      state.deps.set(dep.dependency_id, dep);
    }
    return state;
  }

  async replaceState(state: LocusState): Promise<void> {
    await this.transaction(async (tx) => {
      this.db.exec(
        "DELETE FROM work_packets; DELETE FROM wp_labels; DELETE FROM micro_tasks; DELETE FROM dependencies;",
      );
      for (const wp of state.wps.values()) await tx.putWp(wp);
      for (const mt of state.mts.values()) await tx.putMt(mt);
      for (const dep of state.deps.values()) await tx.putDependency(dep);
    });
  }

  /**
   * Live changes (`events tail --follow`): SQLite has no notifications, so this polls the chain head every
   * `SUBSCRIBE_POLL_MS` and calls `onEvents` when it moved (commits of other processes included).
   */
  async subscribe(onEvents: () => void): Promise<() => Promise<void>> {
    const readHead = () =>
      this.queue.run(async () => {
        const row = this.db.prepare("SELECT value FROM meta WHERE key = 'head_seq'").get() as Row | undefined;
        return Number(row?.value ?? 0);
      });
    let last = await readHead();
    let polling = false;
    const timer = setInterval(() => {
      if (polling || !this.db.open) return;
      polling = true;
      readHead()
        .then((seq) => {
          if (seq !== last) {
            last = seq;
            onEvents();
          }
        })
        .catch(() => {})
        .finally(() => {
          polling = false;
        });
    }, SUBSCRIBE_POLL_MS);
    return async () => clearInterval(timer);
  }

  async close(): Promise<void> {
    await this.queue.run(async () => this.db.close());
  }

  /** The underlying connection, for tests that tamper with stored rows on purpose. */
  rawConnectionForTests(): Database.Database {
    return this.db;
  }
}
