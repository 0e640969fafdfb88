import type { LocusStore, StoredEvent } from "../store/store-port.js";
import { Progress } from "./terminal-style.js";

// `locus replay` shows progress while it reads the log. The replay itself (flight-recorder.ts) takes a store
// and reads every event with one `readEvents()`; this wrapper serves that call in pages of PAGE events, in
// seq order exactly as one call would, and advances the bar after each page. `--rebuild` reads the log twice
// (once to rebuild, once to check), so the bar counts both passes.

const PAGE = 1_000;

/** Reads all events after `afterSeq` page by page, reporting each page's last seq. */
async function readPaged(
  store: LocusStore,
  onPage: (events: number) => void,
  afterSeq = 0,
): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (let after = afterSeq; ; ) {
    const page = await store.readEvents({ afterSeq: after, limit: PAGE });
    for (const event of page) all.push(event);
    onPage(page.length);
    const last = page[page.length - 1];
    if (page.length < PAGE || last === undefined) return all;
    after = last.seq;
  }
}

/** The store with a progress bar on its whole-log reads; `passes` is how often the replay reads the log. */
export async function withReplayProgress(
  store: LocusStore,
  label: string,
  passes: number,
): Promise<{ store: LocusStore; finish: () => void }> {
  const head = await store.transaction((tx) => tx.chainHead());
  const bar = new Progress(label, head.seq * passes);
  let done = 0;
  const report = (events: number) => {
    done += events;
    bar.update(done);
  };
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === "readEvents")
        return (query?: Parameters<LocusStore["readEvents"]>[0]) =>
          query === undefined || Object.keys(query).length === 0
            ? readPaged(target, report)
            : target.readEvents(query);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: wrapped, finish: () => bar.finish() };
}
