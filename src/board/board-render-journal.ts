// The board render journal (LOCUS_SPEC section 8; issue 21 hole 9). The board file is written just before
// the job's COMMIT, so a job killed between the rename and COMMIT leaves lines on the board that the store
// never committed. Without a record, the next sync cannot tell those lines from a person's moves and would
// apply them as that person's edits (TB-003, WP-002) or keep a created WP's phantom entry. So, before the
// rename, the job writes this journal in the store's folder (`.locus/`): which render it is (the seq and
// hash of the job's last event) and which WPs' lines the render placed from the store. The next sync reads
// it: a render whose event is not in the store never committed, and its WPs' lines are put back to the
// store's state instead of being read as manual edits.
//
// Written with temp file and rename, without fsync: it survives a killed process (the kernel keeps the
// page cache), not a power cut before the kernel wrote it out. A journal that cannot be read or does not
// parse is ignored (the sync then behaves as before the journal existed).
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { WP_ID_PATTERN } from "./board-model.js";

/** What one render of the board wrote, as the job that rendered it recorded just before its COMMIT. */
export interface BoardRenderJournal {
  version: 1;
  /** Workspace-relative board path (the key of the store's board state). */
  board_path: string;
  /** Seq of the last event (one retention never purges) of the job that wrote the render. */
  seq: number;
  /** Hash of that event: the render committed iff the store holds this hash at `seq`. */
  hash: string;
  /** WPs whose entry lines this render placed (added, moved) from the store's side. */
  wps: string[];
  /**
   * WPs of an earlier render that never committed, not yet put back (a later job's render carries them so
   * that committing it does not turn them into a person's edits).
   */
  carried: string[];
}

/** The journal of the board at `absolute` in `cacheFolder`, or undefined (none, unreadable, or not ours). */
export function readRenderJournal(
  cacheFolder: string | undefined,
  absolute: string,
  boardPath: string,
): BoardRenderJournal | undefined {
  if (cacheFolder === undefined) return undefined;
  let stored: unknown;
  try {
    stored = JSON.parse(readFileSync(journalFile(cacheFolder, absolute), "utf8"));
  } catch {
    return undefined;
  }
  if (!isJournal(stored) || stored.board_path !== boardPath) return undefined;
  return stored;
}

/** Writes the journal of the board at `absolute` (temp file and rename: a reader sees all of it or the old one). */
export function writeRenderJournal(
  cacheFolder: string | undefined,
  absolute: string,
  journal: BoardRenderJournal,
): void {
  if (cacheFolder === undefined) return;
  const file = journalFile(cacheFolder, absolute);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(journal), { flag: "wx", mode: 0o600 });
    renameSync(temp, file);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
    throw error;
  }
}

function journalFile(cacheFolder: string, absolute: string): string {
  const key = createHash("sha256").update(absolute).digest("hex").slice(0, 16);
  return path.join(cacheFolder, `board-render-${key}.json`);
}

const isWpList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((id) => typeof id === "string" && WP_ID_PATTERN.test(id));

function isJournal(value: unknown): value is BoardRenderJournal {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.version === 1 &&
    typeof v.board_path === "string" &&
    Number.isSafeInteger(v.seq) &&
    (v.seq as number) > 0 &&
    typeof v.hash === "string" &&
    /^[0-9a-fA-F]{1,128}$/.test(v.hash) &&
    isWpList(v.wps) &&
    isWpList(v.carried)
  );
}
