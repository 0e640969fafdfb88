import { Worker } from "node:worker_threads";
import { DEFLATE_SETTINGS, DEFLATED_V1, packText } from "./stored-json.js";
import { STORED_JSON_DICTIONARY_V1 } from "./stored-json-dictionary.js";

// Issue 12: a sync that brings thousands of new WPs writes a Bronze snapshot for each in one job, and each
// deflate costs ~23 us on the main thread, almost all of it zlib making and priming a fresh context (Node has no
// synchronous way to reuse one). A batch that large is shared with a worker thread, while the main thread folds
// and indexes the same WPs; the bytes are the ones packText writes (same zlib, same settings), in order.
// A batch is cut in pieces that both threads claim from one shared counter: the worker one after the other, the
// calling thread whenever it would wait (its event loop turns). So a worker that is slow (still starting, or cold
// in the first sync of a process) costs no waiting, and a busy calling thread never starves the worker.
// The worker is started on first use, or as soon as a sync says many snapshots are coming, kept for the process
// (unref'd while no batch is out: it never keeps a command alive), and replaced by packing here if it cannot
// start or fails.

/** Batches smaller than this are packed on the calling thread: posting them costs about what it saves. */
export const BACKGROUND_BATCH = 256;
/** Docs per piece: what either thread claims at once. */
const PIECE = 64;

// Plain CommonJS evaluated by the worker (the CLI is one bundle, so the worker cannot be a file beside it).
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { deflateRawSync } = require("node:zlib");
const { format, piece } = workerData;
const options = { ...workerData.settings, dictionary: Buffer.from(workerData.dictionary, "utf8") };
parentPort.postMessage({ ready: true });
parentPort.on("message", ({ id, texts, next }) => {
  const counter = new Int32Array(next);
  const pieces = Math.ceil(texts.length / piece);
  const done = [];
  try {
    const bodies = [];
    for (let claimed; (claimed = Atomics.add(counter, 0, 1)) < pieces; ) {
      done.push(claimed);
      const end = Math.min(texts.length, (claimed + 1) * piece);
      for (let i = claimed * piece; i < end; i++) bodies.push(deflateRawSync(texts[i], options));
    }
    const ends = [];
    let length = 0;
    for (const body of bodies) ends.push((length += body.length + 1));
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const body of bodies) {
      bytes[at] = format;
      bytes.set(body, at + 1);
      at += body.length + 1;
    }
    parentPort.postMessage({ id, done, bytes, ends }, [bytes.buffer]);
  } catch (error) {
    parentPort.postMessage({ id, done, error: String(error) });
  }
});`;

interface Reply {
  ready?: true;
  id: number;
  /** The pieces the worker claimed, in the order of `ends`. */
  done?: number[];
  bytes?: Uint8Array;
  ends?: number[];
  error?: string;
}

/** One packTexts call: its docs' packed forms as the pieces come in. */
interface Batch {
  texts: readonly string[];
  packed: Buffer[];
  pieces: number;
  settled: number;
  /** The next piece to claim, shared with the worker. */
  next: Int32Array;
  resolve: (packed: Buffer[]) => void;
}

/** Packs docs [piece * PIECE, ...) of a batch here. */
const packHere = (batch: Batch, piece: number): Buffer[] =>
  batch.texts.slice(piece * PIECE, (piece + 1) * PIECE).map(packText);

/** Pieces packed by each thread since the process started (what the tests and a profile read). */
const packedPieces = { worker: 0, here: 0 };

/** One worker thread and the batches out. */
class BackgroundPacker {
  private readonly worker: Worker;
  private readonly out = new Map<number, Batch>();
  private nextId = 1;
  private helping = false;
  broken = false;
  /** Set when the worker has started (a start takes ~100 ms, cold); batches posted before wait in its queue. */
  ready = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        settings: DEFLATE_SETTINGS,
        dictionary: STORED_JSON_DICTIONARY_V1,
        format: DEFLATED_V1,
        piece: PIECE,
      },
    });
    this.worker.on("message", (reply: Reply) => this.answer(reply));
    this.worker.on("error", () => this.fail());
    this.worker.on("exit", () => this.fail());
    this.worker.unref();
  }

  pack(texts: readonly string[]): Promise<Buffer[]> {
    return new Promise((resolve) => {
      const next = new Int32Array(new SharedArrayBuffer(4));
      const batch: Batch = {
        texts,
        packed: new Array(texts.length),
        pieces: Math.ceil(texts.length / PIECE),
        settled: 0,
        next,
        resolve,
      };
      const id = this.nextId++;
      // Held while a batch is out, so the process waits for it; let go when none is.
      if (this.out.size === 0) this.worker.ref();
      this.out.set(id, batch);
      this.worker.postMessage({ id, texts, next: next.buffer });
      this.helpWhenIdle();
    });
  }

  /** When this thread's event loop next turns (it waits), claims and packs one piece here, and so on. */
  private helpWhenIdle(): void {
    if (this.helping) return;
    this.helping = true;
    setImmediate(() => {
      this.helping = false;
      for (const [id, batch] of this.out) {
        const piece = Atomics.add(batch.next, 0, 1);
        if (piece >= batch.pieces) continue;
        packedPieces.here++;
        this.settle(id, batch, piece, packHere(batch, piece));
        this.helpWhenIdle();
        return;
      }
    });
  }

  private settle(id: number, batch: Batch, piece: number, packed: readonly Buffer[]): void {
    for (let i = 0; i < packed.length; i++) batch.packed[piece * PIECE + i] = packed[i] as Buffer;
    if (++batch.settled < batch.pieces) return;
    this.out.delete(id);
    if (this.out.size === 0) this.worker.unref();
    batch.resolve(batch.packed);
  }

  private answer({ ready, id, done, bytes, ends, error }: Reply): void {
    if (ready) {
      this.ready = true;
      return;
    }
    const batch = this.out.get(id);
    if (batch === undefined || done === undefined) return;
    if (error !== undefined || bytes === undefined || ends === undefined) {
      for (const piece of done) this.settle(id, batch, piece, packHere(batch, piece));
      return;
    }
    let doc = 0;
    let start = 0;
    packedPieces.worker += done.length;
    for (const piece of done) {
      const packed: Buffer[] = [];
      const count = Math.min(PIECE, batch.texts.length - piece * PIECE);
      for (const last = doc + count; doc < last; doc++) {
        const end = ends[doc] as number;
        packed.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start));
        start = end;
      }
      this.settle(id, batch, piece, packed);
    }
  }

  /** A worker that stopped: what it had not answered is packed here, and later batches too. */
  private fail(): void {
    this.broken = true;
    for (const [id, batch] of this.out)
      for (let piece = 0; piece < batch.pieces; piece++)
        if (batch.packed[piece * PIECE] === undefined) this.settle(id, batch, piece, packHere(batch, piece));
  }
}

/** The process' worker; "unavailable" once one could not start or stopped (everything is packed here then). */
let packer: BackgroundPacker | "unavailable" | undefined;

/** The process' worker, started now when it was not. */
function startedPacker(): BackgroundPacker | "unavailable" {
  if (packer === undefined) {
    try {
      packer = new BackgroundPacker();
    } catch {
      packer = "unavailable";
    }
  }
  return packer;
}

/**
 * Starts the worker when `count` texts are coming (BACKGROUND_BATCH or more), so that it has started by the time
 * they do: a sync calls this as soon as it knows it will write many snapshots, long before it writes them.
 */
export function expectTexts(count: number): void {
  if (count >= BACKGROUND_BATCH) startedPacker();
}

/** The stored forms of `texts` (packText's bytes), deflated with the worker thread's help when there are many. */
export async function packTexts(texts: readonly string[]): Promise<Buffer[]> {
  if (texts.length < BACKGROUND_BATCH) return texts.map(packText);
  const worker = startedPacker();
  if (worker === "unavailable" || worker.broken) return texts.map(packText);
  return worker.pack(texts);
}

/** Where the process' worker is: not started, starting, taking batches, or given up (packing here). */
export function backgroundPackerState(): "none" | "starting" | "ready" | "unavailable" {
  if (packer === undefined) return "none";
  if (packer === "unavailable" || packer.broken) return "unavailable";
  return packer.ready ? "ready" : "starting";
}

/** How many pieces of large batches each thread has packed in this process. */
export const backgroundPackerPieces = (): { worker: number; here: number } => ({ ...packedPieces });
