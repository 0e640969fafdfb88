// A short extract of a result's text around the query terms, for search results (`snippet`).
// Marking: matched words are wrapped in `**` (Markdown bold), readable as plain text in a terminal
// and rendered by the board and any Markdown viewer. Matching is case-insensitive and at word
// starts, so the term "login" also marks "logins" and "Login". Bounded work on any input: only the
// first MAX_SCAN_CHARS characters are searched and at most MAX_TERMS terms are used.

/** Options of buildSnippet. */
export interface SnippetOptions {
  /** Target length of the extract in characters, before markers and ellipses (default 160). */
  readonly width?: number;
  /** Marker written before and after each match (default `**`). */
  readonly marker?: string;
}

/** Characters of the text searched for matches; the rest is never scanned. */
export const MAX_SCAN_CHARS = 100_000;
/** Query terms considered; further terms are ignored. */
export const MAX_TERMS = 32;
const MAX_MATCHES = 2_000;
const ELLIPSIS = "…";

/** Splits a query into lowercase word terms (letters and digits, 2+ characters), without duplicates. */
export function queryTerms(query: string): string[] {
  const words =
    query.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}_.-]*[\p{L}\p{N}]|[\p{L}\p{N}]{2,}/gu) ?? [];
  return [...new Set(words)].slice(0, MAX_TERMS);
}

interface Match {
  readonly start: number;
  readonly end: number;
  readonly term: number;
}

/** An extract of about `width` characters around the densest cluster of terms, with matches marked. */
export function buildSnippet(text: string, terms: readonly string[], options: SnippetOptions = {}): string {
  const width = Math.max(20, Math.floor(options.width ?? 160));
  const marker = options.marker ?? "**";
  const scanned = text.length > MAX_SCAN_CHARS ? text.slice(0, safeCut(text, MAX_SCAN_CHARS)) : text;
  const pattern = termPattern(terms);
  const matches = pattern === undefined ? [] : findMatches(scanned, pattern, terms);
  const window: Window =
    matches.length === 0
      ? { from: 0, to: Math.min(width, scanned.length), first: 0, last: 0 }
      : windowAround(scanned, matches, width);
  const start = snapStart(scanned, window.from, window.first);
  const end = snapEnd(scanned, window.to, window.last);
  const inner = matches.filter((m) => m.start >= start && m.end <= end);
  let out = "";
  let cursor = start;
  for (const m of inner) {
    out += scanned.slice(cursor, m.start) + marker + scanned.slice(m.start, m.end) + marker;
    cursor = m.end;
  }
  out += scanned.slice(cursor, end);
  out = out.replace(/\s+/g, " ").trim();
  return (start > 0 ? ELLIPSIS : "") + out + (end < text.length ? ELLIPSIS : "");
}

function termPattern(terms: readonly string[]): RegExp | undefined {
  const cleaned = [...new Set(terms.map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0))]
    .slice(0, MAX_TERMS)
    .map((t) => t.slice(0, 64));
  if (cleaned.length === 0) return undefined;
  const alternatives = cleaned
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|");
  // A match starts at a word start and extends to the end of that word.
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})[\\p{L}\\p{N}]*`, "giu");
}

function findMatches(text: string, pattern: RegExp, terms: readonly string[]): Match[] {
  const lowered = terms.map((t) => t.trim().toLowerCase());
  const matches: Match[] = [];
  for (const found of text.matchAll(pattern)) {
    const word = found[0].toLowerCase();
    const term = lowered.findIndex((t) => t.length > 0 && word.startsWith(t));
    matches.push({ start: found.index, end: found.index + found[0].length, term: Math.max(0, term) });
    if (matches.length >= MAX_MATCHES) break;
  }
  return matches;
}

interface Window {
  /** Planned start and end of the extract. */
  readonly from: number;
  readonly to: number;
  /** Start of the first and end of the last covered match: the extract must keep them. */
  readonly first: number;
  readonly last: number;
}

/** The window of about `width` characters covering the most distinct terms (then most matches), earliest on ties. */
function windowAround(text: string, matches: readonly Match[], width: number): Window {
  let best = { distinct: 0, count: 0, first: 0, last: 0 };
  const counts = new Map<number, number>();
  let right = 0;
  for (let left = 0; left < matches.length; left++) {
    const leftMatch = matches[left]!;
    // The left match is always inside, even when it alone is longer than the window.
    while (right < matches.length && (right <= left || matches[right]!.end - leftMatch.start <= width)) {
      const term = matches[right]!.term;
      counts.set(term, (counts.get(term) ?? 0) + 1);
      right++;
    }
    const count = right - left;
    if (counts.size > best.distinct || (counts.size === best.distinct && count > best.count)) {
      best = { distinct: counts.size, count, first: leftMatch.start, last: matches[right - 1]!.end };
    }
    const remaining = (counts.get(leftMatch.term) ?? 1) - 1;
    if (remaining === 0) counts.delete(leftMatch.term);
    else counts.set(leftMatch.term, remaining);
  }
  const span = best.last - best.first;
  // Put about a third of the spare room before the matches, the rest after.
  const from = Math.max(0, best.first - Math.max(0, Math.floor((width - span) / 3)));
  const to = Math.min(text.length, Math.max(best.last, from + width));
  return { from, to, first: best.first, last: best.last };
}

/** Moves a start forward to the next word start, but never past `limit`, never inside a surrogate pair. */
function snapStart(text: string, from: number, limit: number): number {
  if (from <= 0) return 0;
  const space = text.slice(from, from + 20).search(/\s/);
  const at = space === -1 ? from : from + space + 1;
  return safeCut(text, Math.min(at, limit));
}

/** Moves an end back to the previous word end, but never before `limit`, never inside a surrogate pair. */
function snapEnd(text: string, to: number, limit: number): number {
  if (to >= text.length) return text.length;
  const head = text.slice(Math.max(0, to - 20), to);
  const space = head.search(/\s\S*$/);
  const at = space === -1 ? to : to - head.length + space;
  return safeCut(text, Math.max(at, limit));
}

/** Index at or before `at` that does not split a UTF-16 surrogate pair. */
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}
