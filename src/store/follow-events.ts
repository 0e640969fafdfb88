import type { StoredEvent } from "../domain/events/stored-event.js";
import type { LocusStore } from "./store-port.js";

// Live changes (issue 6: `locus events tail --follow`; section 14: the team server's stream): new events are
// handed out as they commit. The store's `subscribe` says when (PostgreSQL: LISTEN/NOTIFY, delivered on commit; SQLite: a poll of the chain head);
// a backend without it falls back to polling the log. The notification only says "something committed": the
// events themselves are always read from the log after the last printed seq, so none is lost or repeated
// when notifications coalesce or arrive while a read is running.

/** How often the fallback polls the log when the store has no `subscribe`. */
const FALLBACK_POLL_MS = 500;

/** Prints every event after `afterSeq` as it commits, until `stop` resolves; then unsubscribes. */
export async function followEvents(
  store: LocusStore,
  afterSeq: number,
  print: (events: readonly StoredEvent[]) => void,
  stop: Promise<void>,
): Promise<void> {
  let after = afterSeq;
  let reading: Promise<void> | undefined;
  let again = false;
  // A failed read (the store went away) ends the follow with that error instead of waiting for a signal.
  let fail: (error: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  // One read at a time; a notification during a read schedules exactly one more read after it.
  const catchUp = (): void => {
    if (reading !== undefined) {
      again = true;
      return;
    }
    reading = (async () => {
      do {
        again = false;
        const fresh = await store.readEvents({ afterSeq: after });
        print(fresh);
        after = fresh.at(-1)?.seq ?? after;
      } while (again);
    })()
      .catch((error: unknown) => fail(error))
      .finally(() => {
        reading = undefined;
      });
  };
  let unsubscribe: () => Promise<void>;
  if (store.subscribe !== undefined) {
    unsubscribe = await store.subscribe(catchUp, (error) => fail(error));
  } else {
    const timer = setInterval(catchUp, FALLBACK_POLL_MS);
    unsubscribe = async () => clearInterval(timer);
  }
  try {
    // Subscribed before this read: a commit between the caller's last read and the subscription is not missed.
    catchUp();
    await Promise.race([stop, failed]);
  } finally {
    await unsubscribe();
    await reading;
  }
}
