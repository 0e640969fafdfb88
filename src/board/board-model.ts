// The lossless model of `docs/TASK_BOARD.md` (LOCUS_SPEC section 8): the file is kept as its exact
// lines (text + own line ending), and sections/entries are read-only views that point at line indexes.

/** A line terminator exactly as found in the file; "" only for a last line without one. */
export type LineEnding = "\n" | "\r\n" | "\r" | "";

/** What a line is, as the grammar of section 8 sees it. */
export type BoardLineKind = "prose" | "heading" | "entry" | "fence" | "code" | "comment";

/** One physical line of the board: its text without terminator, and the terminator it had. */
export interface BoardLine {
  readonly text: string;
  readonly eol: LineEnding;
  readonly kind: BoardLineKind;
}

/** Task Board status: the WP status in capitals (section 5). */
export type BoardStatus = "STUB" | "READY" | "IN_PROGRESS" | "BLOCKED" | "GATED" | "DONE" | "CANCELLED";

/** WP status as the domain spells it (section 5). */
export type WpStatusName = "stub" | "ready" | "in_progress" | "blocked" | "gated" | "done" | "cancelled";

/** Every board status in the order owned sections are created and listed. */
export const BOARD_STATUSES: readonly BoardStatus[] = [
  "STUB",
  "READY",
  "IN_PROGRESS",
  "BLOCKED",
  "GATED",
  "DONE",
  "CANCELLED",
];

/** The token written for a WP that has no token of its own yet (section 5). */
export const DEFAULT_TOKENS: Readonly<Record<BoardStatus, string>> = {
  STUB: "STUB",
  READY: "READY_FOR_DEV",
  IN_PROGRESS: "IN_PROGRESS",
  BLOCKED: "BLOCKED",
  GATED: "GATED",
  DONE: "VALIDATED",
  CANCELLED: "SUPERSEDED",
};

/** Heading text used when an owned section is missing and must be created (section 8). */
export const CREATED_SECTION_HEADINGS: Readonly<Record<BoardStatus, string>> = {
  STUB: "Stub Backlog",
  READY: "Ready for Dev",
  IN_PROGRESS: "In Progress",
  BLOCKED: "Blocked",
  GATED: "Gated",
  DONE: "Done",
  CANCELLED: "Superseded",
};

// 8: owned sections by case-insensitive prefix of the heading text. Checked in this order; no prefix
// is a prefix of another, so the order only matters for readability.
const OWNED_PREFIXES: readonly (readonly [string, BoardStatus])[] = [
  ["stub backlog", "STUB"],
  ["ready", "READY"],
  ["in progress", "IN_PROGRESS"],
  ["blocked", "BLOCKED"],
  ["gated", "GATED"],
  ["done", "DONE"],
  ["superseded", "CANCELLED"],
  ["cancelled", "CANCELLED"],
];

/** The owned status of a level-2 heading text, or undefined for a section Locus does not own. */
export function ownedStatusOfHeading(headingText: string): BoardStatus | undefined {
  const lower = headingText.toLowerCase();
  for (const [prefix, status] of OWNED_PREFIXES) {
    if (lower.startsWith(prefix)) return status;
  }
  return undefined;
}

/** The board status of a WP status (section 5: the WP status in capitals). */
export function boardStatusOf(status: WpStatusName): BoardStatus {
  return status.toUpperCase() as BoardStatus;
}

/** The WP status of a board status (inverse of boardStatusOf). */
export function wpStatusOf(status: BoardStatus): WpStatusName {
  return status.toLowerCase() as WpStatusName;
}

/** A level-2 section: from its `## ` heading up to the next heading of level 1 or 2 (section 8). */
export interface BoardSection {
  /** Position of this section in `ParsedBoard.sections`. */
  readonly index: number;
  /** Heading text, trimmed, without the `## ` marker or a closing `#` sequence. */
  readonly heading: string;
  /** The status this section owns, or undefined when Locus does not own it. */
  readonly owned_status: BoardStatus | undefined;
  /** Line index of the heading. */
  readonly heading_line: number;
  /** Line index one past the last line of the section. */
  readonly end_line: number;
  /** Indexes into `ParsedBoard.entries` of the entries in this section, in file order. */
  readonly entry_indexes: readonly number[];
}

/** One entry line `- **[WP_ID]** - [TOKEN]...` outside fenced code and HTML comments (section 8). */
export interface BoardEntry {
  readonly wp_id: string;
  readonly token: string;
  /** Everything after the closing `]` of the token, exactly as written. */
  readonly trailing: string;
  /** Line index of the entry. */
  readonly line: number;
  /** Index of the containing section in `ParsedBoard.sections`, undefined before any `## ` heading. */
  readonly section: number | undefined;
  /** The owned status of the containing section, undefined when the section is not owned. */
  readonly board_status: BoardStatus | undefined;
}

/** A parsed board: exact lines plus views; rendering the lines gives the input back byte for byte. */
export interface ParsedBoard {
  /** True when the text started with U+FEFF (kept out of the first line's text). */
  readonly bom: boolean;
  readonly lines: readonly BoardLine[];
  readonly sections: readonly BoardSection[];
  readonly entries: readonly BoardEntry[];
  /** The most frequent line ending ("\n" when the board has none), used for lines Locus adds. */
  readonly eol: Exclude<LineEnding, "">;
  /** The marker of a fenced code block still open at the end of the file (it runs to EOF), if any. */
  readonly unclosed_fence: string | undefined;
  /** True when an HTML comment is still open at the end of the file (it runs to EOF). */
  readonly unclosed_comment: boolean;
}

/** `wp_id` format of section 1. */
export const WP_ID_PATTERN = /^WP-[A-Za-z0-9._-]{1,125}$/;

/** Token format of section 8. */
export const TOKEN_PATTERN = /^[A-Z0-9_ ]{1,40}$/;

// 8: leading spaces allowed, the " - " before the token may be missing. Bounded quantifiers and
// disjoint character classes keep this linear on hostile input.
const ENTRY_PATTERN = /^ *- \*\*\[(WP-[A-Za-z0-9._-]{1,125})\]\*\*(?: - | |)\[([A-Z0-9_ ]{1,40})\]/;

/** The parts of an entry line, or undefined when the line is prose under the grammar of section 8. */
export function matchEntryLine(text: string): { wp_id: string; token: string; trailing: string } | undefined {
  // Cheap pre-check so most prose lines never reach the regular expression.
  const dash = text.indexOf("- **[WP-");
  if (dash < 0) return undefined;
  for (let i = 0; i < dash; i++) if (text.charCodeAt(i) !== 32) return undefined;
  const match = ENTRY_PATTERN.exec(text);
  if (match === null) return undefined;
  return { wp_id: match[1]!, token: match[2]!, trailing: text.slice(match[0].length) };
}

/** The text of an entry line as Locus writes it: `- **[WP_ID]** - [TOKEN]` plus trailing text. */
export function formatEntryLine(wpId: string, token: string, trailing = ""): string {
  return `- **[${wpId}]** - [${token}]${trailing}`;
}

/**
 * Issue 18: the title of a WP adopted from a board entry, from the text after its token ("- **[WP-1]** - [STUB]
 * Build the login page"), or undefined when that text is empty or is status metadata ("- branch: feat/x - ...").
 */
export function titleFromBoardText(trailing: string): string | undefined {
  const text = trailing.replace(/^\s*[-\u2013\u2014:|]+\s*/, "").trim();
  if (text.length < 3 || /^[A-Za-z_][\w-]*:\s/.test(text)) return undefined;
  return text.length > 200 ? `${text.slice(0, 199)}\u2026` : text;
}

/**
 * Issue 18: the token an entry keeps when a person moves it to another section. A token that is the default of
 * another status ("[STUB]" moved under Ready for Dev) would say the old status: it becomes the new section's
 * default. Any other token (the person's own word) is kept.
 */
export function tokenAfterMove(token: string, to: BoardStatus): string {
  const stale = Object.entries(DEFAULT_TOKENS).some(([status, value]) => value === token && status !== to);
  return stale ? DEFAULT_TOKENS[to] : token;
}
