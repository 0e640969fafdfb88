// Parses `docs/TASK_BOARD.md` into the lossless model (LOCUS_SPEC section 8). One pass over the lines,
// no backtracking-prone expressions: parsing stays linear in the size of the board.
import { LocusError } from "../domain/errors.js";
import { type BoardLimits, DEFAULT_BOARD_LIMITS, decodeBoardInput, lineNumberAt } from "./board-input.js";
import {
  type BoardEntry,
  type BoardLine,
  type BoardLineKind,
  type BoardSection,
  type LineEnding,
  matchEntryLine,
  ownedStatusOfHeading,
  type ParsedBoard,
} from "./board-model.js";

/** Parses a board (string or UTF-8 bytes); refuses input that breaks the bounds (HSK-413-LIMIT/400). */
export function parseBoard(input: string | Uint8Array, limits: Partial<BoardLimits> = {}): ParsedBoard {
  const bounds: BoardLimits = { ...DEFAULT_BOARD_LIMITS, ...limits };
  const text = decodeBoardInput(input, bounds);
  const bom = text.charCodeAt(0) === 0xfeff;
  const body = bom ? text.slice(1) : text;
  const nul = body.indexOf("\0");
  if (nul >= 0) {
    const line = lineNumberAt(body, nul);
    throw new LocusError("HSK-400-INVALID-PARAMS", `the board contains a NUL byte on line ${line}`, {
      field: "board",
      reason: "nul_byte",
      line,
    });
  }
  const raw = splitLines(body, bounds.max_line_bytes);
  return classify(bom, raw);
}

// Lines are allocated once: splitting creates them as prose and classify() sets their kind.
interface RawLine {
  text: string;
  eol: LineEnding;
  kind: BoardLineKind;
}

function splitLines(body: string, maxLineBytes: number): RawLine[] {
  const lines: RawLine[] = [];
  const breaks = /\r\n|\r|\n/g;
  let start = 0;
  for (let match = breaks.exec(body); match !== null; match = breaks.exec(body)) {
    lines.push(
      checkedLine(body.slice(start, match.index), match[0] as LineEnding, lines.length, maxLineBytes),
    );
    start = match.index + match[0].length;
  }
  if (start < body.length) lines.push(checkedLine(body.slice(start), "", lines.length, maxLineBytes));
  return lines;
}

function checkedLine(text: string, eol: LineEnding, index: number, maxLineBytes: number): RawLine {
  // 8 (Safety): the bound is in UTF-8 bytes (config `board_line_bytes`). A UTF-16 code unit is at most 3
  // bytes (a surrogate pair, 2 units, is 4), so only a line longer than a third of the bound is measured.
  if (text.length * 3 > maxLineBytes) {
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > maxLineBytes) {
      throw new LocusError(
        "HSK-413-LIMIT",
        `board line ${index + 1} is ${bytes} bytes, above the bound of ${maxLineBytes}`,
        { field: "board.line", limit: maxLineBytes, actual: bytes, line: index + 1 },
      );
    }
  }
  return { text, eol, kind: "prose" };
}

interface MutableSection {
  index: number;
  heading: string;
  owned_status: BoardSection["owned_status"];
  heading_line: number;
  end_line: number;
  entry_indexes: number[];
}

function classify(bom: boolean, raw: RawLine[]): ParsedBoard {
  const sections: MutableSection[] = [];
  const entries: BoardEntry[] = [];
  let open: MutableSection | undefined;
  let fence: Fence | undefined;
  let inComment = false;
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!;
    const text = line.text;
    let kind: BoardLineKind = "prose";
    if (fence !== undefined) {
      // 8: lines inside fenced code are never entries (nor headings); an unterminated fence runs to EOF.
      if (closesFence(text, fence)) {
        kind = "fence";
        fence = undefined;
      } else kind = "code";
    } else if (inComment) {
      // Issue 21 hole 13: a line inside an HTML comment is prose, like fenced code; an unclosed one runs to EOF.
      kind = "comment";
      inComment = commentOpenAfter(text, true);
    } else {
      const opened = opensFence(text);
      // A line that leaves an HTML comment open is prose as a whole (were it an entry or a heading, a line
      // Locus inserts after it would land inside the comment).
      const comments = opened === undefined && commentOpenAfter(text, false);
      const heading = opened === undefined && !comments ? parseHeading(text) : undefined;
      if (opened !== undefined) {
        kind = "fence";
        fence = opened;
      } else if (comments) {
        kind = "comment";
        inComment = true;
      } else if (heading !== undefined) {
        kind = "heading";
        // 8: a section runs to the next heading of level 1 or 2; deeper headings stay inside it.
        if (heading.level <= 2 && open !== undefined) {
          open.end_line = i;
          open = undefined;
        }
        if (heading.level === 2) {
          open = {
            index: sections.length,
            heading: heading.text,
            owned_status: ownedStatusOfHeading(heading.text),
            heading_line: i,
            end_line: raw.length,
            entry_indexes: [],
          };
          sections.push(open);
        }
      } else {
        const entry = matchEntryLine(text);
        if (entry !== undefined) {
          kind = "entry";
          open?.entry_indexes.push(entries.length);
          entries.push({
            wp_id: entry.wp_id,
            token: entry.token,
            trailing: entry.trailing,
            line: i,
            section: open?.index,
            board_status: open?.owned_status,
          });
        }
      }
    }
    line.kind = kind;
  }
  const unclosed_fence =
    fence === undefined ? undefined : String.fromCharCode(fence.marker).repeat(fence.length);
  const lines: readonly BoardLine[] = raw;
  const eol = dominantLineEnding(raw);
  return { bom, lines, sections, entries, eol, unclosed_fence, unclosed_comment: inComment };
}

/**
 * True when an HTML comment (`<!--` ... `-->`) is open at the end of `text`, given whether one was open at
 * its start. Any `<!--` counts, wherever it sits on the line: reading more lines as comment only ever turns
 * would-be entries into preserved prose, never the reverse (the rule fences follow).
 */
function commentOpenAfter(text: string, openAtStart: boolean): boolean {
  let open = openAtStart;
  let position = 0;
  for (;;) {
    if (open) {
      const close = text.indexOf("-->", position);
      if (close < 0) return true;
      position = close + 3;
      open = false;
    } else {
      const start = text.indexOf("<!--", position);
      if (start < 0) return false;
      position = start + 4;
      open = true;
    }
  }
}

interface Fence {
  marker: number;
  length: number;
}

// Fences are recognised at any indentation (CommonMark allows 0-3 spaces, more inside list items):
// treating more lines as code only ever turns would-be entries into preserved prose, never the reverse.
function opensFence(text: string): Fence | undefined {
  const start = indentEnd(text);
  const marker = text.charCodeAt(start);
  if (marker !== 96 && marker !== 126) return undefined; // ` or ~
  const length = runLength(text, start, marker);
  if (length < 3) return undefined;
  // CommonMark: the info string of a backtick fence may not contain a backtick (it is inline code).
  if (marker === 96 && text.indexOf("`", start + length) >= 0) return undefined;
  return { marker, length };
}

function closesFence(text: string, fence: Fence): boolean {
  const start = indentEnd(text);
  if (text.charCodeAt(start) !== fence.marker) return false;
  const length = runLength(text, start, fence.marker);
  return length >= fence.length && text.slice(start + length).trim() === "";
}

function indentEnd(text: string): number {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  return i;
}

function runLength(text: string, start: number, code: number): number {
  let i = start;
  while (i < text.length && text.charCodeAt(i) === code) i++;
  return i - start;
}

/** An ATX heading (0-3 spaces, 1-6 `#`, then a space, a tab or the end of the line); setext is not used. */
export function parseHeading(text: string): { level: number; text: string } | undefined {
  let start = 0;
  while (start < 3 && text.charCodeAt(start) === 32) start++;
  if (text.charCodeAt(start) !== 35) return undefined;
  const level = runLength(text, start, 35);
  const after = start + level;
  if (level > 6) return undefined;
  if (after < text.length && text.charCodeAt(after) !== 32 && text.charCodeAt(after) !== 9) return undefined;
  let content = text.slice(after).trim();
  // An optional closing sequence of `#` (preceded by a space, or the whole content) is not heading text.
  let end = content.length;
  while (end > 0 && content.charCodeAt(end - 1) === 35) end--;
  if (end === 0 || content.charCodeAt(end - 1) === 32 || content.charCodeAt(end - 1) === 9) {
    content = content.slice(0, end).trim();
  }
  return { level, text: content };
}

function dominantLineEnding(raw: readonly RawLine[]): ParsedBoard["eol"] {
  const counts = new Map<LineEnding, number>();
  let best: ParsedBoard["eol"] = "\n";
  let bestCount = 0;
  for (const { eol } of raw) {
    if (eol === "") continue;
    const count = (counts.get(eol) ?? 0) + 1;
    counts.set(eol, count);
    // Strictly greater: on a tie the ending that reached the count first keeps the lead.
    if (count > bestCount) {
      best = eol;
      bestCount = count;
    }
  }
  return best;
}
