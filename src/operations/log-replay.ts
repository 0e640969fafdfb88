import type { EventName } from "../domain/events/event-registry.js";
import { STATE_EVENT_NAMES } from "../domain/events/event-registry.js";
import type { LocusState } from "../domain/events/evolve.js";
import { type MergeEvent, MergeFold } from "../domain/events/merge-fold.js";
import { compareEvents } from "../domain/events/merge-order.js";
import type { LocusStore, StoredEvent } from "../store/store-port.js";

// Issue 16: `locus replay` reads the log a page at a time, so its memory is the state it rebuilds, not the log.
// Replay folds state events in fold order (merge-order.ts), which is seq order for a store's own log: those pages
// are folded as they are read. A store that pulled events from other replicas may hold runs of seqs that are each
// in fold order but not one after another; its log is then merged from its runs, a small page of each at a time.

const isStateEvent = (event: StoredEvent): boolean => STATE_EVENT_NAMES.has(event.event_name as EventName);

/** The state the log builds (section 6 replay), and how many events it holds. */
export async function replayStore(
  store: LocusStore,
  pageSize: number,
): Promise<{ state: LocusState; events: number }> {
  const fold = new MergeFold();
  /** The first seq of each run of state events in fold order; folded as read while there is one run. */
  const runStarts: number[] = [];
  let previous: StoredEvent | undefined;
  let events = 0;
  let afterSeq = 0;
  for (;;) {
    const page = await store.readEvents({ afterSeq, limit: pageSize });
    events += page.length;
    const state = page.filter(isStateEvent);
    for (const event of state) {
      if (previous === undefined || compareEvents(previous, event) > 0) runStarts.push(event.seq);
      previous = event;
    }
    if (runStarts.length === 1) fold.fold(state);
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) break;
    afterSeq = last.seq;
  }
  const merged = runStarts.length > 1 ? await mergedState(store, runStarts, pageSize) : fold.settle().state;
  return { state: merged, events };
}

async function mergedState(store: LocusStore, runStarts: number[], pageSize: number): Promise<LocusState> {
  const fold = new MergeFold();
  await foldRuns(store, runStarts, pageSize, fold);
  return fold.settle().state;
}

/** One run of the log being merged: its events still to fold, read a small page at a time. */
interface Run {
  index: number;
  /** The seq before the next read, and the first seq past the run. */
  afterSeq: number;
  endSeq: number | undefined;
  buffer: StoredEvent[];
  at: number;
  done: boolean;
}

/**
 * Folds the state events of the runs starting at `runStarts` in fold order: a k-way merge that holds a page of
 * each run (events that compare equal keep their seq order, as the sort of a whole log does).
 */
async function foldRuns(
  store: LocusStore,
  runStarts: number[],
  pageSize: number,
  fold: MergeFold,
): Promise<void> {
  const chunk = Math.max(16, Math.floor(pageSize / runStarts.length));
  const runs: Run[] = runStarts.map((start, index) => ({
    index,
    afterSeq: start - 1,
    endSeq: runStarts[index + 1],
    buffer: [],
    at: 0,
    done: false,
  }));
  const fill = async (run: Run): Promise<void> => {
    while (run.at >= run.buffer.length && !run.done) {
      const page = await store.readEvents({ afterSeq: run.afterSeq, beforeSeq: run.endSeq, limit: chunk });
      run.done = page.length < chunk;
      run.afterSeq = page.at(-1)?.seq ?? run.afterSeq;
      run.buffer = page.filter(isStateEvent);
      run.at = 0;
    }
  };
  const heap = new RunHeap();
  for (const run of runs) {
    await fill(run);
    if (run.at < run.buffer.length) heap.push(run);
  }
  const out: MergeEvent[] = [];
  for (let run = heap.pop(); run !== undefined; run = heap.pop()) {
    out.push(run.buffer[run.at] as StoredEvent);
    run.at += 1;
    await fill(run);
    if (run.at < run.buffer.length) heap.push(run);
    if (out.length >= pageSize) fold.fold(out.splice(0));
  }
  fold.fold(out);
}

/** A binary heap of runs by their next event in fold order, then by run (earlier seqs first). */
class RunHeap {
  private readonly items: Run[] = [];

  private less(a: Run, b: Run): boolean {
    const order = compareEvents(a.buffer[a.at] as StoredEvent, b.buffer[b.at] as StoredEvent);
    return order < 0 || (order === 0 && a.index < b.index);
  }

  push(run: Run): void {
    const items = this.items;
    items.push(run);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i] as Run, items[parent] as Run)) break;
      [items[i], items[parent]] = [items[parent] as Run, items[i] as Run];
      i = parent;
    }
  }

  pop(): Run | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && this.less(items[left] as Run, items[least] as Run)) least = left;
      if (right < items.length && this.less(items[right] as Run, items[least] as Run)) least = right;
      if (least === i) return top;
      [items[i], items[least]] = [items[least] as Run, items[i] as Run];
      i = least;
    }
  }
}
