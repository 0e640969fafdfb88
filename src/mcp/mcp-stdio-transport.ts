import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { JobReader } from "../cli/job-reader.js";

// `locus mcp` reads JSON-RPC lines itself instead of the SDK's StdioServerTransport, for two things the SDK
// does before Locus could see them (issue 21 holes 8 and 11):
// - its message schema drops an own `__proto__` key from a tool call's arguments (zod records skip it), so a
//   key the envelope refuses as unknown vanished silently. A call that has one is answered by `rawToolCall`
//   with the arguments as sent, which the envelope refuses like any other surface.
// - its buffer ends the whole session on a line over 10 MB. Here a line over the bound is counted, dropped and
//   reported, and the session goes on (job-reader.ts: memory stays about one line).

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

/** The stdio transport of `locus mcp`: one JSON-RPC message per line, each line bounded before it is parsed. */
export class LocusStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private closed = false;

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
    await this.close();
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
      this.onerror?.(new Error(message));
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
      : { jsonrpc: "2.0", id: requestId, error: { code: -32600, message } };
    await this.send(reply as JSONRPCMessage);
  }

  private async receive(text: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (error) {
      this.onerror?.(error as Error);
      return;
    }
    const call = rawToolCallOf(message);
    if (call !== undefined && Object.hasOwn(call.args, "__proto__")) {
      const result = await this.rawToolCall(call.name, call.args);
      await this.send({ jsonrpc: "2.0", id: call.id, result } as JSONRPCMessage);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(message);
    if (parsed.success) this.onmessage?.(parsed.data);
    else this.onerror?.(new Error(`not a JSON-RPC message: ${parsed.error.message}`));
  }

  send(message: JSONRPCMessage): Promise<void> {
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
