import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { streamSSE } from "hono/streaming";
import { grantCovers } from "../domain/capabilities.js";
import type { StoredEvent } from "../domain/events/stored-event.js";
import type { StoredMember } from "../domain/members.js";
import { OPERATIONS } from "../operations/catalog.js";
import type { LocusResult } from "../operations/envelope.js";
import { verifyStore } from "../operations/flight-recorder.js";
import { jobFor, type LocusEngine } from "../operations/locus-engine.js";
import { memberOfToken, memberSurface } from "../operations/members/member-records.js";
import type { EventHub } from "./event-hub.js";
import { httpStatusOf } from "./http-status.js";
import { openApiDocument } from "./openapi.js";

// Section 14: the team server's routes, over the operations layer like the CLI and MCP. Every request names a
// member by its token; the member is the actor of the job and its grants are the surface profile. Routes per
// operation and the OpenAPI document are generated from the catalog; statuses come from http-status.ts.

/** Operations kept off the server (they read the caller's own files: operation.ts `http`). */
const LOCAL_ONLY = new Set(OPERATIONS.filter((op) => op.http === false).map((op) => op.name));

/** Bodies above this are 413 before they are parsed (section 14). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Events per page of /v1/events and of a stream's catch-up. */
const EVENT_PAGE = 1_000;
/** A comment line on idle streams, so proxies keep them open. */
const KEEP_ALIVE_MS = 15_000;

type Env = { Variables: { member: StoredMember } };

/** A refusal made by the server itself (no job ran), in the shape of a LocusResult. */
function refusal(c: Context, status: number, code: string, message: string, field?: string) {
  const error = field === undefined ? { code, message } : { code, message, details: { field } };
  return c.json(
    { success: false, job_id: "", trace_id: "", error, events_emitted: [], duration_ms: 0 },
    status as 400,
  );
}

const reply = (c: Context, result: LocusResult) =>
  c.json(result, (result.success ? 200 : httpStatusOf(result.error.code)) as 200);

/** A whole number query value, or undefined; anything else is a refusal naming it. */
function wholeQuery(c: Context, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined | Error {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value > max)
    return new Error(`${name} must be a whole number from 0 to ${max}`);
  return value;
}

/** The built board (dist/web), read once; undefined when it was not built. */
function webAssets(): { page: string; files: Map<string, { type: string; body: string }> } | undefined {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, "web");
    if (existsSync(join(candidate, "index.html")) && existsSync(join(candidate, "app.js"))) {
      const read = (name: string) => readFileSync(join(candidate, name), "utf8");
      return {
        page: read("index.html"),
        files: new Map([
          ["app.js", { type: "text/javascript; charset=utf-8", body: read("app.js") }],
          ["board.css", { type: "text/css; charset=utf-8", body: read("board.css") }],
        ]),
      };
    }
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/** Builds the server's app over an open engine and its event hub. */
export function buildHttpApp(engine: LocusEngine, hub: EventHub, version: string): Hono<Env> {
  const app = new Hono<Env>();
  const store = engine.store;
  const engineOf = (member: StoredMember) => engine.withSurface(memberSurface(member));
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => refusal(c, 413, "HSK-413-LIMIT", `the body is over ${MAX_BODY_BYTES} bytes`, "body"),
  });
  /** The JSON body, or a refusal naming it. */
  const bodyOf = async (c: Context, code: string): Promise<{ value: unknown } | Response> => {
    try {
      return { value: JSON.parse(await c.req.text()) };
    } catch {
      return refusal(c, 400, code, "the body is not JSON", "body");
    }
  };

  // The web board: its page and assets, built from web/ into dist/web (no member needed to load the page; every
  // call it makes needs one).
  const assets = webAssets();
  app.get("/", (c) =>
    assets === undefined ? c.text("the web board is not built: run npm run build", 404) : c.html(assets.page),
  );
  app.get("/assets/:file", (c) => {
    const asset = assets?.files.get(c.req.param("file"));
    if (asset === undefined) return refusal(c, 404, "HSK-404-NOT-FOUND", `no asset ${c.req.param("file")}`);
    c.header("content-type", asset.type);
    c.header("cache-control", "no-cache");
    return c.body(asset.body);
  });

  app.onError((_error, c) => refusal(c, 500, "HSK-500-STORAGE", "the server failed; nothing was committed"));
  app.notFound((c) =>
    refusal(
      c,
      404,
      "HSK-404-NOT-FOUND",
      `no route ${c.req.method} ${c.req.path} (GET /v1/openapi.json lists them)`,
    ),
  );

  // Every route: a live member's token. No token or an unknown one: 401, and nothing runs.
  app.use("/v1/*", async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer ([A-Za-z0-9_-]{1,200})$/.exec(header);
    const member = match ? await memberOfToken(store, match[1] as string) : undefined;
    if (member === undefined)
      return refusal(
        c,
        401,
        "HSK-403-CAPABILITY",
        header === ""
          ? "a member token is required (Authorization: Bearer TOKEN)"
          : "the token is unknown or was removed",
        "authorization",
      );
    c.set("member", member);
    await next();
  });

  app.get("/v1/openapi.json", (c) =>
    c.json(
      openApiDocument(
        OPERATIONS.filter((op) => op.http !== false),
        version,
      ),
    ),
  );

  app.post("/v1/jobs", limit, async (c) => {
    const body = await bodyOf(c, "HSK-400-INVALID-JOB");
    if (body instanceof Response) return body;
    const named = (body.value as { input?: { operation?: unknown } } | null)?.input?.operation;
    if (LOCAL_ONLY.has(String(named)))
      return refusal(
        c,
        400,
        "HSK-400-INVALID-JOB",
        `${String(named)} reads files on the machine that runs it: run it with the CLI there, not through the server`,
        "input.operation",
      );
    return reply(c, await engineOf(c.get("member")).execute(body.value));
  });

  for (const operation of OPERATIONS.filter((op) => op.http !== false)) {
    app.post(`/v1/ops/${operation.name}`, limit, async (c) => {
      const body = await bodyOf(c, "HSK-400-INVALID-PARAMS");
      if (body instanceof Response) return body;
      const params = body.value;
      if (typeof params !== "object" || params === null || Array.isArray(params))
        return refusal(
          c,
          400,
          "HSK-400-INVALID-PARAMS",
          "the body must be a JSON object of params",
          "params",
        );
      return reply(
        c,
        await engineOf(c.get("member")).execute(jobFor(operation.name, params as Record<string, unknown>)),
      );
    });
  }

  const readRefusal = (c: Context) =>
    grantCovers(new Set(c.get("member").grants), "locus.read")
      ? undefined
      : refusal(c, 403, "HSK-403-CAPABILITY", "reading events needs locus.read", "authorization");

  const headSeq = async () => (await store.transaction((tx) => tx.chainHead())).seq;

  app.get("/v1/head", async (c) => {
    const denied = readRefusal(c);
    if (denied) return denied;
    const member = c.get("member");
    return c.json({ head_seq: await headSeq(), actor_id: member.actor_id, role: member.role });
  });

  // The audit view's "is the chain whole" (section 6): the same check as `locus events verify`.
  app.get("/v1/verify", async (c) => {
    const denied = readRefusal(c);
    if (denied) return denied;
    return c.json(await verifyStore(store));
  });

  app.get("/v1/events", async (c) => {
    const denied = readRefusal(c);
    if (denied) return denied;
    const since = wholeQuery(c, "since");
    const limitValue = wholeQuery(c, "limit", 10_000);
    const tail = wholeQuery(c, "tail", 10_000);
    for (const [name, value] of [
      ["since", since],
      ["limit", limitValue],
      ["tail", tail],
    ] as const)
      if (value instanceof Error) return refusal(c, 400, "HSK-400-INVALID-PARAMS", value.message, name);
    // tail=N: the last N events (the audit timeline); otherwise from `since`.
    const last = tail as number | undefined;
    const events = await store.readEvents({
      afterSeq:
        last !== undefined ? Math.max(0, (await headSeq()) - last) : ((since as number | undefined) ?? 0),
      limit: last ?? (limitValue as number | undefined) ?? EVENT_PAGE,
    });
    c.header("content-type", "application/x-ndjson");
    return c.body(events.map((event) => `${JSON.stringify(event)}\n`).join(""));
  });

  app.get("/v1/stream", async (c) => {
    const denied = readRefusal(c);
    if (denied) return denied;
    const lastId = c.req.header("last-event-id");
    const since = lastId !== undefined && /^\d+$/.test(lastId) ? Number(lastId) : wholeQuery(c, "since");
    if (since instanceof Error) return refusal(c, 400, "HSK-400-INVALID-PARAMS", since.message, "since");
    const start = since ?? (await headSeq());
    return streamSSE(c, async (stream) => {
      let sent = start;
      let writing = Promise.resolve();
      const send = (events: readonly StoredEvent[]) => {
        writing = writing.then(async () => {
          for (const event of events) {
            if (event.seq <= sent) continue;
            sent = event.seq;
            await stream.writeSSE({ event: "locus", id: String(event.seq), data: JSON.stringify(event) });
          }
        });
        return writing;
      };
      // Listening before the catch-up read: a commit in between is in one or the other (seq skips repeats).
      const queued: (readonly StoredEvent[])[] = [];
      let live = false;
      const unlisten = await hub.listen((events) => {
        if (live) void send(events);
        else queued.push(events);
      });
      const closed = new Promise<void>((resolve) => stream.onAbort(resolve));
      try {
        for (;;) {
          const page = await store.readEvents({ afterSeq: sent, limit: EVENT_PAGE });
          await send(page);
          if (page.length < EVENT_PAGE) break;
        }
        for (const events of queued) await send(events);
        live = true;
        while (!stream.aborted && !stream.closed) {
          const tick = new Promise<void>((resolve) => setTimeout(resolve, KEEP_ALIVE_MS).unref());
          await Promise.race([closed, tick]);
          if (!stream.aborted && !stream.closed) await stream.write(": keep-alive\n\n");
        }
      } finally {
        unlisten();
      }
    });
  });

  return app;
}
