// Section 9: what a keyword search matches, decided the same way on both stores (SQLite FTS5, PostgreSQL
// tsvector): "at least m of n terms" as the OR of every m-term AND group, with a guard against common words.
// Pure: each backend writes the plan in its own query language (sqlite-keyword-match.ts,
// postgres-search-statements.ts) and counts which terms are common in its own index.
import { WP_STATUSES } from "../domain/records.js";
import type { WpQuery } from "../store/store-port.js";

/** Most AND groups in one expression (C(8,4) = 70: every query of up to 8 terms is matched exactly). */
export const MAX_GROUPS = 70;
/** Share of a workspace's WPs above which a term is common (it cannot qualify a hit alone). */
export const COMMON_SHARE = 0.05;
/** Below this many WPs no term counts as common (ranking everything is cheap there). */
export const COMMON_MIN_DOCS = 2_000;

/** The groups of term indexes a hit must hold one of, and where to look. */
export interface KeywordPlan {
  /**
   * AND groups of term indexes, OR'ed. When not `exact` (past MAX_GROUPS groups), one group per term: the OR of
   * the terms, and the caller keeps only candidates holding enough of them.
   */
  groups: number[][];
  exact: boolean;
  /** Every term is common: match and rank on titles only, where such words are specific enough to rank. */
  titles: boolean;
}

/** Every `k`-element subset of `0..n-1` in order, stopping after `max` subsets. */
function indexCombinations(n: number, k: number, max: number): number[][] {
  const out: number[][] = [];
  const walk = (start: number, picked: number[]): void => {
    if (out.length >= max) return;
    if (picked.length === k) {
      out.push(picked);
      return;
    }
    for (let i = start; i <= n - (k - picked.length); i++) walk(i + 1, [...picked, i]);
  };
  walk(0, []);
  return out;
}

/** The plan for `termCount` terms of which `required` must be held, `common` the indexes of common terms. */
export function keywordPlan(termCount: number, required: number, common: ReadonlySet<number>): KeywordPlan {
  const groups = indexCombinations(termCount, required, MAX_GROUPS + 1);
  const exact = groups.length <= MAX_GROUPS;
  if (!exact) return { groups: Array.from({ length: termCount }, (_, i) => [i]), exact, titles: false };
  const rare = Array.from({ length: termCount }, (_, i) => i).filter((i) => !common.has(i));
  // A term found in most WPs ("error", "fix") cannot qualify a hit on its own: when the query also has rarer
  // terms, a hit must contain one of them. That is exactly the groups holding a rare term: a WP with `required`
  // common terms and a rare one also holds a group of `required - 1` of them plus the rare term. Every group then
  // starts from a short list, and the index never walks a common term's list alone (what made keyword p99 blow
  // up at 100K WPs, on SQLite and then on PostgreSQL).
  const kept =
    common.size > 0 && rare.length > 0 ? groups.filter((g) => g.some((i) => !common.has(i))) : groups;
  // Only common terms ("user login fix"): ranking every WP that holds them is unbounded work, so such a query
  // matches on titles.
  return { groups: kept, exact, titles: rare.length === 0 && common.size > 0 };
}

/**
 * True when a query keeps every live WP (all statuses, no other filter): deleted WPs leave the keyword index in
 * their delete job, so such a search needs no join with the WPs' table (on either store).
 */
export function isUnfiltered(filters: WpQuery): boolean {
  return (
    !filters.include_deleted &&
    WP_STATUSES.every((status) => filters.statuses.includes(status)) &&
    filters.assignee === undefined &&
    filters.priority_min === undefined &&
    filters.priority_max === undefined &&
    filters.phases === undefined &&
    (filters.labels ?? []).length === 0 &&
    filters.types === undefined
  );
}
