import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadCorpus } from "../relevance-fixtures.test-support.js";
import { AWKWARD_TEXTS } from "./awkward-texts.test-support.js";
import { defaultHalfWeightsPath } from "./half-weights.js";
import { readPrebuiltEncoder, writePrebuiltEncoder } from "./prebuilt-encoder.js";
import { modelFolder, SentenceEncoder } from "./sentence-encoder.js";

// The prebuilt graph and vocabulary are a faster way to the same encoder, never another one: the same token ids
// and the same vectors, bit for bit, as the encoder read from model.json and vocab.json; and a file that is
// damaged, cut short or built from other model files is refused (the encoder then reads the JSON).

describe("the prebuilt encoder file", () => {
  let folder: string;
  let path: string;
  before(() => {
    folder = mkdtempSync(join(tmpdir(), "locus-prebuilt-"));
    path = join(folder, "encoder-prebuilt.bin");
    writePrebuiltEncoder(modelFolder(), path);
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("gives the token ids and vectors of model.json and vocab.json", () => {
    const prebuilt = SentenceEncoder.load(modelFolder(), defaultHalfWeightsPath(), path);
    const json = SentenceEncoder.load(modelFolder(), defaultHalfWeightsPath(), false);
    const corpus = loadCorpus();
    const texts = [...AWKWARD_TEXTS, ...corpus.flatMap((wp) => [wp.title, wp.description])];
    for (const text of texts)
      assert.deepEqual(prebuilt.tokenize(text), json.tokenize(text), `tokens of ${JSON.stringify(text)}`);
    for (const text of [...AWKWARD_TEXTS, ...corpus.slice(0, 12).map((wp) => wp.title)])
      assert.deepEqual(prebuilt.embed([text])[0], json.embed([text])[0], `vector of ${JSON.stringify(text)}`);
  });

  it("is refused when damaged, cut short, of another format or built from other model files", () => {
    assert.ok(readPrebuiltEncoder(path, modelFolder()) !== undefined);
    const bytes = readFileSync(path);
    const copy = join(folder, "copy.bin");
    const refused = (make: (file: Buffer) => Buffer | string, why: string) => {
      const made = make(Buffer.from(bytes));
      writeFileSync(copy, made);
      assert.equal(readPrebuiltEncoder(copy, modelFolder()), undefined, why);
    };
    refused((file) => {
      file[file.length - 100] = (file[file.length - 100] as number) ^ 1; // a bit of the graph's JSON
      return file;
    }, "one bit flipped in the data");
    refused((file) => {
      const at = Math.floor(file.length / 2);
      file[at] = (file[at] as number) ^ 0x80; // a bit of the vocabulary
      return file;
    }, "one bit flipped in the vocabulary");
    refused((file) => file.subarray(0, file.length - 1), "cut short");
    refused((file) => file.subarray(0, 6), "cut inside the header");
    refused((file) => file.toString("latin1").replace('"format":1', '"format":9'), "another format");
    refused((file) => file.toString("latin1").replace(/"model":\d+/, '"model":12'), "other model files");
    assert.equal(readPrebuiltEncoder(join(folder, "missing.bin"), modelFolder()), undefined, "missing");
  });

  it("leaves the encoder working from the JSON when refused", () => {
    const damaged = join(folder, "damaged.bin");
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(damaged, bytes);
    const fallback = SentenceEncoder.load(modelFolder(), defaultHalfWeightsPath(), damaged);
    const json = SentenceEncoder.load(modelFolder(), defaultHalfWeightsPath(), false);
    const text = "export report fails for admins";
    assert.deepEqual(fallback.tokenize(text), json.tokenize(text));
    assert.deepEqual(fallback.embed([text])[0], json.embed([text])[0]);
  });
});
