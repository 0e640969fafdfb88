// A line index of a Task Board for incremental auto-sync (LOCUS_SPEC sections 8 and 12). Auto-sync after a
// single WP change must not re-parse and re-render a 10K-entry board on every write (~40 ms of a CLI
// command): the index keeps where sections start and end, where a new entry of each section goes and where
// fenced code runs, as offsets into one exact text identified by its SHA-256. With it, one WP's entry lines
// are found by a substring search, checked against the same grammar as the parser, and moved or appended by
// splicing the text; the index is shifted along. Pure: no I/O (board-index-store.ts persists it).
//
// Only boards where splicing is provably the same as BoardEditor.render get an index: every line ends with
// the same line ending (no mixed endings, no CR/LF merging, no last line without a terminator), and the
// target section exists (a created section, with its fence closing rules, takes the full path).
import {
  type BoardStatus,
  formatEntryLine,
  matchEntryLine,
  ownedStatusOfHeading,
  type ParsedBoard,
  TOKEN_PATTERN,
  tokenAfterMove,
  WP_ID_PATTERN,
} from "./board-model.js";
import { parseHeading } from "./board-parser.js";

/** A level-2 section as offsets into the indexed text. */
export interface IndexedSection {
  /** Offset of the heading line. */
  start: number;
  /** Offset one past the section's last line (the next level-1/2 heading, or the end of the text). */
  end: number;
  /** The status the section owns, null when Locus does not own it. */
  owned: BoardStatus | null;
  /** Where a new entry goes: the end of the last entry line, or of the heading line when none. */
  insert_at: number;
}

/** The index of one exact board text. */
export interface BoardLineIndex {
  /** 2 since HTML comments count as ranges without entries (an index of version 1 does not know them). */
  version: 2;
  /** SHA-256 (hex) of the UTF-8 bytes of the text. */
  sha256: string;
  /** Length of the decoded text in UTF-16 code units. */
  length: number;
  /** The line bound (UTF-8 bytes) the text was parsed under (a stricter bound later means a fresh parse). */
  max_line_bytes: number;
  /** True when the text starts with U+FEFF. */
  bom: boolean;
  /** The line ending of every line. */
  eol: "\n" | "\r\n" | "\r";
  /** Level-2 sections in file order. */
  sections: IndexedSection[];
  /** [start, end) of each fenced code block (fence lines included) and of each run of HTML comment lines. */
  code: [number, number][];
}

/**
 * The index of a parsed board whose text hashes to `sha256`, or undefined when the board is not one that
 * incremental edits handle exactly (mixed line endings, no final line ending, nothing but a BOM).
 */
export function buildLineIndex(
  board: ParsedBoard,
  sha256: string,
  maxLineBytes: number,
): BoardLineIndex | undefined {
  const { lines } = board;
  const last = lines[lines.length - 1];
  if (last === undefined || last.eol === "") return undefined;
  const eol = last.eol;
  const starts: number[] = new Array(lines.length + 1);
  let offset = board.bom ? 1 : 0;
  const code: [number, number][] = [];
  let codeStart: number | undefined;
  let commentStart: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.eol !== eol) return undefined;
    starts[i] = offset;
    offset += line.text.length + eol.length;
    // A run of HTML comment lines is a range where no line is an entry, like fenced code (hole 13).
    if (line.kind === "comment") commentStart ??= starts[i];
    else if (commentStart !== undefined) {
      code.push([commentStart, starts[i]!]);
      commentStart = undefined;
    }
    // A fence line opens a block when none is open and closes the open one otherwise (board-parser.ts).
    if (line.kind !== "fence") continue;
    if (codeStart === undefined) codeStart = starts[i];
    else {
      code.push([codeStart, offset]);
      codeStart = undefined;
    }
  }
  starts[lines.length] = offset;
  if (codeStart !== undefined) code.push([codeStart, offset]);
  if (commentStart !== undefined) code.push([commentStart, offset]);
  const sections = board.sections.map((section): IndexedSection => {
    const lastEntry = section.entry_indexes[section.entry_indexes.length - 1];
    const anchor = lastEntry === undefined ? section.heading_line : board.entries[lastEntry]!.line;
    return {
      start: starts[section.heading_line]!,
      end: starts[section.end_line]!,
      owned: section.owned_status ?? null,
      insert_at: starts[anchor + 1]!,
    };
  });
  return {
    version: 2,
    sha256,
    length: offset,
    max_line_bytes: maxLineBytes,
    bom: board.bom,
    eol,
    sections,
    code,
  };
}

/** An owned entry line of one WP, as offsets into the indexed text. */
interface Occurrence {
  start: number;
  end: number;
  status: BoardStatus;
  token: string;
  trailing: string;
}

/** The result of placing one WP: the new text and its index (sha256 left for the caller to fill). */
export interface IncrementalEdit {
  text: string;
  index: Omit<BoardLineIndex, "sha256">;
  /** False when the entry already sat where it belongs (nothing to write). */
  changed: boolean;
  /** True when the WP had no owned entry before (TB-001). */
  added: boolean;
  /** UTF-8 bytes of the entry line written, 0 when none (the parser bounds line bytes). */
  longest_inserted: number;
}

/**
 * Places one WP on the board as placeEntries does for a single WP (section 8): the last owned entry in the
 * target status is kept, every other owned entry of the WP is removed, and without a keeper the entry goes
 * to the end of the first section owning the status, keeping the trailing text of the WP's last entry.
 * Undefined when the target section is missing or the input is invalid (the full path handles and reports it).
 */
export function placeOneEntry(
  text: string,
  index: BoardLineIndex,
  wpId: string,
  status: BoardStatus,
  token: string,
): IncrementalEdit | undefined {
  if (!WP_ID_PATTERN.test(wpId) || !TOKEN_PATTERN.test(token)) return undefined;
  const occurrences = ownedOccurrences(text, index, wpId);
  const keeper = occurrences.findLast((entry) => entry.status === status);
  const target = index.sections.findIndex((section) => section.owned === status);
  if (keeper === undefined && target < 0) return undefined;
  const next: Omit<BoardLineIndex, "sha256"> = {
    ...index,
    sections: index.sections.map((section) => ({ ...section })),
    code: index.code.map(([start, end]): [number, number] => [start, end]),
  };
  // Splices as [position, removed length, inserted text], applied from the end of the text backwards so
  // every offset before a splice stays valid, both in the text and in the index.
  const splices: [number, number, string][] = [];
  let longest_inserted = 0;
  for (const entry of occurrences) {
    if (entry !== keeper) splices.push([entry.start, entry.end - entry.start, ""]);
  }
  // As placeEntries: a kept entry showing another status's own token takes the WP's token, in place.
  if (
    keeper !== undefined &&
    keeper.token !== token &&
    tokenAfterMove(keeper.token, status) !== keeper.token
  ) {
    const line = text.slice(keeper.start, keeper.end);
    const at = line.indexOf(`[${keeper.token}]`, line.indexOf(`[${wpId}]`) + wpId.length + 2);
    splices.push([keeper.start + at, keeper.token.length + 2, `[${token}]`]);
    const rewritten = Buffer.byteLength(line, "utf8") - index.eol.length + token.length - keeper.token.length;
    longest_inserted = Math.max(longest_inserted, rewritten);
  }
  if (keeper === undefined) {
    const trailing = occurrences[occurrences.length - 1]?.trailing ?? "";
    const line = formatEntryLine(wpId, token, trailing) + index.eol;
    longest_inserted = Buffer.byteLength(line, "utf8") - index.eol.length;
    splices.push([index.sections[target]!.insert_at, 0, line]);
  }
  splices.sort((a, b) => b[0] - a[0]);
  const parts: string[] = [];
  let tail = text.length;
  for (const [position, removed, inserted] of splices) {
    parts.push(text.slice(position + removed, tail), inserted);
    tail = position;
    if (removed > 0 && inserted.length > 0) shiftAfter(next, position, inserted.length - removed);
    else if (removed > 0) shiftForRemoval(text, next, position, removed);
    else shiftForInsertion(next, position, inserted.length);
  }
  parts.push(text.slice(0, tail));
  const out = parts.reverse().join("");
  next.length = out.length;
  return {
    text: out,
    index: next,
    changed: splices.length > 0,
    added: occurrences.length === 0,
    longest_inserted,
  };
}

/** Every owned entry line of `wpId`, in file order (the parser's view: not in code, in an owned section). */
function ownedOccurrences(text: string, index: BoardLineIndex, wpId: string): Occurrence[] {
  const needle = `- **[${wpId}]**`;
  const found: Occurrence[] = [];
  const breakChar = index.eol === "\r" ? "\r" : "\n";
  let previousLine = -1;
  for (let hit = text.indexOf(needle); hit >= 0; hit = text.indexOf(needle, hit + 1)) {
    const start = Math.max(text.lastIndexOf(breakChar, hit - 1) + 1, index.bom ? 1 : 0);
    if (start === previousLine) continue;
    previousLine = start;
    const lineEnd = text.indexOf(index.eol, hit);
    const entry = matchEntryLine(text.slice(start, lineEnd < 0 ? text.length : lineEnd));
    if (entry === undefined || entry.wp_id !== wpId || inCode(index, start)) continue;
    const section = sectionAt(index, start);
    if (section?.owned === null || section === undefined) continue;
    found.push({
      start,
      end: lineEnd + index.eol.length,
      status: section.owned,
      token: entry.token,
      trailing: entry.trailing,
    });
  }
  return found;
}

function inCode(index: Pick<BoardLineIndex, "code">, offset: number): boolean {
  for (const [start, end] of index.code) if (offset >= start && offset < end) return true;
  return false;
}

function sectionAt(index: Pick<BoardLineIndex, "sections">, offset: number): IndexedSection | undefined {
  for (const section of index.sections) if (offset >= section.start && offset < section.end) return section;
  return undefined;
}

// Moves every section and code boundary through `shift`.
function shiftOffsets(index: Omit<BoardLineIndex, "sha256">, shift: (offset: number) => number): void {
  for (const section of index.sections) {
    section.start = shift(section.start);
    section.end = shift(section.end);
    section.insert_at = shift(section.insert_at);
  }
  for (const range of index.code) {
    range[0] = shift(range[0]);
    range[1] = shift(range[1]);
  }
}

// A token replaced inside a line at p: every offset after p moves by the change in length (section and code
// boundaries are line starts and ends, never inside the token).
function shiftAfter(index: Omit<BoardLineIndex, "sha256">, position: number, delta: number): void {
  shiftOffsets(index, (offset) => (offset > position ? offset + delta : offset));
}

// An inserted line lands at a line start p (a section's insert_at): everything at or after p moves down,
// including the end and insert_at of the section it joins and the start of the section after it.
function shiftForInsertion(index: Omit<BoardLineIndex, "sha256">, position: number, length: number): void {
  shiftOffsets(index, (offset) => (offset >= position ? offset + length : offset));
}

// A removed entry line [p, p + length): offsets after it move up. A section whose last entry it was gets its
// insert_at from the entry before it (or its heading), found by scanning back: only text before p is read,
// which earlier (later-positioned) splices have not touched.
function shiftForRemoval(
  text: string,
  index: Omit<BoardLineIndex, "sha256">,
  position: number,
  length: number,
): void {
  const end = position + length;
  const shift = (offset: number) => (offset >= end ? offset - length : offset);
  for (const section of index.sections) {
    const wasLast = section.insert_at === end;
    section.start = shift(section.start);
    section.end = shift(section.end);
    section.insert_at = wasLast ? lastEntryEnd(text, index, section, position) : shift(section.insert_at);
  }
  for (const range of index.code) {
    range[0] = shift(range[0]);
    range[1] = shift(range[1]);
  }
}

/** End of the last entry line of `section` that starts before `before`, else of its heading line. */
function lastEntryEnd(
  text: string,
  index: Omit<BoardLineIndex, "sha256">,
  section: IndexedSection,
  before: number,
): number {
  const breakChar = index.eol === "\r" ? "\r" : "\n";
  let lineEnd = before;
  while (lineEnd > section.start) {
    const start = Math.max(text.lastIndexOf(breakChar, lineEnd - index.eol.length - 1) + 1, section.start);
    const line = text.slice(start, lineEnd - index.eol.length);
    if (start > section.start && !inCode(index, start) && matchEntryLine(line) !== undefined) return lineEnd;
    lineEnd = start;
  }
  return text.indexOf(index.eol, section.start) + index.eol.length;
}

/**
 * Checks a stored index against the text it claims to describe: lengths, ordering, line starts, and each
 * section's heading and insertion line re-read with the parser's own rules. A stale or damaged index is
 * refused (the caller re-parses), never trusted.
 */
export function indexFitsText(index: BoardLineIndex, text: string): boolean {
  if (index.version !== 2 || index.length !== text.length) return false;
  if (index.bom !== (text.charCodeAt(0) === 0xfeff)) return false;
  const { eol } = index;
  const lineStart = (offset: number) =>
    offset === (index.bom ? 1 : 0) || (offset > 0 && offset <= text.length && text.endsWith(eol, offset));
  let previousEnd = 0;
  for (const section of index.sections) {
    if (section.start < previousEnd || section.end <= section.start || section.end > text.length)
      return false;
    if (!lineStart(section.start) || !lineStart(section.end)) return false;
    if (
      section.insert_at <= section.start ||
      section.insert_at > section.end ||
      !lineStart(section.insert_at)
    ) {
      return false;
    }
    const headingEnd = text.indexOf(eol, section.start);
    const heading = parseHeading(text.slice(section.start, headingEnd));
    if (heading?.level !== 2 || (ownedStatusOfHeading(heading.text) ?? null) !== section.owned) return false;
    // The insertion point follows the heading line or an entry line outside code.
    if (section.insert_at !== headingEnd + eol.length) {
      const anchorEnd = section.insert_at - eol.length;
      const anchorStart = text.lastIndexOf(eol === "\r" ? "\r" : "\n", anchorEnd - 1) + 1;
      if (inCode(index, anchorStart) || matchEntryLine(text.slice(anchorStart, anchorEnd)) === undefined) {
        return false;
      }
    }
    previousEnd = section.end;
  }
  for (const [start, end] of index.code)
    if (!(start < end && end <= text.length && lineStart(start))) return false;
  return true;
}
