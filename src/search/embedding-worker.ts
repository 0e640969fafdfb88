import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import { registerFastSplitV } from "./tfjs-split-kernel.js";

// Issue 20: indexing with the local model is compute-bound (TF.js' SIMD kernels run one thread), so a large
// embed() shares its batches with a worker thread holding its own copy of the model: on two cores, two batches at
// once. The batches of one call are claimed from one shared counter by both threads, the worker one after the
// other and the calling thread between its own, so a worker still loading its model (a second or two) costs no
// waiting, and a batch the worker could not do is done by the caller. Same runtime, same batches: a batch gives
// the same vectors on either thread. The worker is started on the first large call, kept for the process (unref'd
// while no call is out, so it never keeps a command alive), and given up for good if it fails.

/** A worker's answer: one batch's vectors (`width` floats each, back to back), or the end of a call. */
interface Reply {
  readonly id: number;
  readonly batch?: number;
  readonly vectors?: Float32Array;
  readonly width?: number;
  readonly done?: true;
  readonly error?: string;
}

// Plain CommonJS evaluated by the worker (the CLI is one bundle, so the worker cannot be a file beside it); the
// packages are required by the paths the calling thread resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const embeddings = require(workerData.embeddings);
(${registerFastSplitV.toString()})(require(workerData.core));
const weights = require(workerData.weights);
const model = embeddings.initModel(weights.modelSource);
model.catch(() => {});
parentPort.on("message", async ({ id, batches, next }) => {
  const counter = new Int32Array(next);
  try {
    const loaded = await model;
    for (let claimed; (claimed = Atomics.add(counter, 0, 1)) < batches.length; ) {
      const rows = await loaded.embed(batches[claimed]);
      const width = rows[0] ? rows[0].length : 0;
      const vectors = new Float32Array(rows.length * width);
      rows.forEach((row, i) => vectors.set(row, i * width));
      parentPort.postMessage({ id, batch: claimed, vectors, width }, [vectors.buffer]);
    }
    parentPort.postMessage({ id, done: true });
  } catch (error) {
    parentPort.postMessage({ id, done: true, error: String(error) });
  }
});`;

/** One call out: where its batches' vectors go, and how it ends. */
interface Call {
  readonly deliver: (batch: number, vectors: readonly ArrayLike<number>[]) => void;
  readonly finish: () => void;
}

/** A worker thread running the local model's TF.js runtime on batches it claims. */
export class EmbeddingWorker {
  private readonly worker: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 1;
  /** Set once the worker failed; it is then never used again. */
  broken = false;

  /** `packages`: the paths of the runtime, the weights and TF.js' core (local-embedding-provider.ts). */
  constructor(packages: { embeddings: string; weights: string; core: string }) {
    // Required here, not imported: a one-shot search that starts no worker skips loading worker_threads (issue 17).
    const { Worker } = createRequire(import.meta.url)(
      "node:worker_threads",
    ) as typeof import("node:worker_threads");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: packages });
    this.worker.on("message", (reply: Reply) => this.answer(reply));
    this.worker.on("error", () => this.fail());
    this.worker.on("exit", () => this.fail());
    this.worker.unref();
  }

  /**
   * Offers `batches` to the worker, which claims them from `next` (shared with the caller, who claims too) and
   * hands each one's vectors to `deliver`; resolves when the worker claims no more (or failed: the caller then
   * does what is left undelivered).
   */
  share(
    batches: readonly (readonly string[])[],
    next: Int32Array,
    deliver: (batch: number, vectors: readonly ArrayLike<number>[]) => void,
  ): Promise<void> {
    if (this.broken) return Promise.resolve();
    return new Promise((finish) => {
      const id = this.nextId++;
      if (this.calls.size === 0) this.worker.ref();
      this.calls.set(id, { deliver, finish });
      this.worker.postMessage({ id, batches, next: next.buffer });
    });
  }

  /** Stops the thread (tests; a process that ends needs not: the worker is unref'd). */
  async close(): Promise<void> {
    this.broken = true;
    await this.worker.terminate();
    this.settleAll();
  }

  private answer(reply: Reply): void {
    const call = this.calls.get(reply.id);
    if (call === undefined) return;
    if (reply.vectors !== undefined && reply.batch !== undefined && reply.width !== undefined) {
      const { vectors, width } = reply;
      const rows: Float32Array[] = [];
      for (let at = 0; at < vectors.length; at += width) rows.push(vectors.subarray(at, at + width));
      call.deliver(reply.batch, rows);
    }
    if (reply.error !== undefined) this.broken = true;
    if (reply.done === true) this.settle(reply.id, call);
  }

  private settle(id: number, call: Call): void {
    this.calls.delete(id);
    if (this.calls.size === 0) this.worker.unref();
    call.finish();
  }

  private settleAll(): void {
    for (const [id, call] of [...this.calls]) this.settle(id, call);
  }

  private fail(): void {
    this.broken = true;
    this.settleAll();
  }
}
