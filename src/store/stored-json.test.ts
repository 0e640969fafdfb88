import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BROTLI_V2, DEFLATED_V1, packBlockText, packText, unpackText } from "./stored-json.js";

// Issue 20: every stored form of a text reads back as the text written, blocks (brotli, fifth part) beside rows
// deflated with the dictionary (first part) and plain text (rows written before).
describe("stored JSON forms", () => {
  const block = JSON.stringify(
    Array.from({ length: 128 }, (_, i) => [`{"wp_id":"WP-${i}","title":"a title ${i}"}`, `evt_${i}`]),
  );

  it("a block packed with brotli reads back as written, smaller than deflate with the dictionary", () => {
    const packed = packBlockText(block);
    assert.equal(packed[0], BROTLI_V2);
    assert.equal(unpackText(packed), block);
    assert.ok(packed.length < packText(block).length, `${packed.length} against ${packText(block).length}`);
  });

  it("rows deflated before, and text, read as they did", () => {
    const row = '{"snapshot":{"wp_id":"WP-1"}}';
    assert.equal(packText(row)[0], DEFLATED_V1);
    assert.equal(unpackText(packText(row)), row);
    assert.equal(unpackText(row), row);
    assert.equal(unpackText(Buffer.from(row, "utf8")), row);
  });

  it("a block edited outside Locus fails to read rather than reading as another text", () => {
    const packed = packBlockText(block);
    const middle = Math.floor(packed.length / 2);
    packed.writeUInt8((packed.readUInt8(middle) ^ 0xff) & 0xff, middle);
    assert.throws(() => {
      if (unpackText(packed) !== block) throw new Error("read as another text");
    });
  });
});
