import type { LocusStore } from "../store/store-port.js";
import { Progress } from "./terminal-style.js";

// `locus replay` shows progress while it reads the log. The replay itself (flight-recorder.ts) reads the log in
// pages (issue 16); this wrapper counts the events of each page read and advances the bar after it. `--rebuild`
// reads the log twice (once to rebuild, once to check), so the bar counts both passes. A log pulled from other
// replicas is read once more to merge its runs; the bar then stays full for that pass.

/** The store with a progress bar on its log reads; `passes` is how often the replay reads the log. */
export async function withReplayProgress(
  store: LocusStore,
  label: string,
  passes: number,
): Promise<{ store: LocusStore; finish: () => void }> {
  const head = await store.transaction((tx) => tx.chainHead());
  const bar = new Progress(label, head.seq * passes);
  let done = 0;
  const wrapped = new Proxy(store, {
    get(target, property) {
      if (property === "readEvents")
        return async (query?: Parameters<LocusStore["readEvents"]>[0]) => {
          const page = await target.readEvents(query);
          if (query?.wpId === undefined && query?.jobIds === undefined) {
            done += page.length;
            bar.update(done);
          }
          return page;
        };
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store: wrapped, finish: () => bar.finish() };
}
