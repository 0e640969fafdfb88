import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { buildSnippet, queryTerms } from "./snippet.js";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const filler = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ");

describe("buildSnippet", () => {
  it("marks matched words with ** case-insensitively, at word starts", () => {
    const s = buildSnippet("Users report that Login fails; logins time out after 30s.", ["login"]);
    assert.equal(s, "Users report that **Login** fails; **logins** time out after 30s.");
  });

  it("does not mark a term inside another word", () => {
    assert.equal(buildSnippet("the blogin page", ["login"]), "the blogin page");
  });

  it("centres a ~160 character window on the densest cluster of terms, with ellipses", () => {
    const text = `${filler(60)} the session token expires and the refresh fails ${filler(60)}`;
    const s = buildSnippet(text, ["token", "refresh"]);
    assert.match(s, /^….*\*\*token\*\*.*\*\*refresh\*\*.*…$/);
    assert.ok(s.replace(/\*\*/g, "").length <= 160 + 2 + 20);
  });

  it("prefers the window with more distinct terms over an earlier single match", () => {
    const text = `cache here ${filler(80)} cache invalidation bug in the cache layer`;
    const s = buildSnippet(text, ["cache", "invalidation"]);
    assert.match(s, /\*\*invalidation\*\*/);
  });

  it("returns the start of the text when nothing matches", () => {
    const s = buildSnippet(filler(100), ["absent"]);
    assert.ok(s.startsWith("word0 word1"));
    assert.ok(s.endsWith("…"));
  });

  it("treats regex characters in terms literally", () => {
    assert.equal(buildSnippet("call foo.bar(x) or fooXbar", ["foo.bar"]), "call **foo.bar**(x) or fooXbar");
  });

  it("stays fast on huge inputs and never splits a surrogate pair", () => {
    const huge = "🎉a".repeat(2_000_000);
    const started = performance.now();
    const s = buildSnippet(huge, ["a", "zzz"]);
    assert.ok(performance.now() - started < 1000);
    assert.ok(!LONE_SURROGATE.test(s));
  });

  it("property: any text and terms give a bounded snippet without lone surrogates", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 600 }),
        fc.array(fc.string({ unit: "grapheme", maxLength: 6 }), { maxLength: 5 }),
        (text, terms) => {
          const s = buildSnippet(text, terms);
          assert.ok(!LONE_SURROGATE.test(s));
          const plain = s.replace(/\*\*/g, "");
          assert.ok(plain.length <= 160 + 2 + 40 + terms.join("").length);
        },
      ),
    );
  });
});

describe("queryTerms", () => {
  it("lowercases, keeps identifiers whole and drops duplicates", () => {
    assert.deepEqual(queryTerms("Fix ERR_CONN_RESET in auth-service.ts, fix"), [
      "fix",
      "err_conn_reset",
      "in",
      "auth-service.ts",
    ]);
  });
});
