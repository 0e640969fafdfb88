import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { isLocusError, type LocusError } from "../domain/errors.js";
import { HttpEmbeddingProvider } from "./http-embedding-provider.js";

interface Seen {
  body: { model: string; input: string[]; dimensions?: number };
  authorization: string | undefined;
  url: string | undefined;
}

type Handler = (seen: Seen, res: ServerResponse) => void;

/** A fake OpenAI-compatible server on 127.0.0.1; each test installs its handler. */
let server: Server;
let baseUrl: string;
let handler: Handler = () => {};
const requests: Seen[] = [];

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

/** Embeds text i as [len, i+1, 0...] (unnormalised) so tests can check order and normalisation. */
const embeddingsOf = (input: string[], dims = 3) =>
  input.map((text, index) => ({
    index,
    embedding: [text.length, index + 1, ...new Array(dims - 2).fill(0)],
  }));

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => {
      raw += chunk.toString("utf8");
    });
    req.on("end", () => {
      const seen = {
        body: JSON.parse(raw) as Seen["body"],
        authorization: req.headers.authorization,
        url: req.url,
      };
      requests.push(seen);
      handler(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function failure(promise: Promise<unknown>): Promise<LocusError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLocusError(error));
    assert.equal(error.code, "HSK-500-STORAGE");
    return error;
  }
  assert.fail("expected a LocusError");
}

describe("HttpEmbeddingProvider", () => {
  it("posts model and input with the key from the named env var, and returns unit vectors in order", async () => {
    requests.length = 0;
    handler = (seen, res) => answer(res, 200, { data: embeddingsOf(seen.body.input).reverse(), model: "m" });
    const provider = new HttpEmbeddingProvider({
      url: baseUrl,
      apiKeyEnv: "TEST_KEY",
      env: { TEST_KEY: "sk-1" },
    });
    assert.equal(provider.dimensions, 0);
    const vectors = await provider.embed(["abc", "de"]);
    assert.equal(requests[0]!.url, "/v1/embeddings");
    assert.equal(requests[0]!.authorization, "Bearer sk-1");
    assert.deepEqual(requests[0]!.body.input, ["abc", "de"]);
    assert.equal(requests[0]!.body.model, "text-embedding-3-small");
    assert.equal(requests[0]!.body.dimensions, undefined);
    assert.equal(provider.dimensions, 3);
    assert.equal(provider.model_id, "openai-compatible/text-embedding-3-small");
    const [a, b] = vectors;
    assert.ok(Math.abs(a![0]! - 3 / Math.hypot(3, 1)) < 1e-6);
    assert.ok(Math.abs(b![1]! - 2 / Math.hypot(2, 2)) < 1e-6);
  });

  it("splits input into batches and sends configured dimensions", async () => {
    requests.length = 0;
    handler = (seen, res) => answer(res, 200, { data: embeddingsOf(seen.body.input, 4) });
    const provider = new HttpEmbeddingProvider({ url: `${baseUrl}/embeddings`, batchSize: 2, dimensions: 4 });
    const vectors = await provider.embed(["a", "b", "c", "d", "e"]);
    assert.equal(vectors.length, 5);
    assert.deepEqual(
      requests.map((r) => r.body.input.length),
      [2, 2, 1],
    );
    assert.equal(requests[0]!.body.dimensions, 4);
    assert.equal(requests[0]!.authorization, undefined);
    assert.equal(provider.model_id, "openai-compatible/text-embedding-3-small:4");
  });

  it("retries once after a 5xx", async () => {
    let calls = 0;
    handler = (seen, res) => {
      calls++;
      if (calls === 1) answer(res, 503, "overloaded");
      else answer(res, 200, { data: embeddingsOf(seen.body.input) });
    };
    assert.equal((await new HttpEmbeddingProvider({ url: baseUrl }).embed(["x"])).length, 1);
    assert.equal(calls, 2);
  });

  it("reports the server's error message and never the key", async () => {
    handler = (_seen, res) => answer(res, 401, { error: { message: "Incorrect API key provided" } });
    const provider = new HttpEmbeddingProvider({ url: baseUrl, apiKeyEnv: "K", env: { K: "sk-secret" } });
    const error = await failure(provider.embed(["x"]));
    assert.match(error.message, /401: Incorrect API key provided/);
    assert.equal(error.details?.status, 401);
    assert.ok(!JSON.stringify(error.toJSON()).includes("sk-secret"));
  });

  it("fails clearly when the key variable is not set", async () => {
    const error = await failure(
      new HttpEmbeddingProvider({ url: baseUrl, apiKeyEnv: "NOPE", env: {} }).embed(["x"]),
    );
    assert.equal(error.details?.reason, "missing_api_key");
    assert.match(error.message, /NOPE/);
  });

  it("times out a silent server", async () => {
    handler = () => {}; // never answers
    const provider = new HttpEmbeddingProvider({ url: baseUrl, timeoutMs: 100, retries: 0 });
    const error = await failure(provider.embed(["x"]));
    assert.equal(error.details?.reason, "timeout");
  });

  it("rejects answers of the wrong shape, count or size", async () => {
    handler = (_seen, res) => answer(res, 200, "not json");
    assert.equal(
      (await failure(new HttpEmbeddingProvider({ url: baseUrl }).embed(["x"]))).details?.reason,
      "bad_response",
    );
    handler = (_seen, res) => answer(res, 200, { data: [{ embedding: "nope", index: 0 }] });
    assert.equal(
      (await failure(new HttpEmbeddingProvider({ url: baseUrl }).embed(["x"]))).details?.reason,
      "bad_response",
    );
    handler = (_seen, res) => answer(res, 200, { data: embeddingsOf(["only one"]) });
    assert.equal(
      (await failure(new HttpEmbeddingProvider({ url: baseUrl }).embed(["a", "b"]))).details?.reason,
      "bad_response",
    );
    handler = (seen, res) => answer(res, 200, { data: embeddingsOf(seen.body.input, 5) });
    const sized = new HttpEmbeddingProvider({ url: baseUrl, dimensions: 3 });
    assert.equal((await failure(sized.embed(["x"]))).details?.reason, "dimension_mismatch");
  });

  it("reports a refused connection as a network failure", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const provider = new HttpEmbeddingProvider({ url: `http://127.0.0.1:${port}/v1`, retries: 0 });
    assert.equal((await failure(provider.embed(["x"]))).details?.reason, "network");
  });

  it("returns [] for no texts without calling the server", async () => {
    requests.length = 0;
    assert.deepEqual(await new HttpEmbeddingProvider({ url: baseUrl }).embed([]), []);
    assert.equal(requests.length, 0);
  });
});
