import type { StoredEvent } from "../domain/events/stored-event.js";
import { followEvents } from "../store/follow-events.js";
import type { LocusStore } from "../store/store-port.js";

// Section 14, live updates: one subscription to the store per server (PostgreSQL LISTEN/NOTIFY, SQLite a poll of
// the chain head), its new events handed to every stream subscriber. A commit by any process reaches them all.

/** Hears new events, in seq order. */
export type EventListener = (events: readonly StoredEvent[]) => void;

/** The server's one follower of the store's log. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private stop: () => void = () => {};
  private running: Promise<void> | undefined;

  constructor(private readonly store: LocusStore) {}

  /** Starts following from the current head; `onError` hears when live changes can no longer be delivered. */
  async start(onError: (error: unknown) => void): Promise<void> {
    const head = await this.store.transaction((tx) => tx.chainHead());
    const stopped = new Promise<void>((resolve) => {
      this.stop = resolve;
    });
    this.running = followEvents(
      this.store,
      head.seq,
      (events) => {
        if (events.length === 0) return;
        for (const listener of this.listeners) listener(events);
      },
      stopped,
    ).catch(onError);
  }

  /** Adds a listener; returns the function that removes it. */
  listen(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.stop();
    await this.running;
  }
}
