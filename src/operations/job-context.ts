import { grantCovers } from "../domain/capabilities.js";
import type { Clock } from "../domain/clock.js";
import { LocusError } from "../domain/errors.js";
import { type BronzeInherited, inheritedOf } from "../domain/events/bronze-delta.js";
import { bronzeOperation, makeBronze } from "../domain/events/bronze-history.js";
import type { EmittedPayload, EventName } from "../domain/events/event-registry.js";
import { validateEventPayload } from "../domain/events/event-registry.js";
import { applyEvent, emptyState, emptyTouched, type LocusState, mtKey } from "../domain/events/evolve.js";
import { chainReceived, eventHash } from "../domain/events/hash-chain.js";
import type { OriginEvent } from "../domain/events/stored-event.js";
import { type IdSource, newBronzeId, newWpId } from "../domain/ids.js";
import type { TrackedMicroTask, TrackedWorkPacket } from "../domain/records.js";
import type { ChainHead, LocusStore, StoredEvent, StoreTransaction } from "../store/store-port.js";
import { indexWrittenWorkPackets } from "./search/index-on-write.js";
import type { WorkspaceConfig } from "./workspace-config.js";

/** Who runs a job and under which ids. */
export interface JobIdentity {
  job_id: string;
  trace_id: string;
  protocol_id: string;
  actor_id: string;
  profile_id: string;
  /**
   * The job's effective grants (its profile intersected with the surface's, section 3). An operation that
   * needs a capability only on some paths (board adoption past `ready` needs `locus.gate`) asks `useCapability`.
   */
  grants: ReadonlySet<string>;
}

/** Services a job reads besides the store. */
export interface JobServices {
  clock: Clock;
  ids: IdSource;
  config: WorkspaceConfig;
  replicaId: string;
  /** The workspace root folder, when the store belongs to a folder on disk (board, packets). */
  workspaceRoot?: string;
  /** Section 17: the linked git worktree the job runs from (its board copy keeps its own board state). */
  checkout?: string;
  /** A folder for rebuildable caches (the Task Board line index); without one they stay in memory. */
  cacheFolder?: string;
  /** Section 13: opens another store as a sync peer (a store URL as for --store); an absent file is not created. */
  openPeer?: (url: string) => Promise<LocusStore>;
  /** Long operations report progress here (the CLI draws it on stderr): a label and the count so far; -1 ends. */
  progress?: (label: string, done: number) => void;
  /** A one-line note for a person about work that will take a while (the CLI prints it on a terminal's stderr). */
  notice?: (message: string) => void;
}

/**
 * Everything one job sees inside its transaction: the records it loaded (a working copy of the state), the
 * events it emitted, sealed into the chain as they are emitted, and the WP writes it planned. Operations change
 * state only by emitting events; `flush` writes what the events changed, the Bronze snapshots and the events.
 */
export class JobContext {
  /** The records this job loaded, changed in place by its events. */
  readonly state: LocusState = emptyState();
  private readonly touched = emptyTouched();
  private sealed: StoredEvent[] = [];
  /** What each sealed event was emitted with: a read-only job seals them again if the head moved (flush). */
  private emitted: { name: EventName; payload: unknown }[] = [];
  /** How many of `sealed` are already in the store (appendReceived writes them first, to keep chain order). */
  private appendedCount = 0;
  private readonly plannedWrites = new Map<string, string>();
  /** Per WP loaded from the store: the notes and gate decisions its last Bronze snapshot already holds. */
  private readonly storedCounts = new Map<string, BronzeInherited>();
  /** WP ids this job made: no row or Bronze snapshot of them can be stored yet. */
  private readonly madeIds = new Set<string>();
  private head: ChainHead;
  /** The job's time: one clock reading, never before the head's floor (moved only by sealAfterLockedHead). */
  private time: Date;
  /** Set by operations that changed what the Task Board shows. */
  boardDirty = false;
  /**
   * Work that must happen last, after every state write succeeded, while the transaction is still open (the
   * Task Board file write, section 8): if one throws, the transaction rolls back. Run by the envelope.
   */
  readonly beforeCommit: (() => Promise<void>)[] = [];

  constructor(
    readonly tx: StoreTransaction,
    readonly identity: JobIdentity,
    readonly services: JobServices,
    head: ChainHead,
  ) {
    this.head = head;
    // Section 13, hybrid logical time: never earlier than an event this store received from another replica,
    // so every event this job writes folds after everything the store has seen (merge-order.ts).
    const now = services.clock();
    this.time = head.floor_ms !== undefined && now.getTime() < head.floor_ms ? new Date(head.floor_ms) : now;
  }

  /** The job's time (one clock reading a job, never before an event the store received from another replica). */
  get now(): Date {
    return this.time;
  }

  /** The job's timestamp (one clock reading per job). */
  get timestamp(): string {
    return this.time.toISOString();
  }

  /** The workspace configuration. */
  get config(): WorkspaceConfig {
    return this.services.config;
  }

  /** Validates, seals and applies one event (fail fast: a bad event throws and the job rolls back). */
  emit<N extends EventName>(name: N, payload: EmittedPayload<N>): StoredEvent {
    this.emitted.push({ name, payload });
    const sequence = this.head.sequence + 1;
    const replica = this.services.replicaId;
    // Object.assign onto a new literal, not `{ ...payload, replica_id }`: V8 (Node 20) keeps an object made by a
    // spread and then extended alive through the next young-generation GC, and promotes it at the one after.
    // Every event's objects then survived about two GCs, and each GC copied ~400 KB (section 12, write p99).
    const full: Record<string, unknown> = Object.assign({}, payload);
    full.replica_id = replica;
    full.sequence = sequence;
    full.vector_clock = { [replica]: sequence };
    const { event_id, payload: checked } = validateEventPayload(name, full);
    const unsealed: Omit<StoredEvent, "hash"> = {
      seq: this.head.seq + 1,
      event_uuid: this.services.ids.uuid(),
      event_id,
      event_name: name,
      timestamp: this.timestamp,
      trace_id: this.identity.trace_id,
      job_id: this.identity.job_id,
      protocol_id: this.identity.protocol_id,
      actor_id: this.identity.actor_id,
      replica_id: replica,
      sequence,
      vector_clock: { [replica]: sequence },
      payload: checked as Record<string, unknown>,
      prev_hash: this.head.hash,
    };
    const event = unsealed as StoredEvent; // sealed in place: the same object, with its hash
    event.hash = eventHash(unsealed);
    applyEvent(this.state, event, this.touched);
    this.sealed.push(event);
    this.head = { seq: event.seq, hash: event.hash, sequence };
    return event;
  }

  /**
   * Section 3 for a capability an operation needs only on some paths (a board adopted past `ready` passes
   * gates): records the decision as `capability_decision`, like the envelope's own, and says whether it is
   * granted. The log then shows who allowed each gate event, which import and replica sync check (issue 21).
   */
  useCapability(capabilityId: string, reason: string): boolean {
    const allowed = grantCovers(this.identity.grants, capabilityId);
    this.emit("capability_decision", {
      capability_id: capabilityId,
      actor_id: this.identity.actor_id,
      job_id: this.identity.job_id,
      decision_outcome: allowed ? "allow" : "deny",
      capability_profile_id: this.identity.profile_id,
      reason: reason.slice(0, 200),
    });
    return allowed;
  }

  /** Loads a WP into the working state; a missing or deleted WP is HSK-404-NOT-FOUND naming `field`. */
  async wp(
    wpId: string,
    options: { field?: string; allowDeleted?: boolean } = {},
  ): Promise<TrackedWorkPacket> {
    let wp = this.state.wps.get(wpId);
    if (!wp) {
      wp = await this.tx.getWp(wpId);
      if (wp) this.takeLoaded(wp);
    }
    if (!wp || (wp.tombstone && !options.allowDeleted)) {
      throw new LocusError("HSK-404-NOT-FOUND", `work packet ${wpId} does not exist`, {
        field: options.field ?? "wp_id",
        wp_id: wpId,
      });
    }
    return wp;
  }

  /** Loads a WP if it exists (deleted ones included), without refusing. */
  async maybeWp(wpId: string): Promise<TrackedWorkPacket | undefined> {
    const cached = this.state.wps.get(wpId);
    if (cached) return cached;
    const wp = await this.tx.getWp(wpId);
    if (wp) this.takeLoaded(wp);
    return wp;
  }

  /**
   * Takes a WP read from the store into the working state, noting its append-only counts first: the stored row
   * is the WP as its last Bronze snapshot holds it (flush writes both), so this write's snapshot inherits them.
   */
  takeLoaded(wp: TrackedWorkPacket): void {
    this.storedCounts.set(wp.wp_id, inheritedOf(wp));
    this.state.wps.set(wp.wp_id, wp);
  }

  /** Loads every MT of a WP into the working state. */
  async mts(wpId: string): Promise<TrackedMicroTask[]> {
    const stored = await this.tx.getMts(wpId);
    return stored.map((mt) => {
      const key = mtKey(wpId, mt.mt_id);
      const cached = this.state.mts.get(key);
      if (cached) return cached;
      this.state.mts.set(key, mt);
      return mt;
    });
  }

  /** Loads one MT; a missing one is HSK-404-NOT-FOUND. */
  async mt(wpId: string, mtId: string): Promise<TrackedMicroTask> {
    const key = mtKey(wpId, mtId);
    let mt = this.state.mts.get(key);
    if (!mt) {
      mt = await this.tx.getMt(wpId, mtId);
      if (mt) this.state.mts.set(key, mt);
    }
    if (!mt) {
      throw new LocusError("HSK-404-NOT-FOUND", `micro-task ${mtId} does not exist in ${wpId}`, {
        field: "mt_id",
        wp_id: wpId,
        mt_id: mtId,
      });
    }
    return mt;
  }

  /** A new WP id; its first write needs no look for an earlier snapshot (one round trip less on PostgreSQL). */
  newWpId(): string {
    const wpId = newWpId(this.services.ids);
    this.madeIds.add(wpId);
    return wpId;
  }

  /** Plans the one write of a WP in this job: the Bronze id and the version it will have (section 2, 9). */
  planWpWrite(wp: Pick<TrackedWorkPacket, "wp_id" | "version">): { bronze_id: string; version: number } {
    let bronzeId = this.plannedWrites.get(wp.wp_id);
    if (bronzeId === undefined) {
      bronzeId = newBronzeId(this.services.ids);
      this.plannedWrites.set(wp.wp_id, bronzeId);
    }
    return { bronze_id: bronzeId, version: wp.version + 1 };
  }

  /** Ids of the events this job emitted, in order, without the capability audit (section 3 step 5). */
  eventIds(): string[] {
    return this.sealed
      .filter((event) => event.event_name !== "capability_decision")
      .map((event) => event.event_id);
  }

  /** The events this job sealed. */
  events(): readonly StoredEvent[] {
    return this.sealed;
  }

  /**
   * Section 13: appends events received from another replica to the chain, after the events this job sealed so
   * far (written first, so the chain keeps the order things happened in). Their state is the caller's to write.
   */
  async appendReceived(events: readonly OriginEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.appendSealed();
    const received = chainReceived(events, this.head);
    await this.tx.appendEvents(received);
    const last = received[received.length - 1] as StoredEvent;
    this.head = { ...this.head, seq: last.seq, hash: last.hash };
  }

  private async appendSealed(): Promise<void> {
    if (this.appendedCount === this.sealed.length) return;
    await this.tx.appendEvents(
      this.appendedCount === 0 ? this.sealed : this.sealed.slice(this.appendedCount),
    );
    this.appendedCount = this.sealed.length;
  }

  /**
   * A read-only job (TransactionOptions.readOnly) read without the workspace lock; the lock comes with the head
   * its events must follow, which other jobs' commits may have moved meanwhile. Its events are then sealed again
   * after that head, as if emitted now: same names, payloads and timestamp, new seq, sequence and hashes. Only a
   * job that changed nothing can be moved so (its events touch no state). Without lockForWrite (SQLite) or with
   * the lock held from the start, the head has not moved and nothing is done.
   */
  private async sealAfterLockedHead(): Promise<void> {
    if (this.appendedCount > 0 || this.sealed.length === 0 || this.tx.lockForWrite === undefined) return;
    const head = await this.tx.lockForWrite();
    const first = this.sealed[0] as StoredEvent;
    if (head.seq === first.seq - 1 && head.hash === first.prev_hash && head.sequence === first.sequence - 1)
      return;
    const { touched } = this;
    if (touched.wps.size + touched.mts.size + touched.depsPut.size + touched.depsRemoved.size > 0)
      throw new Error("internal: a job that changed state ran without the workspace lock");
    const emitted = this.emitted;
    this.sealed = [];
    this.emitted = [];
    this.head = head;
    // The head may carry a later floor (a pull committed meanwhile): the events then take that time.
    if (head.floor_ms !== undefined && this.time.getTime() < head.floor_ms)
      this.time = new Date(head.floor_ms);
    for (const { name, payload } of emitted) this.emit(name, payload as EmittedPayload<typeof name>);
  }

  /** Writes the changed records, one Bronze snapshot per written WP, and the sealed events. */
  async flush(): Promise<void> {
    await this.sealAfterLockedHead();
    const { tx, state, touched } = this;
    const written: { wp: TrackedWorkPacket; bronze_id: string }[] = []; // for the search index below
    // The last event of each write, found in one pass: a job that writes thousands of WPs (an import, section 15)
    // must not scan all its events once per WP.
    const lastOfWrite = new Map<unknown, StoredEvent>();
    for (const sealed of this.sealed)
      if (sealed.payload.bronze_id !== undefined) lastOfWrite.set(sealed.payload.bronze_id, sealed);
    for (const wpId of touched.wps) {
      const wp = state.wps.get(wpId) as TrackedWorkPacket;
      const bronzeId = this.plannedWrites.get(wpId);
      // The Bronze operation comes from the write's last event, as bronzeHistory() derives it from the log.
      const event = bronzeId === undefined ? undefined : lastOfWrite.get(bronzeId);
      if (bronzeId === undefined || !event)
        throw new Error(`internal: WP ${wpId} changed without a planned write`);
      await tx.putWp(wp);
      const previous = this.madeIds.has(wpId) ? undefined : await tx.lastBronzeId(wpId);
      // Section 9: the row stores only the notes and gate decisions its previous snapshot does not hold.
      const inherited = previous === undefined ? undefined : this.storedCounts.get(wpId);
      await tx.putBronze(
        makeBronze(wp, bronzeId, bronzeOperation(event.event_name, event.payload), this.timestamp, previous),
        inherited,
      );
      written.push({ wp, bronze_id: bronzeId });
    }
    // Section 9: the keyword index and Silver chunk text follow the WP writes in this same transaction.
    await indexWrittenWorkPackets(tx, written, this.services);
    for (const key of touched.mts) await tx.putMt(state.mts.get(key) as TrackedMicroTask);
    for (const id of touched.depsRemoved) await tx.removeDependency(id);
    for (const id of touched.depsPut) {
      const dep = state.deps.get(id);
      if (dep) await tx.putDependency(dep);
    }
    await this.appendSealed();
  }
}
