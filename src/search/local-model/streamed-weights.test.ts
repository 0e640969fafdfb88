import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, openSync, rmSync, statSync, truncateSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { toUnitVector } from "../embedding-provider.js";
import { LocalEmbeddingProvider } from "../local-embedding-provider.js";
import { defaultHalfWeightsPath, openHalfWeights } from "./half-weights.js";
import { modelFolder, SentenceEncoder } from "./sentence-encoder.js";

// Issue 17, fifth round: a first query reads each half-float matrix from the file just before its product, into
// one window, instead of the whole file into fresh memory. The vectors must be those of the weights held whole.

const TEXTS = ["login failure", "slow dashboard on the billing page", "export report as CSV", "x"];

/** A copy of the build's half-weights file in a fresh folder (the build writes it: `npm run build`). */
function copyOfBuiltFile(): { folder: string; path: string } {
  const built = defaultHalfWeightsPath();
  assert.ok(built !== undefined, "tests run from the build, which holds the half-weights file");
  const folder = mkdtempSync(join(tmpdir(), "locus-streamed-"));
  const path = join(folder, "weights-f16.bin");
  copyFileSync(built, path);
  return { folder, path };
}

describe("weight matrices read a product at a time", () => {
  it("give the vectors of the weights held whole, call after call, and are read from the file at each use", () => {
    const { folder, path } = copyOfBuiltFile();
    try {
      const file = openHalfWeights(path);
      assert.ok(file !== undefined);
      const whole = SentenceEncoder.load(modelFolder(), path);
      const streamed = SentenceEncoder.load(modelFolder(), file);
      for (const text of TEXTS)
        assert.deepEqual(streamed.embed([text])[0], whole.embed([text])[0], JSON.stringify(text));
      assert.deepEqual(streamed.embed(TEXTS.slice(0, 2)), whole.embed(TEXTS.slice(0, 2)));
      // Zeroing the matrices on disk changes what the streamed encoder computes, not the whole one's.
      const fd = openSync(path, "r+");
      const data = statSync(path).size - file.dataAt;
      writeSync(fd, Buffer.alloc(data), 0, data, file.dataAt);
      assert.notDeepEqual(streamed.embed([TEXTS[0]!])[0], whole.embed([TEXTS[0]!])[0]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("refuse a missing file, or one whose header names data past its end", () => {
    const { folder, path } = copyOfBuiltFile();
    try {
      assert.equal(openHalfWeights(join(folder, "missing.bin")), undefined);
      truncateSync(path, statSync(path).size - 2);
      assert.equal(openHalfWeights(path), undefined);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("serve the provider's first query; its next queries use the weights held whole, with equal vectors", async () => {
    const provider = new LocalEmbeddingProvider();
    const whole = SentenceEncoder.load(modelFolder(), defaultHalfWeightsPath());
    for (const text of TEXTS)
      assert.deepEqual(
        await provider.embed([text]),
        [toUnitVector(whole.embed([text])[0]!)],
        JSON.stringify(text),
      );
  });
});
