// Issue 20: what a standard day of work costs in stored bytes, by layer. The workload is one day on each WP:
// created with a two-sentence description, three updates (status, priority, title), a note, a dependency on
// the WP before it, and its search chunks embedded. The layers are the tables and indexes of each backend,
// grouped as the issue counts them: events, Bronze, Silver, Gold, WP rows, and the rest.
import type { LocusResult } from "../src/operations/envelope.js";
import type { LocusEngine } from "../src/operations/locus-engine.js";
import { drainEmbeddingQueue } from "../src/operations/search/search-maintenance.js";
import type { EmbeddingProvider } from "../src/search/embedding-provider.js";
import type { LocusStore } from "../src/store/store-port.js";

/** The layers bytes are counted in, in the order they are printed. */
export const LAYERS = ["events", "bronze", "silver", "gold", "wp_rows", "other"] as const;
/** One layer's name. */
export type Layer = (typeof LAYERS)[number];
/** Bytes per layer (and their total). */
export type LayerBytes = Record<Layer, number> & { total: number };

/** The tables and indexes of the events layer (event_blocks and its indexes since issue 20's sixteenth part). */
const EVENTS_LAYER =
  /^(events|purged_events|event_payload_blocks|event_terms)\b|^events_|^event_blocks|_events_|_event_terms_/;

/** The layer a table or index belongs to, by its name (the same names in both backends). */
export function layerOf(name: string): Layer {
  if (EVENTS_LAYER.test(name)) return "events";
  if (/bronze/.test(name)) return "bronze";
  if (/search_silver/.test(name)) return "silver";
  // search_docs: on PostgreSQL it holds the keyword text and its tsvector (Gold); on SQLite, a few ids per WP.
  if (/search_fts|search_titles|search_docs/.test(name)) return "gold";
  if (/^(work_packets|wp_|micro_tasks|dependencies|dep_|board_state)/.test(name)) return "wp_rows";
  return "other";
}

/** Adds up `objects` (name, bytes) by layer. */
export function sumByLayer(objects: readonly { name: string; bytes: number }[]): LayerBytes {
  const sums = { events: 0, bronze: 0, silver: 0, gold: 0, wp_rows: 0, other: 0, total: 0 };
  for (const { name, bytes } of objects) {
    sums[layerOf(name)] += bytes;
    sums.total += bytes;
  }
  return sums;
}

const WORDS =
  `parser cache index query board sync replay gate token session login export import report dashboard
  schema migration replica backup audit permission role tenant webhook retry queue worker search vector chunk`
    .split(/\s+/)
    .filter((word) => word.length > 0);

/** A deterministic pick of `count` words for WP `i`. */
function words(i: number, salt: number, count: number): string {
  return Array.from({ length: count }, (_, k) => WORDS[(i * 7 + salt * 13 + k * 11) % WORDS.length]).join(
    " ",
  );
}

/** The id of the i-th WP of the workload. */
export const dayWpId = (i: number): string => `WP-${String(i).padStart(6, "0")}`;

/** The jobs of one standard day on WP `i`, in order (the dependency points at the WP before it). */
export function standardDayJobs(i: number): [string, Record<string, unknown>][] {
  const wpId = dayWpId(i);
  const description =
    `The ${words(i, 1, 3)} path fails when the ${words(i, 2, 2)} is empty after a restart. ` +
    `Make it keep the ${words(i, 3, 2)} and report what was skipped to the ${words(i, 4, 1)} log.`;
  const jobs: [string, Record<string, unknown>][] = [
    [
      "create_wp",
      { wp_id: wpId, title: `${words(i, 5, 3)} ${i}`, description, priority: i % 4, type: "bug" },
    ],
    ["update_wp", { wp_id: wpId, updates: { status: "ready" } }],
    ["update_wp", { wp_id: wpId, updates: { priority: (i + 1) % 4 } }],
    ["update_wp", { wp_id: wpId, updates: { title: `${words(i, 6, 3)} ${i} (revised)` } }],
    [
      "update_wp",
      { wp_id: wpId, note: `Looked at the ${words(i, 7, 2)} logs; the ${words(i, 8, 1)} step is next.` },
    ],
  ];
  if (i > 0) jobs.push(["add_dependency", { from_wp_id: dayWpId(i - 1), to_wp_id: wpId, type: "blocks" }]);
  return jobs;
}

/** Runs the standard day on WPs `from` to `to - 1` through `engine`; throws on the first refusal. */
export async function runStandardDay(engine: LocusEngine, from: number, to: number): Promise<number> {
  let jobs = 0;
  for (let i = from; i < to; i++) {
    for (const [operation, params] of standardDayJobs(i)) {
      const result: LocusResult = await engine.run(operation, params);
      if (!result.success) throw new Error(`standard day: ${operation} ${i}: ${result.error.message}`);
      jobs += 1;
    }
  }
  return jobs;
}

/** Embeds every waiting chunk of `store` with `provider` (the day's "search indexed"); returns the chunks. */
export function indexDay(
  store: LocusStore,
  provider: EmbeddingProvider,
  batchSize?: number,
): Promise<number> {
  return drainEmbeddingQueue(store, provider, batchSize === undefined ? {} : { batchSize });
}
