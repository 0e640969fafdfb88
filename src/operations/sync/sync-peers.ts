import { chainReceived } from "../../domain/events/hash-chain.js";
import { type OriginEvent, originOf, type StoredEvent } from "../../domain/events/stored-event.js";
import type { LocusStore, OriginPage, StoreTransaction } from "../../store/store-port.js";
import type { JobContext } from "../job-context.js";
import { EventReceiver, type ReceiveReport } from "./event-receiver.js";
import { appendReplicaFile, hasReplicaFile, readReplicaFile, replicaFilesIn } from "./replica-files.js";

// Section 13, the two transports: another store (SQLite file or PostgreSQL), read and written through its own
// transaction, and a folder of replica files. Both hand pages of BATCH events to an EventReceiver, so memory
// stays bounded by the page size whatever the length of the peer's log. A store peer remembers how far it has
// read the other's log (`sync_cursor:<replica>` in the reader's meta), so the next sync reads only what is new.

/** Events per page (read, judged and appended together). */
export const BATCH = 1_000;
const CURSOR = "sync_cursor:";

/** How a side of the sync reports progress: events handled so far. */
export type ProgressFn = (events: number) => void;

/** What both sides need to judge and merge. */
export interface SyncSetup {
  ctx: JobContext;
  profiles: Readonly<Record<string, readonly string[]>>;
  dryRun: boolean;
  /** This store's chain head when the job began: only events committed before it are handed out. */
  startSeq: number;
  progress: ProgressFn;
}

async function readCursor(tx: StoreTransaction, replica: string): Promise<number> {
  const key = `${CURSOR}${replica}`;
  return Number((await tx.replicaLog.readMeta(key)).get(key) ?? 0);
}

/** A receiver on this store, appending through the job (its own events stay in chain order). */
async function receiverHere(setup: SyncSetup): Promise<EventReceiver> {
  const { ctx } = setup;
  const head = await ctx.tx.chainHead();
  return EventReceiver.open(
    {
      tx: ctx.tx,
      replicaId: ctx.services.replicaId,
      profiles: setup.profiles,
      append: (events) => ctx.appendReceived(events),
      services: { ids: ctx.services.ids, timestamp: ctx.timestamp, ...optionalRoot(ctx) },
      dryRun: setup.dryRun,
    },
    head,
  );
}

const optionalRoot = (ctx: JobContext) =>
  ctx.services.workspaceRoot === undefined ? {} : { workspaceRoot: ctx.services.workspaceRoot };

/** A page of the peer's events after `afterSeq`, as origin events (its own read of them when it has one). */
async function readOrigins(peer: LocusStore, afterSeq: number): Promise<OriginPage> {
  if (peer.readOriginEvents !== undefined) return peer.readOriginEvents(afterSeq, BATCH);
  const page = await peer.readEvents({ afterSeq, limit: BATCH });
  const last = page[page.length - 1];
  return { events: page.map(originOf), lastSeq: last === undefined ? afterSeq : last.seq };
}

/** Pulls what `peer` holds and this store lacks. */
export async function pullFromStore(setup: SyncSetup, peer: LocusStore): Promise<ReceiveReport> {
  const { ctx } = setup;
  const cursor = await readCursor(ctx.tx, peer.replicaId);
  const receiver = await receiverHere(setup);
  let after = cursor;
  let seen = 0;
  for (;;) {
    const { events, lastSeq } = await readOrigins(peer, after);
    if (events.length === 0) break;
    await receiver.offer(events);
    after = lastSeq;
    seen += events.length;
    setup.progress(seen);
    if (events.length < BATCH) break;
  }
  const report = await receiver.end();
  if (!setup.dryRun && after > cursor)
    await ctx.tx.replicaLog.writeMeta([[`${CURSOR}${peer.replicaId}`, String(after)]]);
  return report;
}

/** Pages of this store's committed log after `afterSeq` (only `replicaId`'s own events when given). */
async function* ownPages(
  setup: SyncSetup,
  afterSeq: number,
  only?: { replicaId: string; afterSequence: number },
): AsyncGenerator<StoredEvent[]> {
  for (let after = afterSeq; after < setup.startSeq; ) {
    const page = (
      await setup.ctx.tx.replicaLog.eventsAfter({ afterSeq: after, limit: BATCH, ...(only ?? {}) })
    ).filter((event) => event.seq <= setup.startSeq);
    if (page.length === 0) return;
    yield page;
    after = (page[page.length - 1] as StoredEvent).seq;
  }
}

/** Pushes what this store holds and `peer` lacks, in one transaction of the peer, judged by the peer's side. */
export async function pushToStore(setup: SyncSetup, peer: LocusStore): Promise<ReceiveReport> {
  const { ctx } = setup;
  return peer.transaction(async (ptx) => {
    let head = await ptx.chainHead();
    const cursor = await readCursor(ptx, ctx.services.replicaId);
    const receiver = await EventReceiver.open(
      {
        tx: ptx,
        replicaId: peer.replicaId,
        profiles: setup.profiles,
        append: async (events: OriginEvent[]) => {
          const sealed = chainReceived(events, head);
          await ptx.appendEvents(sealed);
          const last = sealed[sealed.length - 1] as StoredEvent;
          head = { ...head, seq: last.seq, hash: last.hash };
        },
        services: { ids: ctx.services.ids, timestamp: ctx.timestamp },
        dryRun: setup.dryRun,
      },
      head,
    );
    let after = cursor;
    let seen = 0;
    for await (const page of ownPages(setup, cursor)) {
      await receiver.offer(page.map(originOf));
      after = (page[page.length - 1] as StoredEvent).seq;
      seen += page.length;
      setup.progress(seen);
    }
    const report = await receiver.end();
    if (!setup.dryRun && after > cursor)
      await ptx.replicaLog.writeMeta([[`${CURSOR}${ctx.services.replicaId}`, String(after)]]);
    return report;
  });
}

/** Pulls every other replica's file in `folder` (each checked whole before any of it is applied). */
export async function pullFromFolder(setup: SyncSetup, folder: string): Promise<ReceiveReport> {
  const own = setup.ctx.services.replicaId;
  const receiver = await receiverHere(setup);
  let seen = 0;
  for (const replica of await replicaFilesIn(folder)) {
    if (replica === own) continue;
    await readReplicaFile(folder, replica, async (page) => {
      await receiver.offer(page);
      seen += page.length;
      setup.progress(seen);
    });
  }
  return receiver.end();
}

/** Appends this replica's committed events that its file lacks; returns how many were written. */
export async function pushToFolder(setup: SyncSetup, folder: string): Promise<number> {
  const own = setup.ctx.services.replicaId;
  let last = { hash: "", sequence: 0 };
  if (await hasReplicaFile(folder, own)) last = await readReplicaFile(folder, own, undefined);
  if (setup.dryRun) {
    let count = 0;
    for await (const page of ownPages(setup, 0, { replicaId: own, afterSequence: last.sequence }))
      count += page.length;
    return count;
  }
  let written = 0;
  for await (const page of ownPages(setup, 0, { replicaId: own, afterSequence: last.sequence })) {
    last = await appendReplicaFile(folder, own, page.map(originOf), last);
    written += page.length;
    setup.progress(written);
  }
  return written;
}
