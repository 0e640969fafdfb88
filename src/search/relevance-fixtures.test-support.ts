// Shared by the relevance tests (not shipped): loads test/fixtures/relevance/*.json with schemas,
// and the deliberately simple text normalisation (tokens, stop words, suffix stemming) used to prove
// that paraphrase queries share no keyword with their targets and by the test-only BM25.
import { readFileSync } from "node:fs";
import { z } from "zod";

const fixtureUrl = (name: string) => new URL(`../../../test/fixtures/relevance/${name}`, import.meta.url);

const workPacketSchema = z.strictObject({
  id: z.string().regex(/^WP-REL-\d{3}$/),
  title: z.string().min(5).max(200),
  description: z.string().min(20).max(2000),
  type: z.enum(["bug", "feature", "task", "chore"]),
  priority: z.number().int().min(0).max(4),
  labels: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
});

const querySchema = z.strictObject({
  id: z.string().regex(/^Q-\d{3}$/),
  query: z.string().min(2),
  kind: z.enum(["paraphrase", "keyword", "natural"]),
  expected: z.array(z.string()).min(1).max(3),
});

/** Schema of corpus.json. */
export const corpusSchema = z.strictObject({
  description: z.string(),
  work_packets: z.array(workPacketSchema),
});
/** Schema of queries.json. */
export const queriesSchema = z.strictObject({ description: z.string(), queries: z.array(querySchema) });

/** One WP of the relevance corpus. */
export type RelevanceWorkPacket = z.infer<typeof workPacketSchema>;
/** One query with the ids it should find. */
export type RelevanceQuery = z.infer<typeof querySchema>;

/** Parsed corpus.json (throws on a shape error). */
export function loadCorpus(): RelevanceWorkPacket[] {
  return corpusSchema.parse(JSON.parse(readFileSync(fixtureUrl("corpus.json"), "utf8"))).work_packets;
}

/** Parsed queries.json (throws on a shape error). */
export function loadQueries(): RelevanceQuery[] {
  return queriesSchema.parse(JSON.parse(readFileSync(fixtureUrl("queries.json"), "utf8"))).queries;
}

const STOP_WORDS = new Set(
  `a an the and or but if of to in on at by for from with without into onto over under up down out off
  is are was were be been being am do does did doesn don t s can cannot could should would will shall may might must
  i me my we our you your he she it its they them their this that these those there here who whom which what when
  where why how not no as so than then too very just only also all any each every some such own same other
  about after before again once while until against between through during above below more most few both nor`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/** Lowercase alphanumeric tokens, split like SQLite FTS5's unicode61 tokenizer (`_`, `.`, `-` separate). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** A crude suffix stemmer (plural, -ing, -ed, -ly, ...), enough to relate "charged" and "charge". */
export function stem(word: string): string {
  const rules: Array<[string, string]> = [
    ["ational", "ate"],
    ["ization", "ize"],
    ["ations", "ate"],
    ["ation", "ate"],
    ["ies", "y"],
    ["sses", "ss"],
    ["ing", ""],
    ["ed", ""],
    ["ly", ""],
    ["es", ""],
    ["s", ""],
    ["e", ""],
  ];
  for (const [suffix, replacement] of rules) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3 && !word.endsWith("ss")) {
      return word.slice(0, -suffix.length) + replacement;
    }
  }
  return word;
}

/** Stemmed tokens without stop words. */
export function keywords(text: string): string[] {
  return tokenize(text)
    .filter((w) => !STOP_WORDS.has(w))
    .map(stem);
}

/**
 * The keywords of `query` that also occur in `text`; strict on purpose: two stems match when equal
 * or when the shorter (4+ characters) is a prefix of the longer ("sign" matches "signature").
 */
export function sharedKeywords(query: string, text: string): string[] {
  const target = new Set(keywords(text));
  return keywords(query).filter((q) =>
    [...target].some(
      (t) => t === q || (Math.min(t.length, q.length) >= 4 && (t.startsWith(q) || q.startsWith(t))),
    ),
  );
}
