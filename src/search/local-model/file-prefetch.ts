import { resolve } from "node:path";
import type { WasmMemory } from "../wasm-bytecode.js";

// Files read ahead while the CLI starts (issue 17, third round). A one-shot `locus search` reads the encoder's
// 10 MB of half-float weights before its first query; bin/locus.js starts that read on libuv's thread pool before
// it loads the CLI bundle (~50-100 ms of this thread's work), straight into a fresh WebAssembly memory, and offers
// it here; the encoder takes it instead of reading the file again. What is offered is only bytes: the reader
// (half-weights.ts) checks them as it would check the file.

/** A file read whole into `memory` from byte 0. */
export interface PrefetchedFile {
  readonly memory: WasmMemory;
  readonly bytes: number;
}

const offered = new Map<string, Promise<PrefetchedFile | undefined>>();

/** Offers the read of the file at `path` under way (a failed read is as if none had been offered). */
export function offerPrefetchedFile(path: string, read: Promise<PrefetchedFile | undefined>): void {
  offered.set(
    resolve(path),
    read.catch(() => undefined),
  );
}

/** The read offered for `path`, once (a second taker reads the file itself); undefined when none was. */
export function takePrefetchedFile(path: string): Promise<PrefetchedFile | undefined> | undefined {
  const key = resolve(path);
  const read = offered.get(key);
  offered.delete(key);
  return read;
}
