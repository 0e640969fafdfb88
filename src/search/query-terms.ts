import { queryTerms } from "./snippet.js";

// Section 9, keyword side: terms of a query and how many of them a keyword hit must contain. Measured on
// the relevance corpus (src/search/relevance-recall.test.ts): a plain OR lets a document that shares one
// incidental word with a paraphrase into the fused list, and hybrid then loses to vector-only; asking
// for at least half of the terms removes that noise.

/** Most terms used from one query. */
export const MAX_QUERY_TERMS = 16;

const STOP_WORDS = new Set(
  `a an the and or but if of to in on at by for from with without into onto over under up down out off
  is are was were be been being am do does did doesn don t s can cannot could should would will shall may might must
  i me my we our you your he she it its they them their this that these those there here who whom which what when
  where why how not no as so than then too very just only also all any each every some such own same other
  about after before again once while until against between through during above below more most few both nor`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

/** Lowercase terms of a query without stop words (all of them when the query is only stop words). */
export function searchTerms(query: string): string[] {
  const all = queryTerms(query);
  const content = all.filter((term) => !STOP_WORDS.has(term));
  return (content.length > 0 ? content : all).slice(0, MAX_QUERY_TERMS);
}

/** At least half of the terms, rounded up, and at least one. */
export function minimumShouldMatch(termCount: number): number {
  return Math.max(1, Math.ceil(termCount / 2));
}
