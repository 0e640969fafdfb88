import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startedBackgroundPacker } from "../../test/support/background-packer.js";
import {
  BACKGROUND_BATCH,
  backgroundPackerPieces,
  backgroundPackerState,
  packTexts,
} from "./background-packer.js";
import { packText, unpackText } from "./stored-json.js";

// Issue 12: a large batch of Bronze docs is deflated on a worker thread; what comes back must be, doc for doc and
// in order, the bytes the main thread would have written, whatever batches are out at the same time.

const texts = (tag: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({ tag, i, title: `work ${i} \u00e9\u4e2d\ud83d\ude00`, notes: "x".repeat(i % 97) }),
  );

describe("packing Bronze docs in the background", () => {
  it("the worker starts on the first large batch and then takes batches", async () => {
    assert.equal(backgroundPackerState(), "none");
    await startedBackgroundPacker();
  });

  it("a large batch comes back as packText's bytes, in order, and reads back", async () => {
    await startedBackgroundPacker();
    const batch = texts("one", BACKGROUND_BATCH * 3 + 5);
    const packed = await packTexts(batch);
    assert.equal(packed.length, batch.length);
    packed.forEach((bytes, i) => {
      assert.ok(bytes.equals(packText(batch[i] as string)), `doc ${i} differs from packText`);
      assert.equal(unpackText(bytes), batch[i]);
    });
  });

  it("batches out at the same time each get their own docs back", async () => {
    await startedBackgroundPacker();
    const batches = ["a", "b", "c"].map((tag, k) => texts(tag, BACKGROUND_BATCH + k * 11));
    const results = await Promise.all(batches.map(packTexts));
    results.forEach((packed, k) => {
      assert.deepEqual(
        packed.map((bytes) => unpackText(bytes)),
        batches[k],
      );
    });
  });

  it("while the calling thread waits it packs pieces too, and every doc is packed once, in its place", async () => {
    await startedBackgroundPacker();
    const before = backgroundPackerPieces();
    const batch = texts("shared", BACKGROUND_BATCH * 10 + 7);
    const packed = await packTexts(batch);
    const after = backgroundPackerPieces();
    const pieces = after.worker - before.worker + (after.here - before.here);
    assert.equal(pieces, Math.ceil(batch.length / 64), "each piece is packed by exactly one thread");
    assert.ok(after.worker > before.worker, "the worker packed part of the batch");
    assert.ok(after.here > before.here, "the waiting thread packed part of the batch");
    packed.forEach((bytes, i) => {
      assert.ok(bytes.equals(packText(batch[i] as string)), `doc ${i} differs from packText`);
    });
  });

  it("a small batch is packed the same way on the calling thread", async () => {
    const batch = texts("small", 3);
    assert.deepEqual(
      (await packTexts(batch)).map((bytes) => bytes.toString("base64")),
      batch.map((text) => packText(text).toString("base64")),
    );
  });
});
