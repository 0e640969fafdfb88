import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { docOf, packText, unpackText } from "./stored-json.js";

// Issue 20, fourth part: a document read back from either stored form is the one written, also when the inflated
// texts kept by the reader are full, evicted, or hold another document with the same key. Both stores read
// through docOf (issue 16, sixth part), and a text longer than one output buffer reads back whole.

describe("WP documents read from either form (issue 20, fourth part)", () => {
  it("text and deflated read back as written, again and again, past the texts kept", () => {
    const docs = fc.sample(fc.dictionary(fc.string(), fc.jsonValue()), 3000);
    const read = () => {
      for (const doc of docs) {
        const text = JSON.stringify(doc);
        assert.deepEqual(docOf(text), JSON.parse(text));
        assert.deepEqual(docOf(packText(text)), JSON.parse(text));
      }
    };
    read();
    read(); // the same documents again: some kept, some evicted
  });

  it("two documents whose packed bytes end alike each read as themselves", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const first = packText(JSON.stringify({ a }));
        const second = Buffer.from(first);
        // The same length and last bytes, other content: the kept text of one is never the other's.
        if (second.length > 30) second[1] = (second[1] ?? 0) ^ 1;
        docOf(first);
        let direct: unknown;
        try {
          direct = JSON.parse(unpackText(second));
        } catch {
          direct = undefined; // an edited deflate stream may not inflate, or not as JSON
        }
        if (direct !== undefined) assert.deepEqual(docOf(second), direct, "read as its own bytes inflate");
        else assert.throws(() => docOf(second));
        assert.deepEqual(docOf(first), { a });
        assert.deepEqual(docOf(packText(JSON.stringify({ b }))), { b });
      }),
    );
  });

  it("a text longer than one output buffer (2 KB) packs and reads back whole, up to 64 KB", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme", maxLength: 40 }), { maxLength: 1500 }), (words) => {
        const text = JSON.stringify({ notes: words });
        const packed = packText(text);
        assert.equal(unpackText(packed), text);
        assert.deepEqual(docOf(packed), { notes: words });
      }),
      { numRuns: 60 },
    );
  });
});
