// A raw JSON-RPC session with a real `locus mcp` process, as an attacking client makes one: lines written to
// stdin exactly as given (no client library to tidy them), stdin closed, and every reply line read back in order.
import { spawn } from "node:child_process";
import { LOCUS_BIN } from "../../support/cli.js";

/** One JSON-RPC reply line of `locus mcp`. */
export interface RawReply {
  jsonrpc: string;
  id: number | string | null;
  result?: { content?: { text: string }[]; isError?: boolean; tools?: unknown[] };
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

/** What a session left: the replies in order, stderr, and how the process ended. */
export interface RawSession {
  replies: RawReply[];
  stderr: string;
  status: number | null;
  signal: NodeJS.Signals | null;
}

/** The initialize request and notification every session starts with. */
export const HANDSHAKE = [
  '{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"attacker","version":"1"}}}',
  '{"jsonrpc":"2.0","method":"notifications/initialized"}',
];

/** Writes `lines` (strings, or chunks of one line written in pieces) to a fresh `locus mcp` in `cwd`. */
export function rawMcpSession(
  cwd: string,
  lines: (string | (() => Iterable<string>))[],
): Promise<RawSession> {
  const child = spawn(process.execPath, [LOCUS_BIN, "mcp"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", LOCUS_PROFILE: "Coder" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  child.stdin.on("error", () => {});
  const write = (text: string) =>
    new Promise<void>((resolve) =>
      child.stdin.write(text) ? resolve() : child.stdin.once("drain", resolve),
    );
  const feed = async () => {
    for (const line of [...HANDSHAKE, ...lines]) {
      if (typeof line === "string") await write(`${line}\n`);
      else {
        for (const piece of line()) await write(piece);
        await write("\n");
      }
    }
    child.stdin.end();
  };
  void feed();
  return new Promise((resolve) =>
    child.on("close", (status, signal) =>
      resolve({
        replies: stdout
          .split("\n")
          .filter((line) => line.trim() !== "")
          .map((line) => JSON.parse(line) as RawReply),
        stderr,
        status,
        signal,
      }),
    ),
  );
}

/** The reply with `id` (the first one, when several share it). */
export function replyTo(session: RawSession, id: number | string | null): RawReply | undefined {
  return session.replies.find((reply) => reply.id === id);
}

/** A tools/call line. */
export const toolCall = (id: number, name: string, argumentsText: string): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":${argumentsText}}}`;
