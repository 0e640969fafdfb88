// Test support for the board suites: a real temp workspace folder with a real SQLite store, and an engine
// that has the workspace root and the auto-sync hook, as the CLI builds it.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { boardAutoSync } from "../../src/operations/board/board-auto-sync.js";
import type { LocusResult } from "../../src/operations/envelope.js";
import type { LocusEngine } from "../../src/operations/locus-engine.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { freshEngine, sqliteBackend } from "../support/stores.js";

/** A temp workspace with its engine. */
export interface BoardWorkspace {
  root: string;
  engine: LocusEngine;
  store: LocusStore;
  /** Absolute path of docs/TASK_BOARD.md. */
  boardFile: string;
  writeBoard(text: string | Buffer): void;
  readBoard(): string;
  /** Runs an operation and asserts success; returns data. */
  ok(operation: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  run(operation: string, params: Record<string, unknown>): Promise<LocusResult>;
  cleanup(): Promise<void>;
}

/** Makes a fresh workspace folder (with `docs/`) and a fresh SQLite store. */
export async function boardWorkspace(
  options: { autoSync?: boolean; cacheFolder?: boolean; parent?: string } = {},
): Promise<BoardWorkspace> {
  // With parent, the workspace folder is made inside it (so a test knows exactly what `../` names).
  const root = realpathSync(mkdtempSync(path.join(options.parent ?? tmpdir(), "locus-board-")));
  mkdirSync(path.join(root, "docs"), { recursive: true });
  // With cacheFolder, the board line index is kept in `.locus/` as the CLI keeps it.
  if (options.cacheFolder) mkdirSync(path.join(root, ".locus"));
  const { engine, store, cleanup } = await freshEngine(sqliteBackend, {
    workspaceRoot: root,
    ...(options.cacheFolder ? { cacheFolder: path.join(root, ".locus") } : {}),
    ...(options.autoSync === false ? {} : { afterApply: boardAutoSync }),
  });
  const boardFile = path.join(root, "docs", "TASK_BOARD.md");
  const run = (operation: string, params: Record<string, unknown>) => engine.run(operation, params);
  return {
    root,
    engine,
    store,
    boardFile,
    writeBoard: (text) => writeFileSync(boardFile, text),
    readBoard: () => readFileSync(boardFile, "utf8"),
    run,
    async ok(operation, params) {
      const result = await run(operation, params);
      if (!result.success) throw new Error(`${operation} failed: ${JSON.stringify(result.error)}`);
      return result.data;
    },
    async cleanup() {
      await cleanup();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The event names stored after seq `after`. */
export async function eventNames(store: LocusStore, after = 0): Promise<string[]> {
  return (await store.readEvents({ afterSeq: after })).map((event) => event.event_name);
}
