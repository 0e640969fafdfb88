import type { Writable } from "node:stream";
import type pg from "pg";

// Issue 16: a job on PostgreSQL is mostly waiting for the server. The pool's connections run in pipeline mode, so
// a write whose answer nothing reads (a WP row, a Bronze snapshot, the search row, the events) is sent without
// waiting for it; the server runs statements in the order they were sent, so a later read still sees every
// earlier write. The answers are checked at the next read and at COMMIT: the first failure is the job's error
// (later statements of an aborted transaction fail too, and COMMIT of an aborted one answers ROLLBACK).

type Row = Record<string, unknown>;

/**
 * Most writes left unanswered: a sync or an import writes hundreds of thousands of rows in one transaction, and
 * each unanswered statement holds its parameters in memory (a 100K-WP import held 4 GB without this bound).
 */
const MOST_UNANSWERED = 1_000;

/** Most SQL texts given a prepared-statement name; dynamic texts past it run unnamed (see `readDynamic`). */
const MOST_NAMED = 512;

// Server-side prepared statements, one name per static SQL text (each connection prepares a name once).
const statementNames = new Map<string, string>();
/** The prepared-statement name of a static SQL text (shared by every statement of this backend). */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `locus_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

/** The statements of one transaction on one pipelined client; `$1` is always bound to the workspace (9). */
export class PostgresPipeline {
  /** Writes sent and not yet answered, in the order they were sent. */
  private unanswered: Promise<unknown>[] = [];
  /** True while this turn's statements are held in the socket, to go out together (see `hold`). */
  private holding = false;
  /** A BEGIN to send in front of the transaction's first statement (`beginWithFirst`). */
  private pendingBegin: string | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly workspace: string,
  ) {}

  /** Runs a static statement (prepared once per connection) and waits for its rows. */
  async read(sql: string, values: unknown[] = []): Promise<Row[]> {
    return (await this.answer(this.send(sql, values, true))).rows;
  }

  /** Sends a static read now and answers its rows later: a failure is kept until the answer is asked for. */
  early(sql: string, values: unknown[]): Promise<Row[]> {
    const rows = this.send(sql, values, true).then((result) => result.rows);
    rows.catch(() => {});
    return rows;
  }

  /**
   * Runs a dynamic statement (its text varies with the filters) and waits for its rows. Unnamed unless
   * `prepared`: then it is prepared like a static one while fewer than MOST_NAMED texts have names, and the
   * server plans it once per connection instead of at every call (~0.3-0.5 ms for the hybrid ready page at 100K
   * WPs, issue 16). Only for statements whose best plan does not hang on their values (not a text search).
   */
  async readDynamic(sql: string, values: unknown[], prepared = false): Promise<Row[]> {
    const named = prepared && (statementNames.has(sql) || statementNames.size < MOST_NAMED);
    return (await this.answer(this.send(sql, values, named))).rows;
  }

  /**
   * Sends a static write without waiting: its failure is reported by the next read or by `commit`. Waits only
   * when MOST_UNANSWERED writes are unanswered (resolves at once otherwise).
   */
  async write(sql: string, values: unknown[] = []): Promise<void> {
    const sent = this.send(sql, values, true);
    sent.catch(() => {}); // reported in order by settle()
    this.unanswered.push(sent);
    if (this.unanswered.length >= MOST_UNANSWERED) await this.settle();
  }

  /**
   * Runs a script of statements without parameters, sent as one message (one socket write, one round trip),
   * behind the unanswered writes; the rows of each statement, in order.
   */
  async script(sql: string): Promise<Row[][]> {
    this.sendPendingBegin();
    this.hold();
    const results = await this.answer(
      this.client.query<Row>(sql) as Promise<unknown> as Promise<pg.QueryResult<Row> | pg.QueryResult<Row>[]>,
    );
    return (Array.isArray(results) ? results : [results]).map((result) => result.rows);
  }

  /**
   * Begins the transaction with `sql` (no parameters) in front of its first statement, in the same socket write,
   * without waiting for it: its failure is reported by the next read or by `commit`. A transaction that sends
   * nothing sends no BEGIN either.
   */
  beginWithFirst(sql: string): void {
    this.pendingBegin = sql;
  }

  /** Sends the BEGIN held by `beginWithFirst`, if any, like a write. */
  private sendPendingBegin(): void {
    if (this.pendingBegin === undefined) return;
    const sql = this.pendingBegin;
    this.pendingBegin = undefined;
    this.hold();
    const sent = this.client.query(sql);
    sent.catch(() => {}); // reported in order by settle()
    this.unanswered.push(sent);
  }

  /** COMMIT behind every write sent; throws the first failure of the transaction (then nothing committed). */
  async commit(): Promise<void> {
    if (this.pendingBegin !== undefined) {
      this.pendingBegin = undefined; // nothing was sent: no transaction to end
      return;
    }
    this.hold();
    const committed = this.client.query("COMMIT");
    committed.catch(() => {});
    await this.settle();
    const result = await committed;
    // A transaction that failed earlier answers COMMIT with ROLLBACK: it must never read as committed.
    if (result.command !== "COMMIT")
      throw new Error(`COMMIT answered ${result.command}: nothing was committed`);
  }

  /** Waits for every write sent so far; throws the first one's failure. */
  async settle(): Promise<void> {
    while (this.unanswered.length > 0) {
      const sent = this.unanswered;
      this.unanswered = [];
      for (const write of sent) await write;
    }
  }

  private send(sql: string, values: unknown[], named: boolean): Promise<pg.QueryResult<Row>> {
    const all = [this.workspace, ...values];
    this.sendPendingBegin();
    this.hold();
    return named
      ? this.client.query<Row>({ name: statementName(sql), text: sql, values: all })
      : this.client.query<Row>(sql, all);
  }

  /**
   * Holds the statements sent in this turn of the event loop in the socket, and writes them in one go when the
   * turn ends (before the process waits for anything). The driver already writes each statement's messages
   * together; without this, each statement of a job was a write of its own to the socket, and on loopback TCP a
   * write costs the client ~0.1-0.3 ms (issue 16: socket writes were the largest client cost of a PostgreSQL job).
   * Nothing waits longer: an answer cannot come before the turn ends anyway. (Ending the hold at setImmediate
   * instead of the next tick was measured slower: query_ready p50 +0.9 ms, update_wp +0.2 ms.)
   */
  private hold(): void {
    if (this.holding) return;
    const socket = (this.client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
    if (socket === undefined || typeof socket.cork !== "function") return;
    this.holding = true;
    socket.cork();
    process.nextTick(() => {
      this.holding = false;
      socket.uncork();
    });
  }

  /** The answer of a read sent behind the unanswered writes; a write's failure comes first. */
  private async answer<T>(sent: Promise<T>): Promise<T> {
    if (this.unanswered.length > 0) {
      sent.catch(() => {});
      await this.settle();
    }
    return sent;
  }
}
