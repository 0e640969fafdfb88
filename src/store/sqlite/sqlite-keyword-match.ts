import { WP_STATUSES } from "../../domain/records.js";
import type { WpQuery } from "../store-port.js";

// Section 9 on SQLite: the FTS5 MATCH expression of a keyword search, built from its stemmed terms. Pure: the
// search index (sqlite-search-index.ts) runs it and ranks with bm25().

/** Most AND groups in one FTS5 expression (C(8,4) = 70: every query of up to 8 terms is exact). */
const MAX_GROUPS = 70;

/** A term as an FTS5 string (quotes doubled), so no term is read as an operator. */
export const quoteTerm = (term: string): string => `"${term.replace(/"/g, '""')}"`;

/** Every `k`-element subset of `items` in order, stopping after `max` subsets. */
function combinations<T>(items: readonly T[], k: number, max: number): T[][] {
  const out: T[][] = [];
  const walk = (start: number, picked: T[]): void => {
    if (out.length >= max) return;
    if (picked.length === k) {
      out.push(picked);
      return;
    }
    for (let i = start; i <= items.length - (k - picked.length); i++) walk(i + 1, [...picked, items[i] as T]);
  };
  walk(0, []);
  return out;
}

/**
 * The MATCH expression for "at least `required` of `terms`", given the terms common in the store. `exact`
 * is false past MAX_GROUPS groups: the expression is then the OR of the terms, and the caller keeps only
 * the candidates holding enough of them. `titles`: run it on the title index (search_titles), not search_fts.
 */
export function keywordMatch(
  terms: readonly string[],
  required: number,
  common: ReadonlySet<string>,
): { match: string; exact: boolean; titles: boolean } {
  // "At least m of n terms" as an FTS5 expression: the OR of every m-term AND group. FTS5 then ranks
  // only the documents that qualify, which is what keeps common words cheap.
  const groups = combinations(terms, required, MAX_GROUPS + 1);
  const exact = groups.length <= MAX_GROUPS;
  if (!exact) return { match: terms.map(quoteTerm).join(" OR "), exact, titles: false };
  const rare = terms.filter((term) => !common.has(term));
  // A term found in most WPs ("error", "fix") cannot qualify a hit on its own: when the query also has
  // rarer terms, a hit must contain one of them. That is exactly the groups holding a rare term: a WP with
  // `required` common terms and a rare one also holds a group of `required - 1` of them plus the rare term.
  // Every group then starts from a short list, and FTS5 never walks a common term's list alone (what made
  // keyword p99 blow up at 100K WPs).
  const kept =
    common.size > 0 && rare.length > 0 ? groups.filter((g) => g.some((t) => !common.has(t))) : groups;
  const match = kept.map((group) => `(${group.map(quoteTerm).join(" AND ")})`).join(" OR ");
  // Only common terms ("user login fix"): ranking every WP that holds them is unbounded work, so such a
  // query matches on titles (the title index), where these words are specific enough to be worth ranking.
  return { match, exact, titles: rare.length === 0 && common.size > 0 };
}

/** True when a query keeps every live WP (all statuses, no other filter): the FTS-only path applies. */
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
