import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { LocusEngine } from "../operations/locus-engine.js";
import { idleCompactor } from "../operations/maintenance/compact-store.js";
import { hasMembers } from "../operations/members/member-records.js";
import { EventHub } from "./event-hub.js";
import { buildHttpApp } from "./http-app.js";

// `locus serve` (section 14): one workspace's store over HTTP until the process is told to stop. It binds to
// 127.0.0.1 unless told otherwise and sends no CORS headers.

/** Where and how to serve. */
export interface ServeOptions {
  host: string;
  port: number;
  json: boolean;
  version: string;
}

/** A running server. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the server over `engine`; resolves once it accepts connections. */
export async function startServer(engine: LocusEngine, options: ServeOptions): Promise<RunningServer> {
  const hub = new EventHub(engine.store, (error) => {
    process.stderr.write(
      `locus serve: live updates stopped: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  });
  const app = buildHttpApp(engine, hub, options.version);
  // Issue 20, third part: cold events are packed while no request comes (compact-store.ts).
  const compactor = idleCompactor(engine.store);
  compactor.touch();
  const fetch: typeof app.fetch = (...args) => {
    compactor.touch();
    return app.fetch(...args);
  };
  const { server, address } = await new Promise<{ server: ReturnType<typeof serve>; address: AddressInfo }>(
    (resolve, reject) => {
      const started = serve({ fetch, hostname: options.host, port: options.port }, (info) =>
        resolve({ server: started, address: info }),
      );
      started.once("error", reject);
    },
  );
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: async () => {
      await compactor.stop();
      await hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open streams hold connections: end them so close completes.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

/** `locus serve`: prints where it listens, serves until SIGINT or SIGTERM, then closes the store. */
export async function runServe(
  engine: LocusEngine,
  options: ServeOptions,
  stop: Promise<void>,
): Promise<void> {
  const running = await startServer(engine, options);
  if (options.json) process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
  else {
    process.stdout.write(`Locus team server on ${running.url} (Ctrl-C stops it)\n`);
    if (!(await hasMembers(engine.store)))
      process.stdout.write(
        "no members yet, so every request gets 401: `locus member add NAME --role owner` prints a token\n",
      );
  }
  await stop;
  await running.close();
  await engine.close();
}
