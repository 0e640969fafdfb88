// Which terms of a keyword query are common in a PostgreSQL workspace (src/search/keyword-plan.ts), the twin of
// SqliteSearchIndex.commonTerms. Counting a common term's documents walks most of the workspace, so the counts are
// kept per store (one process) and counted again only when the index has grown or shrunk by a tenth, as on SQLite.
import { COMMON_MIN_DOCS, COMMON_SHARE } from "../../search/keyword-plan.js";
import { COUNT_DOCS, COUNT_TERM_DOCS, LAST_CHANGE_SEQ } from "./postgres-search-statements.js";

type Rows = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/** What a store knows of its workspace's index: its size, when it was counted, and documents per term. */
interface TermCounts {
  size: number;
  /** The newest change_seq when `size` was counted. */
  countedAtSeq: number;
  terms: Map<string, { docs: number; size: number }>;
}

const countsOfStore = new WeakMap<object, TermCounts>();
/** The workspace changed by more than this share of its size since a count: count again. */
const DRIFT = 0.1;

/**
 * The indexes of the terms found in more than COMMON_SHARE of the workspace's WPs (none below COMMON_MIN_DOCS
 * WPs). `store` is the store's cache key. One round trip when everything is counted already (the newest
 * change_seq, an index probe); the size is counted again when change_seq moved by a tenth of it (every write moves
 * it, so this overcounts change, never misses it), a term when the size it was counted at differs by a tenth.
 */
export async function commonTermIndexes(
  rows: Rows,
  store: object,
  terms: readonly string[],
): Promise<Set<number>> {
  const seq = Number((await rows(LAST_CHANGE_SEQ))[0]?.seq ?? 0);
  let counts = countsOfStore.get(store);
  if (counts === undefined || seq < counts.countedAtSeq || seq - counts.countedAtSeq > counts.size * DRIFT) {
    const size = Number((await rows(COUNT_DOCS))[0]?.n ?? 0);
    counts = { size, countedAtSeq: seq, terms: counts?.terms ?? new Map() };
    countsOfStore.set(store, counts);
  }
  const common = new Set<number>();
  const { size } = counts;
  if (size < COMMON_MIN_DOCS) return common;
  // Counting stops past the threshold: a common term's documents are not all walked.
  const enough = Math.floor(COMMON_SHARE * size) + 1;
  for (const [index, term] of terms.entries()) {
    let cached = counts.terms.get(term);
    if (cached === undefined || Math.abs(size - cached.size) > cached.size * DRIFT) {
      if (counts.terms.size >= 10_000) counts.terms.clear();
      cached = { docs: Number((await rows(COUNT_TERM_DOCS, [term, enough]))[0]?.n ?? 0), size };
      counts.terms.set(term, cached);
    }
    if (cached.docs > COMMON_SHARE * size) common.add(index);
  }
  return common;
}
