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

/**
 * Okapi BM25 (k1 = 1.2, b = 0.75) over stemmed title + description; a document is a hit only when it
 * holds at least `minimumShouldMatch` (a fraction, rounded up, at least one) of the query's terms.
 */
export class TestBm25 {
  private readonly docs: Array<{ id: string; tf: Map<string, number>; length: number }> = [];
  private readonly df = new Map<string, number>();
  private averageLength = 0;

  constructor(wps: readonly RelevanceWorkPacket[]) {
    for (const wp of wps) {
      const terms = keywords(`${wp.title} ${wp.description}`);
      const tf = new Map<string, number>();
      for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
      for (const term of tf.keys()) this.df.set(term, (this.df.get(term) ?? 0) + 1);
      this.docs.push({ id: wp.id, tf, length: terms.length });
    }
    this.averageLength = this.docs.reduce((sum, d) => sum + d.length, 0) / this.docs.length;
  }

  /** Best `limit` ids for `query`, best first. */
  search(query: string, limit: number, minimumShouldMatch: number): string[] {
    const terms = [...new Set(keywords(query))];
    const required = Math.max(1, Math.ceil(minimumShouldMatch * terms.length));
    const n = this.docs.length;
    return this.docs
      .map((doc) => {
        if (terms.filter((term) => doc.tf.has(term)).length < required) return { id: doc.id, score: 0 };
        let score = 0;
        for (const term of terms) {
          const f = doc.tf.get(term) ?? 0;
          if (f === 0) continue;
          const df = this.df.get(term)!;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * doc.length) / this.averageLength));
        }
        return { id: doc.id, score };
      })
      .filter((hit) => hit.score > 0)
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, limit)
      .map((hit) => hit.id);
  }
}
