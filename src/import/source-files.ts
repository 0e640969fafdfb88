// Section 15, hostile input: a source is read within size bounds, as data. A Backlog.md folder is walked without
// ever leaving it: every entry's real path (symlinks resolved) must stay inside the folder's real path, and only
// regular files are read (a FIFO or device planted in it is refused, never waited on).

import { lstatSync, readdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { readRegularFile } from "../board/safe-read.js";
import { LocusError } from "../domain/errors.js";
import type { Unmapped } from "./import-model.js";

/** Bounds of what an import reads. */
export const IMPORT_LIMITS = {
  /** One source file (a Beads JSONL, a tasks.json, a gh export). */
  file_bytes: 64 * 1024 * 1024,
  /** One Markdown file of a Backlog.md folder. */
  markdown_bytes: 1024 * 1024,
  /** Markdown files read from one folder, and their bytes together. */
  folder_files: 20_000,
  folder_bytes: 128 * 1024 * 1024,
} as const;

/** The absolute path of the source, or the usage refusal naming `params.source`. */
function absoluteSource(source: string): string {
  if (source.includes("\u0000"))
    throw new LocusError("HSK-400-INVALID-PARAMS", "source contains a NUL byte", { field: "params.source" });
  return path.resolve(source);
}

function missing(source: string, error: unknown): LocusError {
  const code = (error as NodeJS.ErrnoException).code;
  return new LocusError(
    "HSK-400-INVALID-PARAMS",
    `cannot read ${source}: ${code === "ENOENT" ? "no such file or folder" : (error as Error).message}; nothing was imported`,
    {
      field: "params.source",
    },
  );
}

/** Reads one source file as UTF-8 text (BOM removed), within `maxBytes`. */
export function readSourceFile(source: string, maxBytes: number = IMPORT_LIMITS.file_bytes): string {
  const absolute = absoluteSource(source);
  let bytes: Buffer;
  try {
    bytes = readRegularFile(absolute, maxBytes, "params.source");
  } catch (error) {
    if (error instanceof LocusError) throw error;
    throw missing(source, error);
  }
  return bytes.toString("utf8").replace(/^\uFEFF/, "");
}

/** A Markdown file of a folder: its path relative to the folder and its text. */
export interface FolderFile {
  relative: string;
  text: string;
}

/**
 * The Markdown files under `subfolders` of the folder `source` (missing subfolders are skipped). An entry whose
 * real path leaves the folder, or that is not a regular file or folder, is reported and not read.
 */
export function readMarkdownFolder(
  source: string,
  subfolders: readonly string[],
  unmapped: Unmapped[],
): FolderFile[] {
  let root: string;
  try {
    root = realpathSync(absoluteSource(source));
    if (!lstatSync(root).isDirectory()) throw Object.assign(new Error("not a folder"), { code: "ENOTDIR" });
  } catch (error) {
    throw missing(source, error);
  }
  const inside = (real: string) => real === root || real.startsWith(`${root}${path.sep}`);
  const files: FolderFile[] = [];
  let total = 0;
  const visit = (relative: string, depth: number) => {
    let real: string;
    try {
      real = realpathSync(path.join(root, relative));
    } catch {
      unmapped.push({
        item: relative,
        field: "file",
        reason: "a symlink whose target does not exist; not read",
      });
      return;
    }
    if (!inside(real)) {
      unmapped.push({
        item: relative,
        field: "file",
        reason: "resolves outside the folder (symlink); not read",
      });
      return;
    }
    const stat = lstatSync(real);
    if (stat.isDirectory()) {
      if (depth > 8) {
        unmapped.push({ item: relative, field: "file", reason: "folder nested deeper than 8; not read" });
        return;
      }
      for (const name of readdirSync(real).sort()) visit(path.posix.join(relative, name), depth + 1);
      return;
    }
    if (!relative.endsWith(".md")) return;
    if (!stat.isFile()) {
      unmapped.push({ item: relative, field: "file", reason: "not a regular file; not read" });
      return;
    }
    if (files.length >= IMPORT_LIMITS.folder_files || total + stat.size > IMPORT_LIMITS.folder_bytes)
      throw new LocusError(
        "HSK-413-LIMIT",
        `the folder holds more than ${IMPORT_LIMITS.folder_files} files or ${IMPORT_LIMITS.folder_bytes} bytes of Markdown; nothing was imported`,
        {
          field: "params.source",
          limit: IMPORT_LIMITS.folder_files,
        },
      );
    if (stat.size > IMPORT_LIMITS.markdown_bytes) {
      unmapped.push({
        item: relative,
        field: "file",
        reason: `larger than ${IMPORT_LIMITS.markdown_bytes} bytes; not read`,
      });
      return;
    }
    // The real path was checked above; O_NOFOLLOW refuses a symlink swapped in since.
    const text = readRegularFile(real, IMPORT_LIMITS.markdown_bytes, "params.source", true).toString("utf8");
    total += stat.size;
    files.push({ relative, text: text.replace(/^\uFEFF/, "") });
  };
  for (const sub of subfolders) {
    try {
      lstatSync(path.join(root, sub));
    } catch {
      continue;
    }
    visit(sub, 0);
  }
  return files;
}

/** A small file at the top of the folder `source` (Backlog.md's config.yml), read only if it stays inside. */
export function readFolderFile(source: string, name: string, maxBytes: number): string | undefined {
  try {
    const root = realpathSync(absoluteSource(source));
    const real = realpathSync(path.join(root, name));
    if (!real.startsWith(`${root}${path.sep}`)) return undefined;
    return readRegularFile(real, maxBytes, "params.source", true).toString("utf8");
  } catch {
    return undefined;
  }
}
