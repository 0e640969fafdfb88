import pg from "pg";
import { LocusError } from "../../domain/errors.js";
import { EVENTS_CHANNEL } from "./postgres-schema.js";

// Live changes (issue 6, `locus events tail --follow`): one dedicated connection LISTENs on the events channel.
// A dropped connection (server restart, idle timeout, a terminated backend) must not leave the follower waiting
// forever: the listener reconnects with a bounded, growing delay, and signals a catch-up after each reconnect
// (NOTIFYs sent while it was away are lost, the log is not). When every retry fails it reports HSK-500-STORAGE.

/** How a listener reconnects. */
export interface ListenRetryPolicy {
  /** Reconnect attempts after a drop before giving up (0: give up at once). */
  readonly retries: number;
  /** Delay before the first attempt; doubles with each further one. */
  readonly delayMs: number;
}

/** Default: 6 attempts over about 6 s (0.1 + 0.2 + ... + 3.2 s). */
export const DEFAULT_LISTEN_RETRY: ListenRetryPolicy = { retries: 6, delayMs: 100 };

/** What the listener calls. */
export interface ListenHandlers {
  /** A commit of this workspace appended events, or the listener reconnected and may have missed some. */
  readonly onEvents: () => void;
  /** The connection dropped and could not be re-established: live changes have stopped. */
  readonly onFailure: (error: LocusError) => void;
}

/** A LISTEN connection for one workspace that reconnects after a drop. */
export class PostgresListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly connectionString: string,
    private readonly workspace: string,
    private readonly policy: ListenRetryPolicy,
    private readonly handlers: ListenHandlers,
  ) {}

  /** Connects and LISTENs; a failure of this first connection is thrown (nothing to retry yet). */
  static async start(
    connectionString: string,
    workspace: string,
    policy: ListenRetryPolicy,
    handlers: ListenHandlers,
  ): Promise<PostgresListener> {
    const listener = new PostgresListener(connectionString, workspace, policy, handlers);
    listener.client = await listener.connect();
    return listener;
  }

  /** Stops listening; no reconnect, no further calls. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString });
    let lost = false;
    const onLost = (error?: unknown): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      if (!this.stopped) this.reconnect(0, error);
    };
    client.on("notification", (message) => {
      if (message.channel !== EVENTS_CHANNEL || message.payload === undefined) return;
      let workspace: unknown;
      try {
        workspace = (JSON.parse(message.payload) as { workspace?: unknown }).workspace;
      } catch {
        return; // a payload not written by Locus: not ours
      }
      // 9: the channel is shared by every workspace of the database; only this one's commits wake.
      if (workspace === this.workspace && !this.stopped) this.handlers.onEvents();
    });
    // Until connected, a lost connection is reported by the rejected connect or query below; this keeps its
    // `error` event from ending the process.
    const quiet = () => {};
    client.on("error", quiet);
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      client.off("error", quiet);
    } catch (error) {
      lost = true;
      await client.end().catch(() => {});
      throw error;
    }
    // Registered only once connected: a failed connect is the caller's to handle, not a drop.
    client.on("error", onLost);
    client.on("end", () => onLost(new Error("the LISTEN connection ended")));
    return client;
  }

  private reconnect(attempt: number, cause: unknown): void {
    if (attempt >= this.policy.retries) {
      this.stopped = true;
      this.handlers.onFailure(listenLost(cause, attempt));
      return;
    }
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (this.stopped) return;
        this.connect().then(
          (client) => {
            if (this.stopped) {
              client.end().catch(() => {});
              return;
            }
            this.client = client;
            this.handlers.onEvents(); // catch up: commits while disconnected sent no NOTIFY to us
          },
          (error: unknown) => this.reconnect(attempt + 1, error),
        );
      },
      this.policy.delayMs * 2 ** attempt,
    );
  }
}

/** HSK-500-STORAGE for a LISTEN connection that is gone for good. */
function listenLost(cause: unknown, attempts: number): LocusError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new LocusError(
    "HSK-500-STORAGE",
    `live changes stopped: the LISTEN connection to PostgreSQL dropped and ${attempts} reconnect attempts failed`,
    {
      driver_code: typeof code === "string" ? code : "unknown",
      reconnect_attempts: attempts,
      cause: String(cause),
    },
  );
}
