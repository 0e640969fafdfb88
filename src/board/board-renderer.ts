// Renders the board model back to text (LOCUS_SPEC section 8, "Lossless"), optionally with edits.
// Edits are recorded against original line indexes and applied in one pass at render time, so a sync
// that moves thousands of entries never splices arrays in a loop.
import { LocusError } from "../domain/errors.js";
import {
  type BoardStatus,
  CREATED_SECTION_HEADINGS,
  formatEntryLine,
  type LineEnding,
  type ParsedBoard,
  TOKEN_PATTERN,
  WP_ID_PATTERN,
} from "./board-model.js";

/** The exact text of an unedited board: byte-identical to what was parsed. */
export function renderBoard(board: ParsedBoard): string {
  const parts: string[] = new Array(board.lines.length + 1);
  parts[0] = board.bom ? "\uFEFF" : "";
  for (let i = 0; i < board.lines.length; i++) {
    const line = board.lines[i]!;
    parts[i + 1] = line.text + line.eol;
  }
  return parts.join("");
}

/** Records removals, appended entries and created sections on a parsed board, then renders them. */
export class BoardEditor {
  /** The board being edited; never mutated. */
  readonly board: ParsedBoard;
  readonly #removed = new Set<number>();
  readonly #insertedAfter = new Map<number, string[]>();
  readonly #created: { status: BoardStatus; entries: string[] }[] = [];
  readonly #replaced = new Map<number, string>();

  /** Starts an empty set of edits on `board`. */
  constructor(board: ParsedBoard) {
    this.board = board;
  }

  /** True once any edit has been recorded. */
  get changed(): boolean {
    return (
      this.#removed.size > 0 ||
      this.#insertedAfter.size > 0 ||
      this.#created.length > 0 ||
      this.#replaced.size > 0
    );
  }

  /** Drops one line (typically an entry) from the output. */
  removeLine(line: number): void {
    if (!Number.isInteger(line) || line < 0 || line >= this.board.lines.length) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `no board line ${line}`, { field: "line", line });
    }
    this.#removed.add(line);
  }

  /**
   * Appends `- **[WP_ID]** - [TOKEN]<trailing>` at the end of a section's entry list: after its last
   * entry, or right after its heading when it has none. `section` is an index into `board.sections`
   * or a number returned by `createSection`.
   */
  appendEntry(section: number, wpId: string, token: string, trailing = ""): void {
    if (!WP_ID_PATTERN.test(wpId)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `invalid wp_id ${JSON.stringify(wpId)}`, {
        field: "wp_id",
      });
    }
    if (!TOKEN_PATTERN.test(token)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `invalid board token ${JSON.stringify(token)}`, {
        field: "token",
      });
    }
    // The line must stay one line and keep parsing as the same entry.
    if (/[\r\n]/.test(trailing)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", "trailing text may not contain a line break", {
        field: "trailing",
      });
    }
    const text = formatEntryLine(wpId, token, trailing);
    const existing = this.board.sections[section];
    if (existing !== undefined) {
      const lastEntry = existing.entry_indexes[existing.entry_indexes.length - 1];
      const anchor = lastEntry === undefined ? existing.heading_line : this.board.entries[lastEntry]!.line;
      const list = this.#insertedAfter.get(anchor);
      if (list === undefined) this.#insertedAfter.set(anchor, [text]);
      else list.push(text);
      return;
    }
    const created = this.#created[section - this.board.sections.length];
    if (created === undefined) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `no board section ${section}`, {
        field: "section",
        section,
      });
    }
    created.entries.push(text);
  }

  /**
   * Rewrites the token of the entry on `line` in place (issue 18: a stale status token), keeping every other
   * character of the line: indentation, separators and the text after the token.
   */
  retokenEntry(line: number, wpId: string, from: string, to: string): void {
    if (!TOKEN_PATTERN.test(to)) {
      throw new LocusError("HSK-400-INVALID-PARAMS", `invalid board token ${JSON.stringify(to)}`, {
        field: "token",
      });
    }
    const text = this.board.lines[line]?.text;
    const after = text === undefined ? -1 : text.indexOf(`[${wpId}]`);
    const at = text === undefined || after < 0 ? -1 : text.indexOf(`[${from}]`, after + wpId.length + 2);
    if (text === undefined || at < 0) {
      throw new LocusError(
        "HSK-400-INVALID-PARAMS",
        `no entry of ${wpId} with token ${from} on line ${line}`,
        {
          field: "line",
          line,
        },
      );
    }
    this.#replaced.set(line, `${text.slice(0, at)}[${to}]${text.slice(at + from.length + 2)}`);
  }

  /** Creates an owned section (`## Gated` ...) at the end of the file; returns its section number. */
  createSection(status: BoardStatus): number {
    this.#created.push({ status, entries: [] });
    return this.board.sections.length + this.#created.length - 1;
  }

  /** The board text with every recorded edit applied, in the file's line ending style. */
  render(): string {
    if (!this.changed) return renderBoard(this.board);
    const { board } = this;
    const out = new LineSink(board.eol);
    for (let i = 0; i < board.lines.length; i++) {
      const line = board.lines[i]!;
      if (!this.#removed.has(i)) out.push(this.#replaced.get(i) ?? line.text, line.eol);
      for (const text of this.#insertedAfter.get(i) ?? []) out.push(text, board.eol);
    }
    // Sections appended after an unterminated fence would be read as code: close the fence first
    // (it ran to the end of the file, so closing it there does not change what it contains).
    if (this.#created.length > 0 && board.unclosed_fence !== undefined)
      out.push(board.unclosed_fence, board.eol);
    // The same for an HTML comment left open (issue 21 hole 13): sections after it would be inside it.
    if (this.#created.length > 0 && board.unclosed_comment) out.push("-->", board.eol);
    for (const section of this.#created) {
      if (out.length > 0 && out.lastText.trim() !== "") out.push("", board.eol);
      out.push(`## ${CREATED_SECTION_HEADINGS[section.status]}`, board.eol);
      for (const text of section.entries) out.push(text, board.eol);
    }
    // A board that ended without a final line break keeps ending without one.
    const last = board.lines[board.lines.length - 1];
    if (last !== undefined && last.eol === "") out.dropFinalLineEnding();
    return (board.bom ? "\uFEFF" : "") + out.join();
  }
}

/** Output lines; a line that had no terminator gets the board's one as soon as another line follows. */
class LineSink {
  readonly #texts: string[] = [];
  readonly #eols: LineEnding[] = [];
  readonly #eol: LineEnding;

  constructor(eol: LineEnding) {
    this.#eol = eol;
  }

  get length(): number {
    return this.#texts.length;
  }

  get lastText(): string {
    return this.#texts[this.#texts.length - 1] ?? "";
  }

  push(text: string, eol: LineEnding): void {
    const previous = this.#eols.length - 1;
    if (previous >= 0 && this.#eols[previous] === "") this.#eols[previous] = this.#eol;
    // A CR-ended line followed by an empty LF-ended line would read back as one CRLF break (a line
    // lost) once an edit has made them neighbours: end the empty line with CR too.
    const merges = previous >= 0 && this.#eols[previous] === "\r" && text === "" && eol === "\n";
    this.#texts.push(text);
    this.#eols.push(merges ? "\r" : eol);
  }

  dropFinalLineEnding(): void {
    if (this.#eols.length > 0) this.#eols[this.#eols.length - 1] = "";
  }

  join(): string {
    const parts: string[] = new Array(this.#texts.length);
    for (let i = 0; i < this.#texts.length; i++) parts[i] = this.#texts[i]! + this.#eols[i]!;
    return parts.join("");
  }
}
