// Issue 20, eighteenth part: search_titles takes a WP's titles' tsvector from its keyword tsvector (titleTsvSql,
// postgres-gold-forms.ts) instead of its title, which is no longer stored. Property: for any title, description,
// packet and id, the weight-A part of the keyword tsvector, unweighted, is to_tsvector of the title: the same
// lexemes and positions, whatever the body repeats of it (words shared with the title, hyphenated words, numbers,
// a word repeated past the 256 positions a lexeme keeps, empty texts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import pg from "pg";
import { keywordTsvSql, titleTsvSql } from "../../src/store/postgres/postgres-gold-forms.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";

const WORDS = [
  "login",
  "logins",
  "the",
  "sign-in",
  "wp-7",
  "0",
  "42",
  "Über",
  "café",
  "a.b",
  "x_y",
  "running",
  "ran",
];
const text = (max: number) =>
  fc
    .array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: max })
    .map((words) => words.join(" "));
/** A word repeated past what a lexeme keeps, sometimes: positions beyond 256 are dropped. */
const repeated = fc.option(
  fc.tuple(fc.constantFrom(...WORDS), fc.integer({ min: 200, max: 320 })).map(([w, n]) => ` ${w}`.repeat(n)),
  { nil: "" },
);

describe("titles' tsvector from the keyword tsvector (PostgreSQL)", { skip: postgresSkipReason() }, () => {
  it("is to_tsvector of the title for any texts", async () => {
    const client = new pg.Client({ connectionString: await withPostgres() });
    await client.connect();
    try {
      await client.query(`DO $c$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'locus_english') THEN
          CREATE TEXT SEARCH DICTIONARY locus_english_stem (TEMPLATE = snowball, Language = english);
          CREATE TEXT SEARCH CONFIGURATION locus_english (COPY = english);
          ALTER TEXT SEARCH CONFIGURATION locus_english ALTER MAPPING FOR asciiword, asciihword, hword_asciipart,
            word, hword, hword_part WITH locus_english_stem;
        END IF; END $c$`);
      const sql = `SELECT ${titleTsvSql(keywordTsvSql("$1::text", "$2::text", "$3::text", "$4::text"))}::text AS derived,
        to_tsvector('locus_english', $1::text)::text AS title`;
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(text(12), repeated),
          fc.tuple(text(40), repeated),
          text(20),
          fc.constantFrom("WP-1", "WP-login-7", "x"),
          async ([title, titleRepeat], [description, bodyRepeat], packet, wpId) => {
            const values = [title + titleRepeat, description + bodyRepeat, packet, wpId];
            const row = (await client.query(sql, values)).rows[0];
            assert.equal(row.derived, row.title, JSON.stringify(values).slice(0, 300));
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      await client.end();
    }
  });
});
