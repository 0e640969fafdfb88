// The only code that touches the Task Board file on disk (LOCUS_SPEC section 8, "Safety" and "Stable"):
// path confinement (no `..`, no absolute path, no symlink escape), size bounds checked on the file's stat
// BEFORE it is read, and atomic writes (temp file in the same folder, fsync, rename).
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { LocusError } from "../domain/errors.js";
import { assertRelativeWorkspacePath } from "../domain/path-safety.js";
import { openForRead } from "./safe-read.js";

/** A board path checked against the workspace: relative form (for events and the store) and real path. */
export interface ResolvedBoardPath {
  /** Normalised workspace-relative path, e.g. `docs/TASK_BOARD.md` (the key of the board state). */
  readonly relative: string;
  /** Absolute path of the file to read and write (symlinks inside the workspace resolved). */
  readonly absolute: string;
  /** True when the file exists. */
  readonly exists: boolean;
}

/** Identity of one version of the file: a changed file has another (size, mtime in ns, inode). */
export interface BoardFileStamp {
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

/** The bytes of a board as read, with the stamp they were read under. */
export interface BoardFileContent {
  readonly bytes: Buffer;
  readonly stamp: BoardFileStamp;
}

const unsafe = (field: string, message: string, target: string) =>
  new LocusError("HSK-400-UNSAFE-PATH", message, { field, path: target.slice(0, 300) });

/** True when `child` is `parent` or inside it (both absolute and resolved). */
function contains(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === "" ||
    (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/**
 * Resolves `requested` (workspace-relative) inside `workspaceRoot`, refusing every escape with
 * HSK-400-UNSAFE-PATH: lexical ones (`..`, absolute paths) and symlinked ones, by taking the real path of
 * the nearest existing ancestor, or of the file itself when it exists (a symlink chain is followed fully).
 * Synchronous on purpose: a few syscalls, and usable from the task_packet_path check (section 8).
 */
export function resolveWorkspaceFile(
  workspaceRoot: string,
  requested: string,
  field: string,
): ResolvedBoardPath {
  const relative = assertRelativeWorkspacePath(requested, field);
  const realRoot = realpathSync(workspaceRoot);
  const target = path.join(realRoot, relative);
  let probe = target;
  let exists = true;
  // Walk up to the nearest existing ancestor: its real path must stay inside the workspace.
  for (;;) {
    try {
      lstatSync(probe);
      break;
    } catch {
      exists = false;
      const parent = path.dirname(probe);
      if (parent === probe) throw unsafe(field, `${field} has no existing ancestor`, requested);
      probe = parent;
    }
  }
  let realProbe: string;
  try {
    realProbe = realpathSync(probe);
  } catch {
    // A dangling symlink: where it points cannot be proven to be inside the workspace.
    throw unsafe(field, `${field} is a symlink whose target does not exist`, requested);
  }
  if (!contains(realRoot, realProbe)) {
    throw unsafe(field, `${field} resolves outside the workspace (through a symlink)`, requested);
  }
  const absolute = exists ? realProbe : path.join(realProbe, path.relative(probe, target));
  if (absolute === realRoot) throw unsafe(field, `${field} names the workspace root itself`, requested);
  return { relative, absolute, exists };
}

/** The endings a Task Board file may have: it is Markdown (issue 21 hole 2). */
const BOARD_EXTENSIONS = [".md", ".markdown"];

/**
 * Why `relative` (workspace-relative, `/`-separated) cannot be a Task Board, or undefined when it can: the board
 * is a Markdown file outside every dot-folder (`.git/`, `.locus/`, `.github/`, ...) and `node_modules/`, so a
 * board sync can never append sections to git's config, Locus's own files or another tool's (issue 21 hole 2).
 */
export function boardPathProblem(relative: string): string | undefined {
  const segments = relative.split(/[\\/]/);
  const folder = segments
    .slice(0, -1)
    .find((segment) => segment.startsWith(".") || segment === "node_modules");
  if (folder !== undefined) return `it is inside ${folder}/, a folder that belongs to a tool, not to people`;
  const name = segments.at(-1) ?? "";
  if (name.startsWith(".")) return "it is a hidden file";
  if (!BOARD_EXTENSIONS.includes(path.extname(name).toLowerCase())) {
    return "it is not a Markdown file (.md or .markdown)";
  }
  return undefined;
}

/**
 * resolveWorkspaceFile for the Task Board: also refuses, with HSK-400-UNSAFE-PATH, a path that is not a Markdown
 * file people own (boardPathProblem), checked on the path as given and on where it really leads (a symlink
 * inside the workspace that points into `.git/` is refused too).
 */
export function resolveBoardFile(workspaceRoot: string, requested: string, field: string): ResolvedBoardPath {
  const resolved = resolveWorkspaceFile(workspaceRoot, requested, field);
  const real = path.relative(realpathSync(workspaceRoot), resolved.absolute);
  for (const candidate of [resolved.relative, real]) {
    const problem = boardPathProblem(candidate);
    if (problem !== undefined) {
      throw unsafe(field, `${field} ${requested} cannot be the Task Board: ${problem}`, requested);
    }
  }
  return resolved;
}

/** Creates the missing folders of a resolved path (already confined by resolveWorkspaceFile). */
export async function ensureParentFolder(resolved: ResolvedBoardPath): Promise<void> {
  mkdirSync(path.dirname(resolved.absolute), { recursive: true });
}

/** The stamp of the file now, or undefined when it does not exist. */
export function statBoardFile(absolute: string): BoardFileStamp | undefined {
  let fd: number;
  try {
    fd = openForRead(absolute);
  } catch {
    return undefined;
  }
  try {
    return stampOf(fstatSync(fd, { bigint: true }));
  } finally {
    closeSync(fd);
  }
}

function stampOf(stat: { ino: bigint; size: bigint; mtimeNs: bigint }): BoardFileStamp {
  return { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs };
}

/** True when two stamps name the same version of the file. */
export function sameStamp(a: BoardFileStamp | undefined, b: BoardFileStamp | undefined): boolean {
  return (
    a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs
  );
}

/**
 * Reads the board. The size bound is checked on the open file's stat before a byte is read (a 50 MiB
 * board is refused without being loaded), and the read stops at the bound even if the file grows meanwhile.
 */
export function readBoardFile(absolute: string, maxBytes: number): BoardFileContent {
  // Non-blocking open: a FIFO planted as the board is refused below, not waited on (issue 21 hole 4).
  const fd = openForRead(absolute);
  try {
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile()) {
      throw new LocusError("HSK-400-UNSAFE-PATH", "the board is not a regular file", { field: "path" });
    }
    const tooBig = (actual: number) =>
      new LocusError("HSK-413-LIMIT", `the board is ${actual} bytes, above the bound of ${maxBytes}`, {
        field: "board",
        limit: maxBytes,
        actual,
      });
    if (stat.size > BigInt(maxBytes)) throw tooBig(Number(stat.size));
    const buffer = Buffer.allocUnsafe(Number(stat.size) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw tooBig(length);
      if (length === buffer.length) break;
    }
    return { bytes: buffer.subarray(0, length), stamp: stampOf(stat) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the board atomically: a temp file in the same folder (same file system), fsync, rename over the
 * board, then fsync of the folder. A reader sees the old board or the new one, never half of one. The new
 * file keeps the permission bits of the one it replaces (a 0600 board stays 0600; issue 21 hole 13); a new
 * file gets 0644 less the umask. Returns the stamp of the new file.
 */
export function writeBoardFileAtomic(absolute: string, content: string | Buffer): BoardFileStamp {
  const folder = path.dirname(absolute);
  const temp = path.join(
    folder,
    `.${path.basename(absolute)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  const mode = existingMode(absolute);
  // "wx": O_CREAT|O_EXCL, so an attacker's symlink planted at the temp name is never followed. Created
  // owner-only when the mode is kept, so the content is never readable by more people than the old file's.
  const fd = openSync(temp, "wx", mode === undefined ? 0o644 : 0o600);
  let stamp: BoardFileStamp;
  try {
    // fchmod, not the open mode: the umask must not narrow (or the default widen) what the board had.
    if (mode !== undefined) fchmodSync(fd, mode);
    const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    stamp = stampOf(fstatSync(fd, { bigint: true }));
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  try {
    renameSync(temp, absolute);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  syncFolder(folder);
  return stamp;
}

/** The permission bits (rwx for user, group, other; no setuid/setgid/sticky) of `absolute`, if it exists. */
function existingMode(absolute: string): number | undefined {
  try {
    return statSync(absolute).mode & 0o777;
  } catch {
    return undefined;
  }
}

function syncFolder(folder: string): void {
  // Makes the rename durable; not every platform can fsync a directory, which is not worth failing for.
  try {
    const fd = openSync(folder, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}
