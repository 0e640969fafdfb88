import type { LocusError } from "../domain/errors.js";
import type { BronzeInherited } from "../domain/events/bronze-delta.js";
import type { BronzeSnapshot } from "../domain/events/bronze-history.js";
import type { LocusState } from "../domain/events/evolve.js";
import type { PurgedEvent } from "../domain/events/hash-chain.js";
import type { OriginEvent, StoredEvent } from "../domain/events/stored-event.js";
import type { SortPolicy } from "../domain/ready-rules.js";
import type { SearchIndexPort } from "../search/search-index-port.js";
import type { DerivedEventColumns } from "./event-derived-columns.js";

export type { BronzeSnapshot, StoredEvent };

import type {
  DependencyType,
  TrackedDependency,
  TrackedMicroTask,
  TrackedWorkPacket,
  WorkPacketStatus,
} from "../domain/records.js";

// 9 / STYLE 4: one domain-level, asynchronous storage port. Backends (sqlite/, postgres/) implement it; nothing
// above this file knows SQL. Derived indexes (readiness counters, label index) are the backend's job.

/** The end of the chain as seen inside a write transaction. */
export interface ChainHead {
  /** Last store-wide seq (0 when empty). */
  seq: number;
  /** Hash of the last event ("" when empty). */
  hash: string;
  /** Last per-replica sequence of this store's replica. */
  sequence: number;
  /**
   * Section 13, hybrid logical time: the earliest timestamp (epoch ms) a new event of this store may carry, so it
   * sorts after every event received from other replicas. Absent until the store receives one.
   */
  floor_ms?: number;
}

/** A page of the log read inside a transaction (section 13: what a peer lacks, in seq order). */
export interface LogPageQuery {
  afterSeq: number;
  limit: number;
  /** Only events of this replica (its replica file), with a per-replica sequence above `afterSequence`. */
  replicaId?: string;
  afterSequence?: number;
}

/** Section 13: what replica sync reads and writes besides the state, inside the write transaction. */
export interface ReplicaLog {
  /** Meta values whose key starts with `prefix` (sync heads, peer cursors, the time floor). */
  readMeta(prefix: string): Promise<Map<string, string>>;
  /** Inserts or replaces meta values. */
  writeMeta(entries: readonly (readonly [string, string])[]): Promise<void>;
  /** Which of `uuids` this store holds already. */
  knownEvents(uuids: readonly string[]): Promise<Set<string>>;
  /** Stored events in seq order (those appended by this transaction included). */
  eventsAfter(query: LogPageQuery): Promise<StoredEvent[]>;
  /** The stored events about any of `wpIds` (derived columns, confirmed against the hashed payload), seq order. */
  eventsOfWps(wpIds: readonly string[]): Promise<StoredEvent[]>;
  /** Which of `wpIds` have a stored event about them (by the derived columns) at or before `seq`. */
  wpsWithEventsUpTo(wpIds: readonly string[], seq: number): Promise<Set<string>>;
  /** Every dependency_added and dependency_removed event, in seq order. */
  dependencyEvents(): Promise<StoredEvent[]>;
  /** Every stored dependency. */
  allDependencies(): Promise<TrackedDependency[]>;
}

/** A WP query: the ready filters of section 7, plus readiness and deletion switches. */
export interface WpQuery {
  statuses: readonly WorkPacketStatus[];
  /**
   * ready: no open blocker and not deferred past `now_ms`; blocked: an open blocker, or deferred past `now_ms`
   * (section 17); any: ignore readiness.
   */
  readiness: "ready" | "blocked" | "any";
  /** Section 17: only WPs a claim may take at `now_ms`: no assignee, or a lease that has expired. */
  free?: boolean;
  include_deleted: boolean;
  assignee?: string;
  priority_min?: number;
  priority_max?: number;
  phases?: readonly string[];
  labels?: readonly string[];
  types?: readonly string[];
  sort: SortPolicy;
  /** The job's clock in epoch ms: the hybrid sort's age term, deferral and lease expiry read it. */
  now_ms: number;
  offset: number;
  limit: number;
}

/** A page of WPs and the count before paging. */
export interface WpPage {
  wps: TrackedWorkPacket[];
  total_count: number;
}

/** Incoming and outgoing edges of a WP. */
export interface WpDependencies {
  incoming: TrackedDependency[];
  outgoing: TrackedDependency[];
}

/** 8: a WP's board-visible state: its board status (status in capitals) and the token it shows. */
export interface BoardWpState {
  wp_id: string;
  board_status: TrackedWorkPacket["governance"]["task_board_status"];
  token: string;
}

/** An event a retention purge may remove (section 16). */
export interface PurgeCandidate {
  seq: number;
  event_uuid: string;
  event_name: "work_query_executed" | "capability_decision";
  hash: string;
}

/** A stored idempotent result. */
export interface IdempotentRecord {
  request_hash: string;
  result: Record<string, unknown>;
}

/** How a transaction runs; a backend may ignore what it has no use for. */
export interface TransactionOptions {
  /**
   * The job changes no state: its only writes are its events (a query and its capability decisions). PostgreSQL
   * then reads without the workspace's write lock and takes it only to append (lockForWrite), so queries do not
   * queue behind each other and behind writes (issue 16). SQLite ignores it.
   */
  readOnly?: boolean;
  /**
   * WPs the job reads before it writes anything (its `wp_id`, its binding). PostgreSQL asks for them with BEGIN, in
   * the same round trip, and answers getWp from that until the transaction's first write. SQLite ignores it.
   */
  readsWps?: readonly string[];
  /** WPs whose MTs the job reads before it writes anything; asked for and answered like `readsWps`. */
  readsMtsOf?: readonly string[];
}

/** Everything a job may read or write, inside one transaction. */
export interface StoreTransaction {
  /** The chain head, read under the write lock (in a read-only transaction: when it began, see lockForWrite). */
  chainHead(): Promise<ChainHead>;
  /**
   * Optional (PostgreSQL): the chain head under the workspace's write lock. A read-only transaction (see
   * TransactionOptions) takes the lock here, and the head may then be past the one it began with: events sealed
   * after the old head must be sealed again after this one. Any other transaction already holds the lock and
   * answers its head without asking the server.
   */
  lockForWrite?(): Promise<ChainHead>;
  /**
   * Optional (SQLite): this transaction writes a bulk of rows it will hardly read again (a sync's pages, section
   * 13), so the backend may keep fewer of them in memory until the transaction ends. Changes no result.
   */
  bulkWrite?(): void;
  /** Appends sealed events (their seq, sequence and hashes already computed from chainHead). */
  appendEvents(events: readonly StoredEvent[]): Promise<void>;
  /**
   * Section 16, retention: the events a purge may remove, older than `before` (an ISO time), oldest first: every
   * `work_query_executed`, and each `capability_decision` of a job that recorded nothing else (the decisions that
   * allowed a state change stay: they are what replicas and imports judge that change by).
   */
  purgeCandidates(before: string): Promise<PurgeCandidate[]>;
  /** Removes these events' rows, keeping their seq, uuid and hash under the checkpoint event `checkpointSeq`. */
  purgeEvents(events: readonly PurgeCandidate[], checkpointSeq: number): Promise<void>;
  /**
   * Optional (SQLite; PostgreSQL events only, ninth part; issue 20, third and fourth parts): packs up to `maxBlocks` blocks of cold events, cold
   * Bronze rows and cold WP documents (128 WPs a block) not packed yet, oldest first; says how many it packed and
   * whether more are cold. Maintenance, never called by
   * a job (operations/maintenance/compact-store.ts).
   */
  packColdRows?(maxBlocks: number): Promise<{ packed: number; more: boolean }>;

  /**
   * Optional (SQLite; issue 20, sixth part): rebuilds the indexes of the tables packing rewrites (events, Bronze),
   * whose pages packing leaves part empty, and gives the freed pages back. Maintenance only (compact-store.ts).
   */
  rebuildPackedIndexes?(): Promise<void>;

  getWp(wpId: string): Promise<TrackedWorkPacket | undefined>;
  getWps(wpIds: readonly string[]): Promise<TrackedWorkPacket[]>;
  /** Inserts or replaces a WP and keeps the readiness indexes exact. */
  putWp(wp: TrackedWorkPacket): Promise<void>;
  /** `putWp` for many WPs none of which is stored yet, in one round trip (a sync writes thousands). */
  insertNewWps(wps: readonly TrackedWorkPacket[]): Promise<void>;
  /**
   * Stores a Bronze snapshot. `inherited` (section 9, bronze-delta.ts): how many leading notes and gate
   * decisions it shares with the snapshot at its `previous_bronze_id`; the row keeps only the rest.
   */
  putBronze(snapshot: BronzeSnapshot, inherited?: BronzeInherited): Promise<void>;
  /**
   * Many whole snapshots (nothing inherited) in one round trip (a sync writes thousands). A store that packs cold
   * rows in blocks may keep their docs unpacked until then (SQLite, issue 12).
   */
  putBronzes(snapshots: readonly BronzeSnapshot[]): Promise<void>;
  lastBronzeId(wpId: string): Promise<string | undefined>;
  /**
   * Every Bronze snapshot of a WP, oldest first, whole (inherited notes and gate decisions put back; 2.3.14.5.2:
   * Bronze supports export); all WPs when omitted.
   */
  bronzeSnapshots(wpId?: string): Promise<BronzeSnapshot[]>;

  getMt(wpId: string, mtId: string): Promise<TrackedMicroTask | undefined>;
  getMts(wpId: string): Promise<TrackedMicroTask[]>;
  putMt(mt: TrackedMicroTask): Promise<void>;

  getDependency(dependencyId: string): Promise<TrackedDependency | undefined>;
  findDependency(
    fromWpId: string,
    toWpId: string,
    type: DependencyType,
  ): Promise<TrackedDependency | undefined>;
  putDependency(dep: TrackedDependency): Promise<void>;
  removeDependency(dependencyId: string): Promise<void>;
  dependenciesOf(wpId: string): Promise<WpDependencies>;
  edgeCount(wpId: string): Promise<number>;
  /** A path `from -> ... -> to` along edges of `type`, or undefined: the cycle check of add_dependency. */
  findPath(fromWpId: string, toWpId: string, type: DependencyType): Promise<string[] | undefined>;
  /** Every edge of the given types reachable from `wpId` (outgoing when direction is "down"), bounded. */
  reachableEdges(
    wpId: string,
    types: readonly DependencyType[],
    direction: "down" | "up",
    maxEdges: number,
  ): Promise<TrackedDependency[]>;

  queryWps(query: WpQuery): Promise<WpPage>;
  /** For each WP id, its open blockers: incoming `blocks` edges whose blocker is neither done nor cancelled. */
  openBlockers(
    wpIds: readonly string[],
  ): Promise<Map<string, { dependency: TrackedDependency; status: WorkPacketStatus }[]>>;

  /** 8: the board-visible state of every WP, deleted ones included, in created order (board sync). */
  listBoardWps(): Promise<BoardWpState[]>;
  /** 8: what this store last wrote on the board at `boardPath` for each WP (only `wpIds` when given). */
  getBoardState(boardPath: string, wpIds?: readonly string[]): Promise<Map<string, BoardWpState>>;
  /** 8: records (insert or replace) what was just written on the board at `boardPath` for these WPs. */
  putBoardState(boardPath: string, entries: readonly BoardWpState[]): Promise<void>;
  /** 8: the hash of the committed event at `seq`, undefined when there is none (a board render that never committed). */
  eventHashAt(seq: number): Promise<string | undefined>;

  getIdempotent(key: string): Promise<IdempotentRecord | undefined>;
  /** True when a stored event carries `jobId` (section 3: a job_id the caller gives names one job only). */
  /**
   * True when a job that ran under `jobId` left more than capability decisions (it committed). A refused job
   * leaves only its decisions, so sending it again under the same id (a retry after HSK-500-STORAGE) is allowed.
   */
  jobIdUsed(jobId: string): Promise<boolean>;
  putIdempotent(key: string, record: IdempotentRecord): Promise<void>;

  /** 13: the log and meta as replica sync reads them, in this transaction. */
  readonly replicaLog: ReplicaLog;

  /** 9: the search index (keyword, Silver, vectors) of this backend, in this transaction; absent if unsupported. */
  readonly search?: SearchIndexPort;
}

/** Options for reading the log. */
export interface EventQuery {
  afterSeq?: number;
  /** Only events before this seq (`events verify` reads the rows of a page before one it cannot decode). */
  beforeSeq?: number;
  wpId?: string;
  /** Only events of these jobs (an audit reads the capability decisions of the jobs that changed a WP). */
  jobIds?: readonly string[];
  limit?: number;
}

/** Section 13: a page of a store's events as a sync hands them on, and the seq of its last one. */
export interface OriginPage {
  events: OriginEvent[];
  /** The seq of the last event of the page (the `afterSeq` asked for when it is empty). */
  lastSeq: number;
}

/** A Locus store: SQLite file or PostgreSQL workspace. */
export interface LocusStore {
  readonly kind: "sqlite" | "postgres";
  /** The replica id of this store (section 6). */
  readonly replicaId: string;
  /** Runs `fn` in one write transaction: all or nothing. Driver errors surface as HSK-500-STORAGE. */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Reads stored events in seq order. With `wpId`, only events whose (hashed) payload is about the WP. A row
   * whose payload or vector clock is not JSON is HSK-400-INVALID-EVENT naming its seq.
   */
  readEvents(query?: EventQuery): Promise<StoredEvent[]>;
  /**
   * Section 13, this store as a sync's peer: the origin fields (originOf) of the events after `afterSeq`, in seq
   * order, at most `limit`, read without their hashes or derived columns. Optional: without it a sync reads
   * readEvents.
   */
  readOriginEvents?(afterSeq: number, limit: number): Promise<OriginPage>;
  /**
   * Meta values whose key starts with `prefix`, read outside any write transaction (one statement): what a team
   * server reads on every request to know its caller (section 14).
   */
  readMeta(prefix: string): Promise<Map<string, string>>;
  /**
   * The derived, unhashed columns (wp_id, related_wp_id) of the stored events, in seq order, for verify: every
   * event's, or a page of them (`afterSeq`, `limit`: the rows readEvents reads with the same bounds).
   */
  readDerivedEventColumns(page?: { afterSeq?: number; limit?: number }): Promise<DerivedEventColumns[]>;
  /** Section 16: the events retention purged (seq, hash, the checkpoint that removed them), in seq order. */
  readPurgedEvents(): Promise<PurgedEvent[]>;
  /** Loads the whole WP/MT/dependency state (for replay checks and exports). */
  loadState(): Promise<LocusState>;
  /** Replaces the WP/MT/dependency tables with `state` and rebuilds derived indexes (replay --rebuild). */
  replaceState(state: LocusState): Promise<void>;
  /**
   * Live changes (`locus events tail --follow`): calls `onEvents` after commits that appended events
   * (PostgreSQL: LISTEN/NOTIFY; SQLite: polls the chain head). `onError` hears when live changes can no
   * longer be delivered (the connection is gone for good). Resolves to the unsubscribe function.
   */
  subscribe?(onEvents: () => void, onError?: (error: LocusError) => void): Promise<() => Promise<void>>;
  /**
   * Optional (PostgreSQL; issue 20, eighth part): gives back the free space the row versions of jobs leave, one
   * table at a time (postgres-free-space.ts). Maintenance only: `locus compact` without a bound runs it.
   * `packed`: this compact packed blocks, so the packed tables are rewritten too (ninth part).
   */
  reclaimFreeSpace?(options?: { packed?: boolean }): Promise<{ rewritten: string[]; skipped: string[] }>;
  close(): Promise<void>;
}
