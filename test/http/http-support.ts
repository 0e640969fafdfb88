// Starts `locus serve --port 0 --json` as a real process in a workspace and hands out its URL (section 14).
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { LOCUS_BIN, locus } from "../support/cli.js";

/** A running team server process. */
export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts the server in `cwd`; resolves once it prints its URL. */
export async function startServer(
  cwd: string,
  env: Record<string, string> = {},
  extraArgs: string[] = [],
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [LOCUS_BIN, "serve", "--port", "0", "--json", ...extraArgs],
    {
      cwd,
      env: { ...process.env, NO_COLOR: "1", ...env },
    },
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve((JSON.parse(line as string) as { url: string }).url);
    });
    child.on("exit", (code) => reject(new Error(`locus serve exited ${code}: ${stderr}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Adds a member through the CLI; returns its token. */
export function addMember(cwd: string, actor: string, role: string, ...flags: string[]): string {
  const run = locus(cwd, ["member", "add", actor, "--role", role, ...flags, "--json"]);
  if (run.status !== 0) throw new Error(`member add failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { data: { token: string } }).data.token;
}

/** A JSON request with a member's token. */
export async function call(
  url: string,
  token: string | undefined,
  body?: unknown,
  method = body === undefined ? "GET" : "POST",
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      "content-type": "application/json",
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // JSON Lines and streams are read by the caller from `text`.
  }
  return { status: response.status, body: parsed, text };
}

/** A streamed event: its id (seq) and data. */
export type StreamEvent = { id: number; data: Record<string, unknown> };

/**
 * Reads Server-Sent Events from `url` until `enough` (a count, or a test of what arrived) or `ms` pass; returns
 * their ids and data.
 */
export async function readStream(
  url: string,
  token: string,
  enough: number | ((events: readonly StreamEvent[]) => boolean),
  ms: number,
  headers: Record<string, string> = {},
  onOpen?: () => void,
): Promise<{ id: number; data: Record<string, unknown> }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const events: StreamEvent[] = [];
  const done = typeof enough === "number" ? () => events.length >= enough : () => enough(events);
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, ...headers },
      signal: controller.signal,
    });
    onOpen?.();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    while (!done()) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: (\d+)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (id !== undefined && data !== undefined)
          events.push({ id: Number(id), data: JSON.parse(data) as Record<string, unknown> });
        end = buffer.indexOf("\n\n");
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

/**
 * POSTs `body` with node:http, which reads a response sent before the whole body was taken (a 413 over the size
 * bound); fetch reports such an exchange as a network failure.
 */
export function postLarge(
  url: string,
  token: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
