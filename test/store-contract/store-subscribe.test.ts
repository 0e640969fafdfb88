import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isLocusError, type LocusError } from "../../src/domain/errors.js";
import { followEvents } from "../../src/store/follow-events.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SUBSCRIBE_POLL_MS } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { postgresBackend, STORE_BACKENDS } from "../support/stores.js";
import { sealEvents } from "./contract-support.js";

// Issue 6, live changes: `subscribe` wakes a follower on commits of its own workspace only (one database holds
// several), promptly on PostgreSQL (LISTEN/NOTIFY, not a poll), and a dropped LISTEN connection either comes back
// (the follower is told to catch up) or fails loudly with HSK-500-STORAGE, never as a silent hang.

const open = (url: string) => openStore(parseStoreUrl(url, process.cwd()));

async function appendOne(store: LocusStore): Promise<void> {
  await store.transaction(async (tx) =>
    tx.appendEvents(sealEvents(await tx.chainHead(), store.replicaId, 1)),
  );
}

/** Counts `onEvents` calls and lets a test wait for the next one. */
class Wakeups {
  count = 0;
  private waiters: (() => void)[] = [];
  readonly onEvents = (): void => {
    this.count += 1;
    for (const wake of this.waiters.splice(0)) wake();
  };
  /** Resolves with the wait in ms at the next call after now; rejects after `ms`. */
  next(ms: number): Promise<number> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no wake-up within ${ms} ms`)), ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(performance.now() - started);
      });
    });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after `ms`: a hang fails the test instead of stalling the run. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

for (const backend of STORE_BACKENDS) {
  describe(`subscribe (${backend.name})`, { skip: backend.skip }, () => {
    it("a commit in another workspace of the same database does not wake the subscriber", async () => {
      const { url, sibling, cleanup } = await backend.location();
      const other = await open(url);
      const mine = await open(sibling);
      const wakeups = new Wakeups();
      assert.ok(mine.subscribe);
      const unsubscribe = await mine.subscribe(wakeups.onEvents);
      try {
        for (let i = 0; i < 3; i++) await appendOne(other);
        // Long enough for a NOTIFY (milliseconds) and for several SQLite polls.
        await sleep(4 * SUBSCRIBE_POLL_MS);
        assert.equal(wakeups.count, 0, "woken by another workspace's commits");
        const woken = wakeups.next(10_000);
        await appendOne(mine);
        await woken;
        assert.equal(wakeups.count, 1);
      } finally {
        await unsubscribe();
        await mine.close();
        await other.close();
        await cleanup();
      }
    });
  });
}

describe("subscribe on PostgreSQL: prompt delivery and dropped connections", {
  skip: postgresBackend.skip,
}, () => {
  const terminateListeners = async (store: PostgresStore, database: string): Promise<number> =>
    (
      await store.rawQueryForTests(
        `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND datname = $1 AND query LIKE 'LISTEN %'`,
        [database],
      )
    ).length;
  const databaseOf = (url: string): string => new URL(url).pathname.slice(1);

  it("delivers well within the SQLite poll interval (NOTIFY, not a poll)", async () => {
    const { url, cleanup } = await postgresBackend.location();
    const listener = await PostgresStore.open(url);
    const writer = await PostgresStore.open(url);
    const wakeups = new Wakeups();
    const unsubscribe = await listener.subscribe(wakeups.onEvents);
    try {
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) {
        const woken = wakeups.next(10_000);
        await appendOne(writer);
        waits.push(await woken);
      }
      waits.sort((x, y) => x - y);
      // Generous: a poll would wait up to SUBSCRIBE_POLL_MS after the commit; NOTIFY arrives in milliseconds.
      const median = waits[2] as number;
      assert.ok(median < SUBSCRIBE_POLL_MS, `median delivery ${median.toFixed(1)} ms after commit`);
    } finally {
      await unsubscribe();
      await listener.close();
      await writer.close();
      await cleanup();
    }
  });

  it("reconnects after its LISTEN connection is terminated, signals a catch-up, and keeps delivering", async () => {
    const { url, cleanup } = await postgresBackend.location();
    const listener = await PostgresStore.open(url, { listenRetry: { retries: 5, delayMs: 20 } });
    const writer = await PostgresStore.open(url);
    const wakeups = new Wakeups();
    const unsubscribe = await listener.subscribe(wakeups.onEvents);
    try {
      const caughtUp = wakeups.next(10_000);
      assert.equal(await terminateListeners(writer, databaseOf(url)), 1);
      await caughtUp; // the reconnect's catch-up signal
      const woken = wakeups.next(10_000);
      await appendOne(writer);
      await woken;
      assert.equal((await listener.readEvents()).length, 1);
    } finally {
      await unsubscribe();
      await listener.close();
      await writer.close();
      await cleanup();
    }
  });

  it("when every reconnect fails, the subscriber and the follower get HSK-500-STORAGE instead of silence", async () => {
    const { url, cleanup } = await postgresBackend.location();
    const listener = await PostgresStore.open(url, { listenRetry: { retries: 2, delayMs: 20 } });
    // ALLOW_CONNECTIONS cannot be changed from inside the database itself: the admin works from `postgres`.
    const database = databaseOf(url);
    const adminUrl = new URL(url);
    adminUrl.pathname = "/postgres";
    adminUrl.searchParams.set("workspace", "admin");
    const admin = await PostgresStore.open(adminUrl.toString());
    let reported: LocusError | undefined;
    let onFailed: () => void = () => {};
    const failed = new Promise<void>((resolve) => {
      onFailed = resolve;
    });
    const unsubscribe = await listener.subscribe(
      () => {},
      (error) => {
        reported = error;
        onFailed();
      },
    );
    // The follower as `events tail --follow` runs it: it must end with the error, not wait forever.
    const never = new Promise<void>(() => {});
    const follow = followEvents(listener, 0, () => {}, never).then(
      () => new Error("the follower ended without an error"),
      (error: unknown) => error, // caught at once: it may fail before the test looks at it
    );
    try {
      await sleep(100); // both subscriptions are listening
      // No new connection may reach the database now (superusers included): every reconnect attempt fails.
      await admin.rawQueryForTests(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
      assert.equal(await terminateListeners(admin, database), 2);
      await within(failed, 15_000, "the subscriber was not told the connection is gone");
      assert.equal(reported?.code, "HSK-500-STORAGE");
      assert.equal(reported?.details?.reconnect_attempts, 2);
      const followError = await within(follow, 15_000, "the follower hangs");
      assert.ok(isLocusError(followError) && followError.code === "HSK-500-STORAGE", String(followError));
      await assert.rejects(listener.readEvents(), (error: unknown) => isLocusError(error));
      await unsubscribe();
    } finally {
      await admin.rawQueryForTests(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`);
      await listener.close();
      await admin.close();
      await cleanup();
    }
  });
});
