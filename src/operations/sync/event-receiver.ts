import { type EventName, STATE_EVENT_NAMES } from "../../domain/events/event-registry.js";
import type { MergeConflict } from "../../domain/events/merge-fold.js";
import { compareEvents } from "../../domain/events/merge-order.js";
import { judgeIncomingJob } from "../../domain/events/replica-governance.js";
import type { OriginEvent } from "../../domain/events/stored-event.js";
import type { StoreTransaction } from "../../store/store-port.js";
import type { JobServices } from "../job-context.js";
import { refoldDependencies, refoldWorkPackets } from "./refold.js";

// Section 13: one store receiving another replica's events, page by page, inside its write transaction. Known
// events (by the per-replica sequence heads, then by uuid) are skipped, so each is applied at most once
// whatever path brings it; each new job is judged whole (replica-governance.ts) and appended to this store's
// chain, or refused whole. At the end the WPs and edges the new events touch are folded again from all their
// events in the one merge order (refold.ts), so the live state is what replay builds.

/** A job refused whole, as `sync_events` lists it in `refused`. */
export interface RefusedJob {
  replica_id: string;
  job_id: string;
  events: number;
  code: string;
  reason: string;
  event_uuid: string;
  event_name: string;
}

/** What one receiving side did. */
export interface ReceiveReport {
  /** New events offered (not known here before). */
  received: number;
  /** Events appended and merged. */
  applied: number;
  refused: RefusedJob[];
  conflicts: MergeConflict[];
}

/** The receiving store and how it judges and writes. */
export interface ReceiverSetup {
  tx: StoreTransaction;
  replicaId: string;
  /** The receiving workspace's profile table (section 3): decisions are judged by it. */
  profiles: Readonly<Record<string, readonly string[]>>;
  /** Appends accepted events to the receiving chain. */
  append: (events: OriginEvent[]) => Promise<void>;
  services: Pick<JobServices, "ids" | "workspaceRoot"> & { timestamp: string };
  dryRun: boolean;
}

const HEAD_PREFIX = "replica_head:";
const FLOOR_KEY = "hlc_floor";
/** Bounds what is kept of the report (a sync of a huge log still prints a readable result). */
const REPORT_LIMIT = 500;
/**
 * Accepted WP events kept in memory for the fold at the end, up to this many (a bound, whatever the peer's log):
 * a WP with no event stored before this sync is folded from them, without reading its events back.
 */
const HOLD_LIMIT = 20_000;
/**
 * New events from which a sync is a bulk write for the receiving store (StoreTransaction.bulkWrite): a page of
 * them. Below it, a sync is an ordinary job.
 */
const BULK_EVENTS = 1_000;

/** What a store that held no event before this sync knows of the incoming ones: nothing. */
const NOTHING_KNOWN: ReadonlySet<string> = new Set();

/** Receives pages of events from one source into one store. */
export class EventReceiver {
  private pending: OriginEvent[] = [];
  private readonly touched = new Set<string>();
  private depsChanged = false;
  /** Per WP (and "" for edges), the earliest new event in fold order: conflicts from there on are this sync's. */
  private readonly earliest = new Map<string, OriginEvent>();
  private floorMs: number;
  /** Accepted WP state events by WP (edges apart), while they fit HOLD_LIMIT; undefined once they did not. */
  private held: Map<string, OriginEvent[]> | undefined = new Map();
  private heldCount = 0;
  /** New events offered so far (not known by the heads). */
  private offered = 0;
  private readonly report: ReceiveReport = { received: 0, applied: 0, refused: [], conflicts: [] };

  private constructor(
    private readonly setup: ReceiverSetup,
    private readonly heads: Map<string, number>,
    floorMs: number,
    /** The receiving chain's last seq before this sync: events up to it were there before. */
    private readonly startSeq: number,
  ) {
    this.floorMs = floorMs;
  }

  /** Reads the receiving store's per-replica heads and time floor. */
  static async open(setup: ReceiverSetup, head: { seq: number; sequence: number }): Promise<EventReceiver> {
    const meta = await setup.tx.replicaLog.readMeta(HEAD_PREFIX);
    const heads = new Map<string, number>();
    for (const [key, value] of meta) heads.set(key.slice(HEAD_PREFIX.length), Number(value));
    heads.set(setup.replicaId, head.sequence);
    const floor = (await setup.tx.replicaLog.readMeta(FLOOR_KEY)).get(FLOOR_KEY);
    return new EventReceiver(setup, heads, floor === undefined ? 0 : Number(floor), head.seq);
  }

  /** Takes one page of the source's log, in its order; the last job may continue on the next page. */
  async offer(page: readonly OriginEvent[]): Promise<void> {
    const fresh = page.filter((event) => event.sequence > (this.heads.get(event.replica_id) ?? 0));
    this.offered += fresh.length;
    if (this.offered >= BULK_EVENTS && !this.setup.dryRun) this.setup.tx.bulkWrite?.();
    const events = [...this.pending, ...fresh];
    const jobs = groupJobs(events);
    this.pending = jobs.pop() ?? [];
    await this.take(jobs);
  }

  /** Takes the last job, folds the touched state again, records heads and floor; returns the report. */
  async end(): Promise<ReceiveReport> {
    await this.take(this.pending.length > 0 ? [this.pending] : []);
    this.pending = [];
    const { tx, dryRun } = this.setup;
    if (dryRun) return this.report;
    if (this.report.applied > 0) {
      const touched = [...this.touched];
      const conflicts = await refoldWorkPackets(
        tx,
        touched,
        this.earliest,
        this.setup.services,
        await this.wholeInMemory(touched),
      );
      if (this.depsChanged) conflicts.push(...(await refoldDependencies(tx, this.earliest.get(""))));
      this.report.conflicts = conflicts.slice(0, REPORT_LIMIT);
    }
    const entries: [string, string][] = [[FLOOR_KEY, String(this.floorMs)]];
    for (const [replica, sequence] of this.heads)
      if (replica !== this.setup.replicaId) entries.push([`${HEAD_PREFIX}${replica}`, String(sequence)]);
    await tx.replicaLog.writeMeta(entries);
    return this.report;
  }

  /** The held events of the touched WPs that had no event here before this sync: all of their events. */
  private async wholeInMemory(touched: readonly string[]): Promise<ReadonlyMap<string, OriginEvent[]>> {
    const whole = new Map<string, OriginEvent[]>();
    if (this.held === undefined) return whole;
    const before =
      this.startSeq === 0
        ? NOTHING_KNOWN
        : await this.setup.tx.replicaLog.wpsWithEventsUpTo(touched, this.startSeq);
    for (const [wpId, events] of this.held) if (!before.has(wpId)) whole.set(wpId, events);
    return whole;
  }

  private async take(jobs: OriginEvent[][]): Promise<void> {
    if (jobs.length === 0) return;
    // A store that held no event before this sync knows none of them (a fresh replica's first pull skips the
    // look-up of every uuid); one event offered twice in a sync would meet the events table's unique uuid, which
    // fails the sync whole, rather than be applied twice.
    const known =
      this.startSeq === 0
        ? NOTHING_KNOWN
        : await this.setup.tx.replicaLog.knownEvents(jobs.flat().map((event) => event.event_uuid));
    const accepted: OriginEvent[] = [];
    for (const whole of jobs) {
      const job = whole.filter((event) => !known.has(event.event_uuid));
      if (job.length === 0) continue;
      this.report.received += job.length;
      for (const event of job)
        this.heads.set(event.replica_id, Math.max(this.heads.get(event.replica_id) ?? 0, event.sequence));
      const refusal = judgeIncomingJob(job, this.setup.profiles);
      if (refusal !== undefined) {
        const first = job[0] as OriginEvent;
        if (this.report.refused.length < REPORT_LIMIT)
          this.report.refused.push({
            replica_id: first.replica_id,
            job_id: first.job_id,
            events: job.length,
            code: refusal.code,
            reason: refusal.reason,
            event_uuid: refusal.event_uuid,
            event_name: refusal.event_name,
          });
        continue;
      }
      for (const event of job) this.note(event);
      accepted.push(...job);
    }
    this.report.applied += accepted.length;
    if (!this.setup.dryRun && accepted.length > 0) await this.setup.append(accepted);
  }

  /** Remembers what an accepted event touches, and moves the time floor past it. */
  private note(event: OriginEvent): void {
    this.floorMs = Math.max(this.floorMs, Date.parse(event.timestamp) + 1);
    if (!STATE_EVENT_NAMES.has(event.event_name as EventName)) return;
    const payload = event.payload as { wp_id?: string };
    const isEdge = event.event_name === "dependency_added" || event.event_name === "dependency_removed";
    const key = isEdge ? "" : (payload.wp_id as string);
    if (isEdge) this.depsChanged = true;
    else {
      this.touched.add(key);
      this.hold(key, event);
    }
    // A new WP can make an edge to it whole again (an edge is kept only when both WPs exist).
    if (event.event_name === "work_packet_created") this.depsChanged = true;
    const before = this.earliest.get(key);
    if (before === undefined || compareEvents(event, before) < 0) this.earliest.set(key, event);
  }

  private hold(wpId: string, event: OriginEvent): void {
    if (this.held === undefined) return;
    if (++this.heldCount > HOLD_LIMIT) {
      this.held = undefined;
      return;
    }
    const events = this.held.get(wpId);
    if (events === undefined) this.held.set(wpId, [event]);
    else events.push(event);
  }
}

/** Splits events into runs of one job (same replica and job id, contiguous), in order. */
function groupJobs(events: readonly OriginEvent[]): OriginEvent[][] {
  const jobs: OriginEvent[][] = [];
  let current: OriginEvent[] = [];
  for (const event of events) {
    const last = current[current.length - 1];
    if (last !== undefined && (last.job_id !== event.job_id || last.replica_id !== event.replica_id)) {
      jobs.push(current);
      current = [];
    }
    current.push(event);
  }
  if (current.length > 0) jobs.push(current);
  return jobs;
}
