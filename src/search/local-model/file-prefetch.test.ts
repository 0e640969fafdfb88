import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { createWasmMemory, PAGE_BYTES } from "../wasm-bytecode.js";
import { offerPrefetchedFile, takePrefetchedFile } from "./file-prefetch.js";
import { defaultHalfWeightsPath, halfWeightsImage } from "./half-weights.js";
import { modelFolder, SentenceEncoder } from "./sentence-encoder.js";

// The half weights read ahead by bin/locus.js (a file's bytes in a WebAssembly memory) give the encoder read from
// the file, vector for vector; bytes that are not a whole, valid file are refused, and a failed read counts as none.

/** The file's bytes (or `edit` of them) in a fresh memory, as bin/locus.js leaves them. */
function imageOf(bytes: Uint8Array) {
  const memory = createWasmMemory(Math.ceil(bytes.length / PAGE_BYTES));
  new Uint8Array(memory.buffer).set(bytes);
  return { memory, bytes: bytes.length };
}

describe("half weights read ahead", () => {
  const path = defaultHalfWeightsPath();
  const file = path === undefined ? undefined : new Uint8Array(readFileSync(path));

  it("give the encoder read from the file", { skip: file === undefined && "no build" }, () => {
    const read = imageOf(file as Uint8Array);
    const image = halfWeightsImage(read.memory, read.bytes);
    assert.ok(image !== undefined);
    const ahead = SentenceEncoder.load(modelFolder(), image);
    const fromFile = SentenceEncoder.load(modelFolder(), path);
    for (const text of ["export report fails for admins", "cannot sign in after password reset"])
      assert.deepEqual(ahead.embed([text])[0], fromFile.embed([text])[0]);
  });

  it("are refused when cut short or damaged in their header", {
    skip: file === undefined && "no build",
  }, () => {
    const bytes = file as Uint8Array;
    const short = imageOf(bytes);
    assert.equal(halfWeightsImage(short.memory, bytes.length - 2), undefined, "cut short");
    const damaged = Uint8Array.from(bytes);
    damaged[9] = 0x7b; // the header's JSON no longer parses
    const image = imageOf(damaged);
    assert.equal(halfWeightsImage(image.memory, image.bytes), undefined, "damaged header");
    assert.equal(halfWeightsImage(createWasmMemory(1), 4), undefined, "no header at all");
  });

  it("are taken once, and a failed read is as if none was offered", async () => {
    const memory = createWasmMemory(1);
    offerPrefetchedFile("/tmp/locus-prefetch-test/a.bin", Promise.resolve({ memory, bytes: 10 }));
    offerPrefetchedFile("/tmp/locus-prefetch-test/b.bin", Promise.reject(new Error("EIO")));
    assert.equal(
      (await takePrefetchedFile("/tmp/locus-prefetch-test/../locus-prefetch-test/a.bin"))?.bytes,
      10,
    );
    assert.equal(takePrefetchedFile("/tmp/locus-prefetch-test/a.bin"), undefined);
    assert.equal(await takePrefetchedFile("/tmp/locus-prefetch-test/b.bin"), undefined);
  });
});
