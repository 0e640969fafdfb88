import { keywordPlan } from "../../search/keyword-plan.js";

// Section 9 on SQLite: the FTS5 MATCH expression of a keyword search, built from its stemmed terms. Pure: the
// search index (sqlite-search-index.ts) runs it and ranks with bm25().

/** A term as an FTS5 string (quotes doubled), so no term is read as an operator. */
export const quoteTerm = (term: string): string => `"${term.replace(/"/g, '""')}"`;

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
  // The plan is the same on both stores (src/search/keyword-plan.ts); FTS5 then ranks only the documents that
  // qualify, which is what keeps common words cheap.
  const commonIndexes = new Set(terms.flatMap((term, i) => (common.has(term) ? [i] : [])));
  const plan = keywordPlan(terms.length, required, commonIndexes);
  const term = (i: number) => quoteTerm(terms[i] as string);
  if (!plan.exact) return { match: terms.map(quoteTerm).join(" OR "), exact: false, titles: false };
  const match = plan.groups.map((group) => `(${group.map(term).join(" AND ")})`).join(" OR ");
  return { match, exact: true, titles: plan.titles };
}
