import type Database from "better-sqlite3";
import type { BronzeInherited } from "../../domain/events/bronze-delta.js";
import type {
  DependencyType,
  TrackedDependency,
  TrackedMicroTask,
  TrackedWorkPacket,
} from "../../domain/records.js";
import { blockersByWp, type OpenBlocker } from "../blocker-rows.js";
import { hashFromColumn, storedUuid } from "../event-rows.js";
import { chainHeadOf, HEAD_META_KEYS } from "../meta-rows.js";
import type {
  BoardWpState,
  BronzeSnapshot,
  ChainHead,
  IdempotentRecord,
  PurgeCandidate,
  StoredEvent,
  StoreTransaction,
  WpDependencies,
  WpPage,
  WpQuery,
} from "../store-port.js";
import { docOf } from "../stored-json.js";
import { getBoardState, listBoardWps, putBoardState } from "./sqlite-board-state.js";
import { bronzeSnapshots, lastBronzeId, putBronze, putBronzes } from "./sqlite-bronze.js";
import { packColdBronze } from "./sqlite-bronze-blocks.js";
import { dependencyDocSqlite, storedDependencyDoc } from "./sqlite-dependency-docs.js";
import { appendEventRows } from "./sqlite-event-append.js";
import { termInSqlite } from "./sqlite-event-columns.js";
import { jobEventSeqsSqlite } from "./sqlite-event-jobs.js";
import { eventHashAtSqlite, isShort } from "./sqlite-event-reads.js";
import { findPath, reachableEdges } from "./sqlite-graph-walk.js";
import { packColdBlocks, rewritePackedRows } from "./sqlite-payload-blocks.js";
import { SqliteReplicaLog } from "./sqlite-replica-log.js";
import { purgeCandidates, purgeEvents } from "./sqlite-retention.js";
import { SqliteSearchIndex } from "./sqlite-search-index.js";
import { packColdWpDocs } from "./sqlite-wp-docs.js";
import { buildWpQuery } from "./sqlite-wp-query.js";
import { adjustBlockCounters, insertNewWpRows, putWpRow } from "./sqlite-wp-rows.js";

type Row = Record<string, unknown>;
const DEP_DOC = dependencyDocSqlite("d");
/**
 * Issue 12, the first pull of a process: the page cache of a connection that writes or reads a bulk once
 * (SQLite's own default, 2 MB, instead of better-sqlite3's 16 MB). The cache's memory is allocated as it fills,
 * and a one-shot process pays for every page of memory it touches first (docs/DECISIONS.md).
 */
export const BULK_PAGE_CACHE_KIB = 2_000;

const parse = <T>(row: Row | undefined): T | undefined => (row ? docOf<T>(row.doc) : undefined);

/** The StoreTransaction of the SQLite backend: prepared statements on one connection. */
export class SqliteTransaction implements StoreTransaction {
  private readonly statements = new Map<string, Database.Statement>();
  /** 9: FTS5 keyword index and Silver chunks on the same connection (src/store/sqlite/sqlite-search-index.ts). */
  readonly search: SqliteSearchIndex;
  /** 13: what replica sync reads and writes besides the state (src/store/sqlite/sqlite-replica-log.ts). */
  readonly replicaLog: SqliteReplicaLog;

  constructor(
    private readonly db: Database.Database,
    private readonly replicaId: string,
  ) {
    this.search = new SqliteSearchIndex(db);
    this.replicaLog = new SqliteReplicaLog(this.prepared);
  }

  /** The statement for `sql`, prepared once per connection (a bound function, handed to the row modules). */
  private readonly prepared = (sql: string): Database.Statement => {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  };

  async chainHead(): Promise<ChainHead> {
    return chainHeadOf(
      this.prepared(`SELECT key, value FROM meta WHERE key IN (${HEAD_META_KEYS})`).all() as Row[],
    );
  }

  /** The page cache size to restore when this transaction ends, while a bulk write has lowered it. */
  private cacheBeforeBulk: number | undefined;

  bulkWrite(): void {
    if (this.cacheBeforeBulk !== undefined) return;
    const current = this.db.pragma("cache_size", { simple: true }) as number;
    // A size in KiB (negative) already as small stays as it is.
    if (current < 0 && -current <= BULK_PAGE_CACHE_KIB) return;
    this.cacheBeforeBulk = current;
    this.db.pragma(`cache_size = ${-BULK_PAGE_CACHE_KIB}`);
  }

  /** Called by the store when a transaction ends (committed or not): the page cache gets its size back. */
  endBulkWrite(): void {
    if (this.cacheBeforeBulk === undefined) return;
    this.db.pragma(`cache_size = ${this.cacheBeforeBulk}`);
    this.cacheBeforeBulk = undefined;
  }

  async appendEvents(events: readonly StoredEvent[]): Promise<void> {
    appendEventRows(this.prepared, events, this.replicaId);
  }

  // Issue 20, third and fourth parts: maintenance packs cold events, cold Bronze rows, then cold WP documents,
  // within one budget of blocks (a batch of WP documents counts as one).
  async packColdRows(maxBlocks: number): Promise<{ packed: number; more: boolean }> {
    const events = packColdBlocks(this.prepared, maxBlocks);
    const bronze = packColdBronze(this.prepared, maxBlocks - events.packed);
    const docs = packColdWpDocs(this.prepared, maxBlocks - events.packed - bronze.packed);
    const packed = events.packed + bronze.packed + docs.packed;
    // The pages the packed rows left go back to the file system (a file made with auto_vacuum INCREMENTAL; an
    // older file's later writes reuse them). exec runs it to its end: a prepared statement's step frees one page.
    if (packed > 0) this.db.exec("PRAGMA incremental_vacuum");
    return { packed, more: events.more || bronze.more || docs.more };
  }

  async rebuildPackedIndexes(): Promise<void> {
    // Packing removes index entries (a job id held by the row before, a superseded snapshot's id) and rewrites
    // rows, leaving index pages part empty (~80 bytes a WP in the job index alone); a rebuild fills them. The
    // rows packed since the last rebuild are written again first, filling the table's pages, and every index is
    // rebuilt, not only those two: jobs leave the WP, dependency and Silver indexes ~12% empty (~78 bytes a WP at
    // 10K) as they insert out of key order (seventh part).
    rewritePackedRows(this.prepared);
    this.db.exec("REINDEX; PRAGMA incremental_vacuum");
  }

  async getWp(wpId: string): Promise<TrackedWorkPacket | undefined> {
    return parse(this.prepared("SELECT doc FROM work_packets WHERE wp_id = ?").get(wpId) as Row | undefined);
  }

  async getWps(wpIds: readonly string[]): Promise<TrackedWorkPacket[]> {
    if (wpIds.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT doc FROM work_packets WHERE wp_id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(wpIds)) as Row[];
    return rows.map((row) => docOf<TrackedWorkPacket>(row.doc));
  }

  // The work_packets row, its labels and the readiness counters live in sqlite-wp-rows.ts.
  async putWp(wp: TrackedWorkPacket): Promise<void> {
    putWpRow(this.prepared, wp);
  }

  async purgeCandidates(before: string): Promise<PurgeCandidate[]> {
    return purgeCandidates(this.prepared, before);
  }

  async purgeEvents(events: readonly PurgeCandidate[], checkpointSeq: number): Promise<void> {
    purgeEvents(this.prepared, events, checkpointSeq);
  }

  async insertNewWps(wps: readonly TrackedWorkPacket[]): Promise<void> {
    insertNewWpRows(this.prepared, wps);
  }

  // Bronze snapshots live in sqlite-bronze.ts.
  async putBronze(b: BronzeSnapshot, inherited?: BronzeInherited): Promise<void> {
    putBronze(this.prepared, b, inherited);
  }

  async putBronzes(snapshots: readonly BronzeSnapshot[]): Promise<void> {
    putBronzes(this.prepared, snapshots);
  }

  async lastBronzeId(wpId: string): Promise<string | undefined> {
    return lastBronzeId(this.prepared, wpId);
  }

  async bronzeSnapshots(wpId?: string): Promise<BronzeSnapshot[]> {
    return bronzeSnapshots(this.prepared, wpId);
  }

  async getMt(wpId: string, mtId: string): Promise<TrackedMicroTask | undefined> {
    return parse(
      this.prepared("SELECT doc FROM micro_tasks WHERE wp_id = ? AND mt_id = ?").get(wpId, mtId) as
        | Row
        | undefined,
    );
  }

  async getMts(wpId: string): Promise<TrackedMicroTask[]> {
    const rows = this.prepared("SELECT doc FROM micro_tasks WHERE wp_id = ? ORDER BY mt_id").all(
      wpId,
    ) as Row[];
    return rows.map((row) => JSON.parse(row.doc as string) as TrackedMicroTask);
  }

  async putMt(mt: TrackedMicroTask): Promise<void> {
    this.prepared(
      `INSERT INTO micro_tasks (wp_id, mt_id, status, doc) VALUES (?, ?, ?, ?)
       ON CONFLICT (wp_id, mt_id) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
    ).run(mt.wp_id, mt.mt_id, mt.status, JSON.stringify(mt));
  }

  async getDependency(dependencyId: string): Promise<TrackedDependency | undefined> {
    return parse(
      this.prepared(`SELECT ${DEP_DOC} AS doc FROM dependencies d WHERE dependency_id = ?`).get(
        dependencyId,
      ) as Row | undefined,
    );
  }

  async findDependency(
    from: string,
    to: string,
    type: DependencyType,
  ): Promise<TrackedDependency | undefined> {
    const sql = `SELECT ${DEP_DOC} AS doc FROM dependencies d WHERE from_wp_id = ? AND type = ? AND to_wp_id = ?`;
    return parse(this.prepared(sql).get(from, type, to) as Row | undefined);
  }

  async putDependency(dep: TrackedDependency): Promise<void> {
    this.prepared(
      "INSERT INTO dependencies (dependency_id, from_wp_id, to_wp_id, type, doc) VALUES (?, ?, ?, ?, ?)",
    ).run(dep.dependency_id, dep.from_wp_id, dep.to_wp_id, dep.type, storedDependencyDoc(dep));
    if (dep.type === "blocks") adjustBlockCounters(this.prepared, dep, 1);
  }

  async removeDependency(dependencyId: string): Promise<void> {
    const dep = await this.getDependency(dependencyId);
    if (!dep) return;
    this.prepared("DELETE FROM dependencies WHERE dependency_id = ?").run(dependencyId);
    if (dep.type === "blocks") adjustBlockCounters(this.prepared, dep, -1);
  }

  async dependenciesOf(wpId: string): Promise<WpDependencies> {
    const incoming = this.prepared(
      `SELECT ${DEP_DOC} AS doc FROM dependencies d WHERE to_wp_id = ? ORDER BY dependency_id`,
    ).all(wpId) as Row[];
    const outgoing = this.prepared(
      `SELECT ${DEP_DOC} AS doc FROM dependencies d WHERE from_wp_id = ? ORDER BY dependency_id`,
    ).all(wpId) as Row[];
    const decode = (rows: Row[]) => rows.map((row) => JSON.parse(row.doc as string) as TrackedDependency);
    return { incoming: decode(incoming), outgoing: decode(outgoing) };
  }

  async edgeCount(wpId: string): Promise<number> {
    const row = this.prepared(
      "SELECT (SELECT COUNT(*) FROM dependencies WHERE from_wp_id = @wp) + (SELECT COUNT(*) FROM dependencies WHERE to_wp_id = @wp) AS n",
    ).get({ wp: wpId }) as Row;
    return row.n as number;
  }

  // Graph walks live in sqlite-graph-walk.ts.
  async findPath(from: string, to: string, type: DependencyType): Promise<string[] | undefined> {
    return findPath(this.prepared, from, to, type);
  }

  async reachableEdges(
    wpId: string,
    types: readonly DependencyType[],
    direction: "down" | "up",
    maxEdges: number,
  ): Promise<TrackedDependency[]> {
    return reachableEdges(this.prepared, wpId, types, direction, maxEdges);
  }

  async queryWps(query: WpQuery): Promise<WpPage> {
    const { where, params, order } = buildWpQuery(query, "set");
    const orderParams = query.sort === "hybrid" ? [query.now_ms] : [];
    const labelled = (query.labels?.length ?? 0) > 0;
    // The page is chosen on the covering readiness index and only its WPs' documents are read. With a label
    // filter, scanning the candidates dominates, so the count rides along the page's one pass (a window);
    // without one, the count is an index-only pass of its own and the page keeps SQLite's top-N sort.
    const page = this.prepared(
      `SELECT w.wp_id${labelled ? ", COUNT(*) OVER () AS total" : ""} FROM work_packets w WHERE ${where}
       ORDER BY ${order} LIMIT ? OFFSET ?`,
    ).all(...params, ...orderParams, query.limit, query.offset) as Row[];
    const counted = labelled && page.length > 0 ? (page[0]?.total as number) : undefined;
    const total =
      counted ??
      ((this.prepared(`SELECT COUNT(*) AS n FROM work_packets w WHERE ${where}`).get(...params) as Row)
        .n as number);
    const doc = this.prepared("SELECT doc FROM work_packets WHERE wp_id = ?");
    return {
      wps: page.map((row) => docOf<TrackedWorkPacket>((doc.get(row.wp_id) as Row).doc)),
      total_count: total,
    };
  }

  async openBlockers(wpIds: readonly string[]): Promise<Map<string, OpenBlocker[]>> {
    if (wpIds.length === 0) return new Map();
    const rows = this.prepared(
      `SELECT ${DEP_DOC} AS doc, b.status FROM dependencies d JOIN work_packets b ON b.wp_id = d.from_wp_id
       WHERE d.to_wp_id IN (SELECT value FROM json_each(?)) AND d.type = 'blocks' AND b.status NOT IN ('done', 'cancelled')
       ORDER BY d.dependency_id`,
    ).all(JSON.stringify(wpIds)) as Row[];
    return blockersByWp(rows);
  }

  // Section 8 board bookkeeping lives in sqlite-board-state.ts.
  async listBoardWps(): Promise<BoardWpState[]> {
    return listBoardWps(this.prepared);
  }

  async getBoardState(boardPath: string, wpIds?: readonly string[]): Promise<Map<string, BoardWpState>> {
    return getBoardState(this.prepared, boardPath, wpIds);
  }

  async putBoardState(boardPath: string, entries: readonly BoardWpState[]): Promise<void> {
    putBoardState(this.prepared, boardPath, entries);
  }

  async eventHashAt(seq: number): Promise<string | undefined> {
    const row = this.prepared("SELECT hash FROM events WHERE seq = ?").get(seq) as Row | undefined;
    if (row === undefined) return undefined;
    // A packed row may keep 4 bytes of its hash (sqlite-event-reads.ts): computed through its block.
    return isShort(row.hash) ? eventHashAtSqlite(this.prepared, seq) : hashFromColumn(row.hash);
  }

  async jobIdUsed(jobId: string): Promise<boolean> {
    // Either stored form of the id (event-rows.ts): bytes, or the text of rows written before.
    const decision = termInSqlite("event_name", ["capability_decision"]);
    const sql = `SELECT 1 FROM events WHERE seq IN (${jobEventSeqsSqlite("jh.job_id IN (?, ?)")}) AND NOT ${decision} LIMIT 1`;
    return this.prepared(sql).get(storedUuid(jobId), jobId) !== undefined;
  }

  async getIdempotent(key: string): Promise<IdempotentRecord | undefined> {
    const row = this.prepared("SELECT request_hash, result FROM idempotency WHERE key = ?").get(key) as
      | Row
      | undefined;
    return row
      ? { request_hash: row.request_hash as string, result: JSON.parse(row.result as string) }
      : undefined;
  }

  async putIdempotent(key: string, record: IdempotentRecord): Promise<void> {
    this.prepared("INSERT INTO idempotency (key, request_hash, result) VALUES (?, ?, ?)").run(
      key,
      record.request_hash,
      JSON.stringify(record.result),
    );
  }
}
