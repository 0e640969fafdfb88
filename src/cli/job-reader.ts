// `locus exec` input (section 11): one LocusJob document, or JSON Lines of jobs. Each job is bounded before it
// is parsed (workspace limit `job_bytes`, 1 MiB by default): a 200 MB line is counted, never held, and answered
// as too large, and the lines after it still run (issue 21 hole 11). Memory stays about one job plus one chunk.

/**
 * One job read from the input: its text, or its size when it was over the bound (its bytes were dropped but
 * the first HEAD_BYTES, enough to find a JSON-RPC id).
 */
export type JobInput = { line: number; raw: string } | { line: number; tooLarge: number; head: string };

/** How much of an overlong line is kept to say which request it was. */
const HEAD_BYTES = 1024;

const NEWLINE = 0x0a;
const isBlankByte = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/** Splits input into jobs: one JSON document, or JSON Lines (one job per non-empty line). */
export function splitJobs(text: string): { raw: string; line: number }[] {
  const trimmed = text.trim();
  if (trimmed.length === 0) return [];
  try {
    const whole = JSON.parse(trimmed);
    if (whole !== null && typeof whole === "object" && !Array.isArray(whole))
      return [{ raw: trimmed, line: 1 }];
  } catch {
    // Not one document: JSON Lines.
  }
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ raw: raw.trim(), line: index + 1 }))
    .filter((entry) => entry.raw.length > 0);
}

/** Reads jobs from a stream of bytes (stdin or a file), one bounded job at a time. */
export class JobReader {
  private readonly source: AsyncIterator<Buffer>;
  /** Bytes read but not yet handed out as jobs. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Blank lines dropped before the first job (line numbers still count them). */
  private blankLines = 0;
  private ended = false;
  /** How many jobs the input holds, when it was small enough to be read whole (for a progress bar). */
  knownTotal: number | undefined;

  constructor(source: AsyncIterable<Buffer | string>) {
    const bytes = async function* () {
      for await (const chunk of source) yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    };
    this.source = bytes();
  }

  private async next(): Promise<Buffer | undefined> {
    if (this.ended) return undefined;
    const step = await this.source.next();
    if (step.done) this.ended = true;
    return step.done ? undefined : step.value;
  }

  /** Reads until the input holds more than blanks; false when it ends first (no job given: a usage error). */
  async hasInput(): Promise<boolean> {
    for (;;) {
      const chunk = await this.next();
      if (chunk === undefined) return false;
      if (chunk.some((byte) => !isBlankByte(byte))) {
        this.held.push(chunk);
        this.heldBytes += chunk.length;
        return true;
      }
      // Blank chunks are not kept: a stream of spaces must not fill memory either.
      for (const byte of chunk) if (byte === NEWLINE) this.blankLines += 1;
    }
  }

  /**
   * The jobs, in order. Input of at most `limit` bytes is read whole and split as before (one document, or JSON
   * Lines); longer input is JSON Lines read line by line, each line over `limit` bytes answered by its size.
   */
  async *jobs(limit: number): AsyncGenerator<JobInput> {
    while (this.heldBytes <= limit) {
      const chunk = await this.next();
      if (chunk === undefined) {
        const jobs = splitJobs(Buffer.concat(this.held).toString("utf8"));
        this.knownTotal = jobs.length;
        for (const job of jobs) yield { raw: job.raw, line: job.line + this.blankLines };
        return;
      }
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    }
    yield* this.lines(limit);
  }

  /**
   * JSON Lines, streamed as they arrive (also for long-lived input such as `locus mcp`): a line is kept while it
   * fits in `limit` bytes, else only counted to its end.
   */
  async *lines(limit: number): AsyncGenerator<JobInput> {
    let line = this.blankLines + 1;
    let parts: Buffer[] = [];
    let bytes = 0;
    let head = "";
    let dropping = false;
    const finish = (): JobInput | undefined => {
      const job: JobInput | undefined =
        bytes > limit
          ? { line, tooLarge: bytes, head }
          : bytes === 0
            ? undefined
            : { line, raw: Buffer.concat(parts).toString("utf8").trim() };
      parts = [];
      bytes = 0;
      head = "";
      dropping = false;
      line += 1;
      return job !== undefined && "raw" in job && job.raw.length === 0 ? undefined : job;
    };
    const pending = this.held;
    this.held = [];
    for (let chunk = pending.shift() ?? (await this.next()); chunk !== undefined; ) {
      for (let start = 0; start < chunk.length; ) {
        const newline = chunk.indexOf(NEWLINE, start);
        const end = newline === -1 ? chunk.length : newline;
        bytes += end - start;
        // Past the bound the line's bytes are dropped as they arrive; only their count is kept.
        if (bytes <= limit) parts.push(chunk.subarray(start, end));
        else if (!dropping) {
          dropping = true;
          head = Buffer.concat([...parts, chunk.subarray(start, end)])
            .subarray(0, HEAD_BYTES)
            .toString("utf8");
          parts = [];
        }
        start = end + 1;
        if (newline !== -1) {
          const job = finish();
          if (job !== undefined) yield job;
        }
      }
      chunk = pending.shift() ?? (await this.next());
    }
    const last = finish();
    if (last !== undefined) yield last;
  }
}
