// Section 9: keyword, vector and graph results are fused by reciprocal rank fusion with k = 60:
// score(id) = sum over the lists that contain id of 1 / (k + rank), rank counted from 1.
// RRF only looks at ranks, so BM25 scores and cosine similarities never need to share a scale.

/** The RRF constant fixed by the spec. */
export const RRF_K = 60;

/** One fused result. */
export interface FusedResult {
  /** The item's id (a WP id for search). */
  readonly id: string;
  /** Sum of 1 / (k + rank) over the lists that contain the item. */
  readonly score: number;
  /** Names of the lists that contain the item, in the order the lists were given. */
  readonly matched_by: string[];
}

/** Options of reciprocalRankFusion. */
export interface RankFusionOptions {
  /** The constant k (default RRF_K = 60). */
  readonly k?: number;
  /** Keep only the best `limit` results. */
  readonly limit?: number;
}

/**
 * Fuses named ranked lists (best first) into one list sorted by score descending, then id ascending.
 * An id repeated within one list counts once, at its best rank.
 */
export function reciprocalRankFusion(
  lists: Readonly<Record<string, readonly string[]>>,
  options: RankFusionOptions = {},
): FusedResult[] {
  const k = options.k ?? RRF_K;
  const fused = new Map<string, { score: number; matched_by: string[] }>();
  for (const [name, ids] of Object.entries(lists)) {
    const seen = new Set<string>();
    ids.forEach((id, index) => {
      if (seen.has(id)) return;
      seen.add(id);
      const entry = fused.get(id) ?? { score: 0, matched_by: [] };
      entry.score += 1 / (k + index + 1);
      entry.matched_by.push(name);
      fused.set(id, entry);
    });
  }
  const results = [...fused].map(([id, entry]) => ({ id, score: entry.score, matched_by: entry.matched_by }));
  results.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return options.limit === undefined ? results : results.slice(0, Math.max(0, options.limit));
}
