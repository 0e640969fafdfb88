import type { StoredEvent } from "../domain/events/stored-event.js";
import { followEvents } from "../store/follow-events.js";
import type { LocusStore } from "../store/store-port.js";

// Section 14, live updates: one subscription to the store per server (PostgreSQL LISTEN/NOTIFY, SQLite a poll of
// the chain head), its new events handed to every stream subscriber. A commit by any process reaches them all.
// The subscription runs only while someone listens: a server nobody watches does no work between requests.

/** Hears new events, in seq order. */
export type EventListener = (events: readonly StoredEvent[]) => void;

/** The server's one follower of the store's log. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private following: { stop: () => void; ready: Promise<void>; done: Promise<void> } | undefined;

  constructor(
    private readonly store: LocusStore,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Adds a listener; resolves, once the hub follows the log, to the function that removes it. A listener hears
   * every event committed after that; the caller reads what came before from the log.
   */
  async listen(listener: EventListener): Promise<() => void> {
    this.listeners.add(listener);
    if (this.following === undefined) this.follow();
    // Every listener waits until the hub has read the head it follows from (a second one too).
    await this.following?.ready;
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.halt();
    };
  }

  private follow(): void {
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const ready = this.store.transaction((tx) => tx.chainHead());
    const done = ready
      .then((head) =>
        followEvents(
          this.store,
          head.seq,
          (events) => {
            if (events.length === 0) return;
            for (const listener of this.listeners) listener(events);
          },
          stopped,
        ),
      )
      .catch(this.onError);
    this.following = { stop, ready: ready.then(() => undefined), done };
  }

  private halt(): void {
    this.following?.stop();
    this.following = undefined;
  }

  async close(): Promise<void> {
    const following = this.following;
    this.halt();
    await following?.done;
  }
}
