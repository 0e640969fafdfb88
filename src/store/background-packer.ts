import { Worker } from "node:worker_threads";
import { DEFLATE_SETTINGS, DEFLATED_V1, packText } from "./stored-json.js";
import { STORED_JSON_DICTIONARY_V1 } from "./stored-json-dictionary.js";

// Issue 12: a sync that brings thousands of new WPs writes a Bronze snapshot for each in one job, and each
// deflate costs ~23 us on the main thread, almost all of it zlib making and priming a fresh context (Node has no
// synchronous way to reuse one). A batch that large is deflated on a worker thread instead, while the main
// thread folds and indexes the same WPs; the bytes are the ones packText writes (same zlib, same settings).
// The worker is started on first use and takes batches once it has started (earlier ones are packed here, not
// waited for), kept for the process (unref'd: it never keeps a command alive), and replaced by packing here if it
// cannot start or fails.

/** Batches smaller than this are packed on the calling thread: posting them costs about what it saves. */
export const BACKGROUND_BATCH = 256;

// Plain CommonJS evaluated by the worker (the CLI is one bundle, so the worker cannot be a file beside it).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { deflateRawSync } = require("node:zlib");
const options = { ...workerData.settings, dictionary: Buffer.from(workerData.dictionary, "utf8") };
parentPort.postMessage({ ready: true });
parentPort.on("message", ({ id, texts }) => {
  try {
    const bodies = texts.map((text) => deflateRawSync(text, options));
    const ends = [];
    let length = 0;
    for (const body of bodies) ends.push((length += body.length + 1));
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const body of bodies) {
      bytes[at] = workerData.format;
      bytes.set(body, at + 1);
      at += body.length + 1;
    }
    parentPort.postMessage({ id, bytes, ends }, [bytes.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, error: String(error) });
  }
});`;

interface Reply {
  ready?: true;
  id: number;
  bytes?: Uint8Array;
  ends?: number[];
  error?: string;
}

interface Waiting {
  texts: readonly string[];
  resolve: (packed: Buffer[]) => void;
}

/** One worker thread and the batches it has not answered yet. */
class BackgroundPacker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  broken = false;
  /** Set when the worker has started: until then batches are packed here (a start takes ~100 ms, cold). */
  ready = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { settings: DEFLATE_SETTINGS, dictionary: STORED_JSON_DICTIONARY_V1, format: DEFLATED_V1 },
    });
    this.worker.on("message", (reply: Reply) => this.answer(reply));
    this.worker.on("error", () => this.fail());
    this.worker.on("exit", () => this.fail());
    this.worker.unref();
  }

  pack(texts: readonly string[]): Promise<Buffer[]> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      // Held while a batch is out, so the process waits for it; let go when none is.
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { texts, resolve });
      this.worker.postMessage({ id, texts });
    });
  }

  private answer({ ready, id, bytes, ends, error }: Reply): void {
    if (ready) {
      this.ready = true;
      return;
    }
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker.unref();
    if (error !== undefined || bytes === undefined || ends === undefined) {
      waiting.resolve(waiting.texts.map(packText));
      return;
    }
    const packed: Buffer[] = [];
    let start = 0;
    for (const end of ends) {
      packed.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start));
      start = end;
    }
    waiting.resolve(packed);
  }

  /** A worker that stopped: what it still owed is packed here, and later batches too. */
  private fail(): void {
    this.broken = true;
    for (const { texts, resolve } of this.waiting.values()) resolve(texts.map(packText));
    this.waiting.clear();
  }
}

/** The process' worker; "unavailable" once one could not start or stopped (everything is packed here then). */
let packer: BackgroundPacker | "unavailable" | undefined;

/** The stored forms of `texts` (packText's bytes), deflated on the worker thread when the batch is large. */
export async function packTexts(texts: readonly string[]): Promise<Buffer[]> {
  if (texts.length < BACKGROUND_BATCH) return texts.map(packText);
  if (packer === undefined) {
    try {
      packer = new BackgroundPacker();
    } catch {
      packer = "unavailable";
    }
  }
  if (packer === "unavailable" || packer.broken || !packer.ready) return texts.map(packText);
  return packer.pack(texts);
}

/** Where the process' worker is: not started, starting, taking batches, or given up (packing here). */
export function backgroundPackerState(): "none" | "starting" | "ready" | "unavailable" {
  if (packer === undefined) return "none";
  if (packer === "unavailable" || packer.broken) return "unavailable";
  return packer.ready ? "ready" : "starting";
}
