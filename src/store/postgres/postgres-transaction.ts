import type { BronzeInherited } from "../../domain/events/bronze-delta.js";
import { readinessColumns } from "../../domain/leases.js";
import type {
  DependencyType,
  TrackedDependency,
  TrackedMicroTask,
  TrackedWorkPacket,
  WorkPacketStatus,
} from "../../domain/records.js";
import { isClosedStatus } from "../../domain/records.js";
import { chainHeadOf } from "../meta-rows.js";
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
import { getBoardState, listBoardWps, putBoardState } from "./postgres-board-state.js";
import { bronzeSnapshots, lastBronzeIdOf, putBronze, putBronzes } from "./postgres-bronze.js";
import { packColdRows } from "./postgres-bronze-blocks.js";
import { insertNewWps } from "./postgres-bulk-writes.js";
import { eventHashAt } from "./postgres-event-reads.js";
import { dependenciesOf, edgeCount, findPath, openBlockers, reachableEdges } from "./postgres-graph-walk.js";
import { getIdempotent, jobIdUsed, putIdempotent } from "./postgres-idempotency.js";
import { bronzeIdFromColumn, storedDependencyDocPostgres } from "./postgres-key-forms.js";
import type { PostgresPipeline } from "./postgres-pipeline.js";
import { PostgresReplicaLog } from "./postgres-replica-log.js";
import { purgeCandidates, purgeEvents } from "./postgres-retention.js";
import { PostgresSearchIndex } from "./postgres-search-index.js";
import {
  APPEND_EVENTS,
  appendEventsParams,
  beginScript,
  FIND_DEPENDENCY,
  GET_DEPENDENCY,
  GET_MTS,
  GET_WP,
  PUT_DEPENDENCY,
  PUT_WP,
  REMOVE_DEPENDENCY,
} from "./postgres-statements.js";
import { wpBoardColumns, wpDocColumn } from "./postgres-wp-docs.js";
import { wpPageStatements } from "./postgres-wp-query.js";

type Row = Record<string, unknown>;
const docs = <T>(rows: Row[]): T[] => rows.map((row) => docOf<T>(row.doc));

/** What BEGIN answered (PostgresStore.begin): the chain head, whether the workspace is locked, the early reads. */
export interface Begun {
  head: ChainHead;
  locked: boolean;
  early: Map<string, Promise<Row[]>>;
}

/**
 * The StoreTransaction of the PostgreSQL backend: one pooled client inside BEGIN ... COMMIT, holding the
 * workspace lock (taken by the store before this object exists). `$1` is always the workspace id: no statement
 * here can read or write another workspace's rows (9).
 */
export class PostgresTransaction implements StoreTransaction {
  /** True once this transaction appended events (the store then knows a NOTIFY goes out on commit). */
  appended = false;
  /** 9: tsvector keyword index and Silver chunks on the same client (postgres-search-index.ts). */
  readonly search: PostgresSearchIndex;
  /** 13: what replica sync reads and writes besides the state (postgres-replica-log.ts). */
  readonly replicaLog: PostgresReplicaLog;

  /**
   * The newest Bronze id of each WP this transaction read or wrote (null: none): getWp reads it with the WP, so
   * the job's write needs no round trip of its own for `previous_bronze_id` (issue 16).
   */
  private readonly lastBronze = new Map<string, string | null>();

  private head: ChainHead;
  /** False for a read-only transaction: it holds no workspace lock until lockForWrite. */
  private locked: boolean;
  /** Rows asked for with BEGIN (`wp <id>`: GET_WP, `mts <id>`: GET_MTS), true until this transaction's first write. */
  private readonly early: Map<string, Promise<Row[]>>;

  constructor(
    private readonly pipeline: PostgresPipeline,
    private readonly workspace: string,
    private readonly replicaId: string,
    begun: Begun,
    searchCacheKey: object,
  ) {
    ({ head: this.head, locked: this.locked, early: this.early } = begun);
    this.search = new PostgresSearchIndex(this.pipeline, searchCacheKey);
    this.replicaLog = new PostgresReplicaLog(this.query);
  }

  /** Runs a static statement and waits for its rows; `$1` is bound to the workspace. */
  private readonly query = (sql: string, values?: unknown[]) => this.pipeline.read(sql, values);
  private readonly rows = this.query;

  /** Sends a static write without waiting for it (its failure fails the job at the next read or at COMMIT). */
  private readonly write = async (sql: string, values?: unknown[]): Promise<void> => {
    // A read-only transaction writes only its events, after lockForWrite: anything else would be unserialized.
    if (!this.locked)
      throw new Error("internal: a write in a read-only transaction before the workspace lock");
    this.early.clear();
    await this.pipeline.write(sql, values);
  };

  /**
   * The head under the workspace lock. A read-only transaction read in a snapshot of its own, without the lock:
   * that transaction ends (it wrote nothing) and the one that appends begins with the lock and a fresh read of the
   * head, all in one message (one socket write and one round trip; the head's statement runs after the lock is
   * granted, so it sees every job committed before). The head may have moved past the one the reads began with
   * (DECISIONS, issue 16).
   */
  async lockForWrite(): Promise<ChainHead> {
    if (!this.locked) {
      const { sql, headAt } = beginScript(this.workspace, true, "COMMIT");
      this.head = chainHeadOf((await this.pipeline.script(sql))[headAt] ?? []);
      this.locked = true;
    }
    return { ...this.head };
  }

  /** COMMIT after every write sent: throws the transaction's first failure (nothing is then committed). */
  async commit(): Promise<void> {
    await this.pipeline.commit();
  }

  /** True once this transaction holds the workspace lock: its head is then the workspace's. */
  get holdsLock(): boolean {
    return this.locked;
  }

  async chainHead(): Promise<ChainHead> {
    // Read under the workspace lock at BEGIN, then advanced by appendEvents: the same head SQLite's meta gives.
    return { ...this.head };
  }

  async appendEvents(events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { params, head } = appendEventsParams(events, this.workspace, this.replicaId, this.head);
    await this.write(APPEND_EVENTS, params);
    this.head = head;
    this.appended = true;
  }

  async purgeCandidates(before: string): Promise<PurgeCandidate[]> {
    return purgeCandidates(this.query, before);
  }

  async purgeEvents(events: readonly PurgeCandidate[], checkpointSeq: number): Promise<void> {
    await purgeEvents(this.query, events, checkpointSeq);
  }

  // Issue 20, ninth and tenth parts: maintenance packs cold events and Bronze rows in blocks, never a job.
  async packColdRows(maxBlocks: number): Promise<{ packed: number; more: boolean }> {
    return packColdRows(this.query, (await this.lockForWrite()).seq, maxBlocks);
  }

  async getWp(wpId: string): Promise<TrackedWorkPacket | undefined> {
    const row = (await (this.early.get(`wp ${wpId}`) ?? this.rows(GET_WP, [wpId])))[0];
    this.lastBronze.set(wpId, bronzeIdFromColumn(row?.last_bronze_id));
    return row?.doc == null ? undefined : docOf<TrackedWorkPacket>(row.doc);
  }

  async getWps(wpIds: readonly string[]): Promise<TrackedWorkPacket[]> {
    if (wpIds.length === 0) return [];
    const sql = "SELECT doc FROM work_packets WHERE workspace_id = $1 AND wp_id = ANY($2::text[])";
    return docs(await this.rows(sql, [[...wpIds]]));
  }

  async putWp(wp: TrackedWorkPacket): Promise<void> {
    // One statement: the WP, its readiness counters, its dependents' counters and its labels (PUT_WP).
    await this.write(PUT_WP, [
      wp.wp_id,
      wp.status,
      wp.priority,
      wp.type,
      wp.governance.phase ?? null,
      wp.assignee ?? null,
      wp.created_at,
      Date.parse(wp.created_at),
      wp.tombstone !== undefined,
      wpDocColumn(wp), // deflated (issue 20, fifth part)
      !isClosedStatus(wp.status),
      wp.labels,
      ...Object.values(readinessColumns(wp)), // $14 defer_ms, $15 lease_expires_ms (section 17)
      ...wpBoardColumns(wp), // $16 board_status, $17 board_token
    ]);
  }

  async putBronze(b: BronzeSnapshot, inherited?: BronzeInherited): Promise<void> {
    await putBronze(this.write, b, inherited);
    this.lastBronze.set(b.wp_id, b.bronze_id);
  }

  async insertNewWps(wps: readonly TrackedWorkPacket[]): Promise<void> {
    await insertNewWps(this.write, wps);
  }

  async putBronzes(snapshots: readonly BronzeSnapshot[]): Promise<void> {
    await putBronzes(this.write, snapshots);
    // Rows of a sync may not come in version order: the newest is read back when asked.
    for (const b of snapshots) this.lastBronze.delete(b.wp_id);
  }

  async lastBronzeId(wpId: string): Promise<string | undefined> {
    const known = this.lastBronze.get(wpId);
    if (known !== undefined) return known ?? undefined;
    const found = await lastBronzeIdOf(this.rows, wpId);
    this.lastBronze.set(wpId, found ?? null);
    return found;
  }

  async bronzeSnapshots(wpId?: string): Promise<BronzeSnapshot[]> {
    return bronzeSnapshots(this.query, wpId);
  }

  async getMt(wpId: string, mtId: string): Promise<TrackedMicroTask | undefined> {
    const sql = "SELECT doc FROM micro_tasks WHERE workspace_id = $1 AND wp_id = $2 AND mt_id = $3";
    return docs<TrackedMicroTask>(await this.rows(sql, [wpId, mtId]))[0];
  }

  async getMts(wpId: string): Promise<TrackedMicroTask[]> {
    return docs(await (this.early.get(`mts ${wpId}`) ?? this.rows(GET_MTS, [wpId])));
  }

  async putMt(mt: TrackedMicroTask): Promise<void> {
    await this.write(
      `INSERT INTO micro_tasks (workspace_id, wp_id, mt_id, status, doc) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, wp_id, mt_id) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
      [mt.wp_id, mt.mt_id, mt.status, JSON.stringify(mt)],
    );
  }

  async getDependency(dependencyId: string): Promise<TrackedDependency | undefined> {
    return docs<TrackedDependency>(await this.rows(GET_DEPENDENCY, [dependencyId]))[0];
  }

  async findDependency(
    from: string,
    to: string,
    type: DependencyType,
  ): Promise<TrackedDependency | undefined> {
    return docs<TrackedDependency>(await this.rows(FIND_DEPENDENCY, [from, type, to]))[0];
  }

  async putDependency(dep: TrackedDependency): Promise<void> {
    // The insert and the readiness counters in one statement; one UPDATE covers both ends, so a self edge
    // (allowed for informational types) is counted like SQLite's two updates would count it.
    await this.write(PUT_DEPENDENCY, [
      dep.dependency_id,
      dep.from_wp_id,
      dep.to_wp_id,
      dep.type,
      storedDependencyDocPostgres(dep), // without its columns' fields (issue 20, fifteenth part)
    ]);
  }

  async removeDependency(dependencyId: string): Promise<void> {
    const dep = await this.getDependency(dependencyId);
    if (!dep) return;
    await this.write(REMOVE_DEPENDENCY, [dep.dependency_id, dep.from_wp_id, dep.to_wp_id, dep.type]);
  }

  async dependenciesOf(wpId: string): Promise<WpDependencies> {
    return dependenciesOf(this.query, wpId);
  }

  async edgeCount(wpId: string): Promise<number> {
    return edgeCount(this.query, wpId);
  }

  async findPath(from: string, to: string, type: DependencyType): Promise<string[] | undefined> {
    return findPath(this.query, from, to, type);
  }

  async reachableEdges(
    wpId: string,
    types: readonly DependencyType[],
    direction: "down" | "up",
    maxEdges: number,
  ): Promise<TrackedDependency[]> {
    return reachableEdges(this.query, wpId, types, direction, maxEdges);
  }

  async queryWps(query: WpQuery): Promise<WpPage> {
    const { count, page } = wpPageStatements(query);
    // The count and the page are sent together: one wait for the server, not two (issue 16). Both are prepared:
    // their plans follow the index, whatever the filters' values.
    const [total, rows] = await Promise.all([
      this.pipeline.readDynamic(count.sql, count.values, true),
      this.pipeline.readDynamic(page.sql, page.values, true),
    ]);
    return { wps: docs(rows), total_count: Number(total[0]?.n ?? 0) };
  }

  async openBlockers(
    wpIds: readonly string[],
  ): Promise<Map<string, { dependency: TrackedDependency; status: WorkPacketStatus }[]>> {
    return openBlockers(this.query, wpIds);
  }

  // Task Board bookkeeping (section 8): the board engineer's statements, kept in postgres-board-state.ts (file
  // size), the twin of sqlite-board-state.ts, scoped to the workspace like every statement here.
  async listBoardWps(): Promise<BoardWpState[]> {
    return listBoardWps(this.query);
  }

  async getBoardState(boardPath: string, wpIds?: readonly string[]): Promise<Map<string, BoardWpState>> {
    return getBoardState(this.query, boardPath, wpIds);
  }

  async putBoardState(boardPath: string, entries: readonly BoardWpState[]): Promise<void> {
    await putBoardState(this.query, boardPath, entries);
  }

  async eventHashAt(seq: number): Promise<string | undefined> {
    return eventHashAt(this.rows, seq); // a row, or an event in a block (postgres-event-reads.ts)
  }

  async jobIdUsed(jobId: string): Promise<boolean> {
    return jobIdUsed(this.rows, jobId);
  }

  async getIdempotent(key: string): Promise<IdempotentRecord | undefined> {
    return getIdempotent(this.rows, key);
  }

  async putIdempotent(key: string, record: IdempotentRecord): Promise<void> {
    await putIdempotent(this.write, key, record);
  }

  /** Empties this workspace's WP/MT/dependency tables (replay --rebuild); other workspaces are untouched. */
  async clearState(): Promise<void> {
    for (const table of ["work_packets", "wp_labels", "micro_tasks", "dependencies"]) {
      await this.write(`DELETE FROM ${table} WHERE workspace_id = $1`);
    }
  }
}
