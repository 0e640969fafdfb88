// Section 13: one total order over the events of every replica, so that stores holding the same events fold
// them the same way whatever order they arrived in. Timestamps are hybrid logical: a store never stamps an
// event earlier than one it already holds from another replica (JobContext), so a cause sorts before its
// effect. Ties: the replica id, then that replica's own sequence (its events in the order it wrote them), then
// the event uuid (two stores that share a replica id by mistake still order deterministically).

/** The fields the order reads. */
export interface OrderedEvent {
  timestamp: string;
  replica_id: string;
  sequence: number;
  event_uuid: string;
}

/** Epoch ms of an event's timestamp; parsed once per event object. */
const parsed = new WeakMap<object, number>();
function timeOf(event: OrderedEvent): number {
  let ms = parsed.get(event);
  if (ms === undefined) {
    ms = Date.parse(event.timestamp);
    parsed.set(event, ms);
  }
  return ms;
}

/** Negative when `a` folds before `b` (timestamp, replica_id, sequence, event_uuid). */
export function compareEvents(a: OrderedEvent, b: OrderedEvent): number {
  const dt = timeOf(a) - timeOf(b);
  if (dt !== 0) return dt;
  if (a.replica_id !== b.replica_id) return a.replica_id < b.replica_id ? -1 : 1;
  if (a.sequence !== b.sequence) return a.sequence - b.sequence;
  return a.event_uuid < b.event_uuid ? -1 : a.event_uuid > b.event_uuid ? 1 : 0;
}

/** The events in fold order (a new array; the input keeps its order). */
export function inFoldOrder<T extends OrderedEvent>(events: Iterable<T>): T[] {
  return [...events].sort(compareEvents);
}

/** True when `events` are already in fold order (a store's own log almost always is): no sort needed. */
export function isInFoldOrder(events: readonly OrderedEvent[]): boolean {
  for (let i = 1; i < events.length; i++) {
    if (compareEvents(events[i - 1] as OrderedEvent, events[i] as OrderedEvent) > 0) return false;
  }
  return true;
}
