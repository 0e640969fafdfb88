// A few ANSI codes cover what the CLI needs (bold, dim, five colours); a colour library would cost start-up
// time and a dependency for that. Colour on a TTY, or on a pipe when FORCE_COLOR is set (not "0"), and never
// when NO_COLOR is set (no-color.org: it wins over FORCE_COLOR).

/** True when `stream` (stdout by default) should carry colour. */
export function colourEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  const noColor = process.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true;
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
} as const;

/** A style name. */
export type StyleName = keyof typeof CODES;

/** Wraps `text` in the style when colour is on. */
export function paint(style: StyleName, text: string, enabled = colourEnabled()): string {
  if (!enabled) return text;
  const [open, close] = CODES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/** The colour of a WP or MT status, so a table reads at a glance. */
export function statusStyle(status: string): StyleName {
  switch (status) {
    case "done":
    case "completed":
    case "pass":
      return "green";
    case "in_progress":
      return "cyan";
    case "ready":
    case "pending":
      return "blue";
    case "blocked":
    case "failed":
    case "fail":
      return "red";
    case "gated":
      return "magenta";
    default:
      return "dim";
  }
}

const ANSI = /\u001b\[[0-9;]*m/g;
const visibleLength = (text: string): number => text.replace(ANSI, "").length;

/** Renders rows as an aligned table; cells may carry ANSI codes, widths ignore them; long cells are cut. */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  maxCell = 60,
): string {
  const cut = (cell: string) =>
    visibleLength(cell) > maxCell && !cell.includes("\u001b[") ? `${cell.slice(0, maxCell - 1)}…` : cell;
  const cells = rows.map((row) => row.map(cut));
  const widths = headers.map((header, column) =>
    Math.max(visibleLength(header), ...cells.map((row) => visibleLength(row[column] ?? ""))),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column === row.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - visibleLength(cell)),
      )
      .join("  ")
      .trimEnd();
  return [paint("bold", line(headers)), ...cells.map(line)].join("\n");
}

/** The writable end a progress bar draws on: stderr by default, any stream in tests. */
export type ProgressStream = Pick<NodeJS.WriteStream, "write"> & { isTTY?: boolean };

/**
 * Whether progress is drawn on `stream`: on a terminal, unless `LOCUS_PROGRESS=0`; `LOCUS_PROGRESS=1` forces it
 * on a pipe too (tests, CI logs). Progress only ever goes to stderr, so stdout stays clean for --json.
 */
export function progressEnabled(stream: ProgressStream = process.stderr): boolean {
  const forced = process.env.LOCUS_PROGRESS;
  if (forced === "1") return true;
  if (forced === "0") return false;
  return stream.isTTY === true;
}

/** Progress on stderr for long work (import, replay, exec batches): a bar on a TTY, nothing otherwise. */
export class Progress {
  private lastDrawn = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: ProgressStream = process.stderr,
  ) {
    this.enabled = total > 0 && progressEnabled(stream);
  }

  /** Redraws at most every 50 ms so drawing never dominates the work. */
  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawn < 50 && done < this.total) return;
    this.lastDrawn = now;
    const width = 30;
    const filled = Math.round((Math.min(done, this.total) / this.total) * width);
    this.stream.write(
      `\r${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${this.total}`,
    );
  }

  /** Ends the bar line. */
  finish(): void {
    if (!this.enabled) return;
    this.update(this.total);
    this.stream.write("\n");
  }
}

/** Prints one-line notes about slow work on stderr (a terminal, or LOCUS_PROGRESS=1); nothing under --json. */
export function noticePrinter(
  json: boolean,
  stream: ProgressStream = process.stderr,
): ((message: string) => void) | undefined {
  if (json || !progressEnabled(stream)) return undefined;
  return (message) => stream.write(`locus: ${message}\n`);
}

/**
 * Progress of long work whose total is not known up front (a sync reads the peer's log page by page): after
 * `delayMs`, a count on one stderr line, redrawn at most every 200 ms; a negative count ends the line.
 */
export function countingProgress(
  stream: ProgressStream = process.stderr,
  delayMs = 1_000,
): (label: string, done: number) => void {
  if (!progressEnabled(stream)) return () => {};
  const started = Date.now();
  let lastDrawn = 0;
  let drawn = false;
  return (label, done) => {
    if (done < 0) {
      if (drawn) stream.write("\n");
      drawn = false;
      return;
    }
    const now = Date.now();
    if (now - started < delayMs || now - lastDrawn < 200) return;
    lastDrawn = now;
    drawn = true;
    stream.write(`\r${label}: ${done} events`);
  };
}
