// `locus board watch` (LOCUS_SPEC section 8): manual edits come in within 5 s. Debounced (an editor's save is
// several events), single-flight (one sync at a time; changes during a sync cause exactly one more), and
// never re-triggered by its own writes: a change is a file stamp other than the one the last sync left.
import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { lastWrittenStamp } from "./board-cache.js";
import { type BoardFileStamp, sameStamp, statBoardFile } from "./board-file.js";

/** What the watcher needs: the board's absolute path and a sync that reports whether it wrote the file. */
export interface BoardWatcherOptions {
  readonly boardFile: string;
  readonly sync: () => Promise<{ written: boolean }>;
  /** Quiet time after the last change before syncing (ms). */
  readonly debounceMs?: number;
  /** Stat polling period, the fallback when file events are lost (ms); keeps the 5 s promise. */
  readonly pollMs?: number;
}

/** Watches one board file and syncs it on changes; `stop()` ends it after the running sync. */
export class BoardWatcher {
  readonly #options: Required<BoardWatcherOptions>;
  #seen: BoardFileStamp | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;
  #stopped = false;

  /** Prepares a watcher; nothing happens before `start()`. */
  constructor(options: BoardWatcherOptions) {
    this.#options = { debounceMs: 250, pollMs: 1_000, ...options };
  }

  /** Syncs once, then on every change of the file by someone else. */
  async start(): Promise<void> {
    const { boardFile, pollMs } = this.#options;
    // Watch the folder, not the file: editors and Locus's own atomic rename replace the file's inode.
    try {
      this.#watcher = watch(path.dirname(boardFile), (_event, name) => {
        if (name === null || String(name) === path.basename(boardFile)) this.#changed();
      });
    } catch {
      // No folder yet, or no watch support: polling alone still meets the 5 s promise.
    }
    this.#poll = setInterval(() => this.#changed(), pollMs);
    await this.#run();
  }

  /** Stops watching and waits for a running sync to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.close();
    clearInterval(this.#poll);
    clearTimeout(this.#timer);
    await this.#running;
  }

  #changed(): void {
    if (this.#stopped || this.#unchanged()) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      // Checked again when the quiet time ends: the event may have been our own write, seen while that sync
      // was still running and had not yet recorded the stamp it left.
      if (this.#stopped || this.#unchanged()) return;
      void this.#run();
    }, this.#options.debounceMs);
  }

  /** True when the file has the stamp the last sync left (our own write is not a change). */
  #unchanged(): boolean {
    return sameStamp(statBoardFile(this.#options.boardFile), this.#seen);
  }

  async #run(): Promise<void> {
    if (this.#running !== undefined) {
      // Single flight: remember that one more sync is needed once this one ends.
      this.#again = true;
      return;
    }
    const { boardFile, sync } = this.#options;
    const before = statBoardFile(boardFile);
    this.#running = (async () => {
      try {
        const { written } = await sync();
        // What this sync left: its own write, or the version it read (an edit made meanwhile differs).
        this.#seen = written ? lastWrittenStamp(boardFile) : before;
      } catch {
        // The sync reported its own failure; the next change (or poll) tries again.
        this.#seen = before;
      }
    })();
    await this.#running;
    this.#running = undefined;
    if (this.#again && !this.#stopped) {
      this.#again = false;
      this.#changed();
    }
  }
}
