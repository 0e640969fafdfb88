import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { JobReader } from "../cli/job-reader.js";

// `locus mcp` reads JSON-RPC lines itself instead of the SDK's StdioServerTransport, for three things the SDK
// does or leaves undone before Locus could see them (issue 21 holes 7, 8, 11 and 12):
// - its message schema drops an own `__proto__` key from a tool call's arguments (zod records skip it), so a
//   key the envelope refuses as unknown vanished silently. A call that has one is answered by `rawToolCall`
//   with the arguments as sent, which the envelope refuses like any other surface.
// - its buffer ends the whole session on a line over 10 MB. Here a line over the bound is counted, dropped and
//   answered, and the session goes on (job-reader.ts: memory stays about one line; issue 21 hole 7).
// - it answers nothing to a line that is not JSON or not JSON-RPC 2.0, so a client waited forever; here those get
//   -32700 / -32600 with id null, and tool arguments that are not an object -32602 naming them (hole 12).
// At the end of stdin the session closes once every request read has been answered.

/** Answers a tool call from its arguments exactly as the client sent them. */
export type RawToolCall = (name: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** A tools/call request read from the wire, before any schema touched it. */
function rawToolCallOf(
  message: unknown,
): { id: string | number; name: string; args: Record<string, unknown> } | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const { method, id, params } = message as { method?: unknown; id?: unknown; params?: unknown };
  if (method !== "tools/call" || (typeof id !== "string" && typeof id !== "number")) return undefined;
  const { name, arguments: args } = (typeof params === "object" && params !== null ? params : {}) as {
    name?: unknown;
    arguments?: unknown;
  };
  if (typeof name !== "string" || typeof args !== "object" || args === null || Array.isArray(args))
    return undefined;
  return { id, name, args: args as Record<string, unknown> };
}

/** JSON-RPC 2.0 error codes (section 5.1 of that specification). */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;

/**
 * Why a parsed message is not a JSON-RPC 2.0 message whose id can be trusted, or undefined when it is one: a
 * client that gets no answer waits forever, so these are answered with id null (issue 21 hole 12).
 */
export function invalidRequestField(message: unknown): { field: string; reason: string } | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return { field: "message", reason: "a message is one JSON object (batches are not supported)" };
  }
  const { jsonrpc, id, method } = message as { jsonrpc?: unknown; id?: unknown; method?: unknown };
  if (jsonrpc !== "2.0") return { field: "jsonrpc", reason: 'jsonrpc must be "2.0"' };
  if (id !== undefined && typeof id !== "string" && typeof id !== "number") {
    return { field: "id", reason: "id must be a string or a number" };
  }
  if (method !== undefined && typeof method !== "string")
    return { field: "method", reason: "method must be a string" };
  return undefined;
}

/** Why a tools/call request's `params.arguments` is not an object, or undefined when it is one (or absent). */
export function toolArgumentsProblem(message: unknown): string | undefined {
  const { method, id, params } = message as { method?: unknown; id?: unknown; params?: unknown };
  if (method !== "tools/call" || id === undefined) return undefined;
  if (typeof params !== "object" || params === null || Array.isArray(params))
    return "params must be an object";
  const args = (params as { arguments?: unknown }).arguments;
  if (args === undefined) return undefined;
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return `params.arguments must be an object, not ${args === null ? "null" : Array.isArray(args) ? "an array" : typeof args}`;
  }
  return undefined;
}

/** The stdio transport of `locus mcp`: one JSON-RPC message per line, each line bounded before it is parsed. */
export class LocusStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private closed = false;
  /** Ids of requests handed to the server and not answered yet: end of input waits for them (issue 21 hole 7). */
  private readonly pending = new Set<string | number>();
  private drained: (() => void) | undefined;

  constructor(
    private readonly rawToolCall: RawToolCall,
    private readonly maxLineBytes: number,
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {}

  async start(): Promise<void> {
    void this.read();
  }

  private async read(): Promise<void> {
    try {
      for await (const line of new JobReader(this.input as AsyncIterable<Buffer>).lines(this.maxLineBytes)) {
        if (this.closed) break;
        if ("tooLarge" in line) {
          await this.refuseOverlong(line.head, line.tooLarge);
          continue;
        }
        await this.receive(line.raw);
      }
    } catch (error) {
      this.onerror?.(error as Error);
    }
    // End of input: every request already read still gets its answer before the session closes.
    if (this.pending.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.close();
  }

  /** Answers a message that cannot be trusted with a JSON-RPC error (JSON-RPC 2.0 section 5.1). */
  private async refuse(
    id: string | number | null,
    code: number,
    message: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.send({ jsonrpc: "2.0", id, error: { code, message, data } } as unknown as JSONRPCMessage);
  }

  /**
   * Answers a message that was over the bound, when its first bytes say which request it was: a tool call gets
   * a tool result with HSK-413-LIMIT (as every surface answers a refused job), any other request a JSON-RPC
   * error. Without an id there is no one to answer; the error is reported.
   */
  private async refuseOverlong(head: string, bytes: number): Promise<void> {
    const message = `a message of ${bytes} bytes is over the bound of ${this.maxLineBytes} (limits.job_bytes)`;
    const id = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/.exec(head)?.[1];
    if (id === undefined) {
      await this.refuse(null, INVALID_REQUEST, message, {
        code: "HSK-413-LIMIT",
        limit: this.maxLineBytes,
        actual: bytes,
      });
      return;
    }
    const requestId = JSON.parse(id) as string | number;
    const error = {
      code: "HSK-413-LIMIT",
      message,
      details: { field: "job", limit: this.maxLineBytes, actual: bytes },
    };
    const reply = /"method"\s*:\s*"tools\/call"/.test(head)
      ? {
          jsonrpc: "2.0",
          id: requestId,
          result: {
            content: [{ type: "text", text: JSON.stringify({ success: false, error }) }],
            isError: true,
          },
        }
      : {
          jsonrpc: "2.0",
          id: requestId,
          error: {
            code: INVALID_REQUEST,
            message,
            data: { code: "HSK-413-LIMIT", limit: this.maxLineBytes, actual: bytes },
          },
        };
    await this.send(reply as JSONRPCMessage);
  }

  private async receive(text: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      await this.refuse(null, PARSE_ERROR, `Parse error: ${(error as Error).message}`, { field: "message" });
      return;
    }
    const invalid = invalidRequestField(message);
    if (invalid !== undefined) {
      await this.refuse(null, INVALID_REQUEST, `Invalid Request: ${invalid.reason}`, {
        field: invalid.field,
      });
      return;
    }
    const badArguments = toolArgumentsProblem(message);
    if (badArguments !== undefined) {
      const id = (message as { id: string | number }).id;
      await this.refuse(id, INVALID_PARAMS, `Invalid params: ${badArguments}`, { field: "params.arguments" });
      return;
    }
    const call = rawToolCallOf(message);
    if (call !== undefined && Object.hasOwn(call.args, "__proto__")) {
      const result = await this.rawToolCall(call.name, call.args);
      await this.send({ jsonrpc: "2.0", id: call.id, result } as JSONRPCMessage);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(message);
    if (!parsed.success) {
      const id = (message as { id?: unknown }).id;
      const trusted = typeof id === "string" || typeof id === "number" ? id : null;
      const field = parsed.error.issues[0]?.path.join(".") || "message";
      await this.refuse(trusted, INVALID_REQUEST, `Invalid Request: ${field} does not fit JSON-RPC`, {
        field,
      });
      return;
    }
    const { id, method } = parsed.data as { id?: string | number; method?: string };
    if (id !== undefined && method !== undefined) this.pending.add(id);
    this.onmessage?.(parsed.data);
  }

  send(message: JSONRPCMessage): Promise<void> {
    const { id, method } = message as { id?: string | number; method?: string };
    if (id !== undefined && method === undefined && this.pending.delete(id) && this.pending.size === 0) {
      this.drained?.();
    }
    return new Promise((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once("drain", () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.pause();
    this.onclose?.();
  }
}
