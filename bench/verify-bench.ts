// Issue 16: `events verify` and `locus replay` read the log in pages, so their heap does not grow with the log.
// Makes SQLite stores of the standard day at N and 4N WPs (compacted, as `locus compact` leaves them), then in a
// fresh process each: the peak heap and the time of verify and replay, in pages and with the whole log read at
// once (the form before, kept as the tests' reference). Usage: node dist/bench/verify-bench.js [N]
import "./locus-process.js";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { replay } from "../src/domain/events/merge-fold.js";
import { EVENT_PAGE, verifyStore } from "../src/operations/flight-recorder.js";
import { LocusEngine } from "../src/operations/locus-engine.js";
import { replayStore } from "../src/operations/log-replay.js";
import { compactStore } from "../src/operations/maintenance/compact-store.js";
import { parseWorkspaceConfig } from "../src/operations/workspace-config.js";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../src/store/store-port.js";
import { verifyWholeLog } from "../test/support/log-faults.js";
import { BatchingStore } from "./batching-store.js";
import { runStandardDay } from "./storage-footprint.js";

const log = (line: string) => process.stderr.write(`${line}\n`);
const CONFIG = parseWorkspaceConfig({ default_profile: "Operator", search: { provider: "hash" } });
const MODES = ["verify-paged", "verify-whole", "replay-paged", "replay-whole"] as const;
type Mode = (typeof MODES)[number];
const RUNS = 3;

/** The store `store` with its heap sampled after every read (the page, or the whole log, is then held). */
function sampled(store: LocusStore, peak: { bytes: number }): LocusStore {
  // A full collection first: what is counted is what the reader holds live with the page it just read.
  const gc = (globalThis as { gc?: () => void }).gc;
  const sample = () => {
    gc?.();
    peak.bytes = Math.max(peak.bytes, process.memoryUsage().heapUsed);
  };
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "readEvents" || prop === "readDerivedEventColumns" || prop === "loadState")
        return async (...args: unknown[]) => {
          const result = await value.apply(target, args);
          sample();
          return result;
        };
      return value.bind(target);
    },
  });
}

/** In a fresh process: one mode on the store at `path`, its peak heap over the baseline and its median time. */
async function measure(path: string, mode: Mode): Promise<void> {
  const store = SqliteStore.open(path);
  const gc = (globalThis as { gc?: () => void }).gc;
  const times: number[] = [];
  let peakOver = 0;
  let events = 0;
  // The first run measures the live heap (collecting at each read), the others the time (without collecting).
  for (let run = 0; run <= RUNS; run++) {
    gc?.();
    const baseline = process.memoryUsage().heapUsed;
    const peak = { bytes: baseline };
    const reader = run === 0 ? sampled(store, peak) : store;
    const started = performance.now();
    if (mode === "verify-paged") events = (await verifyStore(reader)).checked;
    else if (mode === "verify-whole") events = (await verifyWholeLog(reader)).checked;
    else if (mode === "replay-paged") events = (await replayStore(reader, EVENT_PAGE)).events;
    else replay(await reader.readEvents());
    // Both replays then read the live state to compare with (replayCheck).
    if (mode.startsWith("replay")) await reader.loadState();
    if (run === 0) peakOver = peak.bytes - baseline;
    else times.push(performance.now() - started);
  }
  await store.close();
  times.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({ events, ms: times[Math.floor(RUNS / 2)], live_heap_mb: peakOver / 2 ** 20 })}\n`,
  );
}

/** A compacted SQLite store of the standard day on `wps` WPs. */
async function standardDay(dir: string, wps: number): Promise<string> {
  const path = join(dir, `day-${wps}.db`);
  if (existsSync(path)) return path;
  const store = SqliteStore.open(path);
  const batching = new BatchingStore(store, 2_000);
  await runStandardDay(new LocusEngine(batching, { config: CONFIG }), 0, wps);
  batching.commit();
  await compactStore(store);
  await store.close();
  return path;
}

if (process.argv[2] === "measure") await measure(process.argv[3] as string, process.argv[4] as Mode);
else if (process.argv[1]?.endsWith("verify-bench.js")) {
  const n = Number(process.argv[2] ?? 2_500);
  // LOCUS_VERIFY_BENCH_DIR keeps the stores there, to measure again without making them again.
  const kept = process.env.LOCUS_VERIFY_BENCH_DIR;
  const dir = kept ?? mkdtempSync(join(tmpdir(), "locus-verify-bench-"));
  try {
    for (const wps of [n, 4 * n]) {
      log(`verify bench: standard day on ${wps} WPs`);
      const path = await standardDay(dir, wps);
      for (const mode of MODES) {
        const out = execFileSync(
          process.execPath,
          ["--expose-gc", fileURLToPath(import.meta.url), "measure", path, mode],
          { encoding: "utf8", maxBuffer: 1 << 20 },
        );
        process.stdout.write(`${wps} WPs ${mode}: ${out}`);
      }
    }
  } finally {
    if (kept === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
