import { z } from "zod";
import { LocusError } from "../domain/errors.js";
import { type EmbeddingProvider, toUnitVector } from "./embedding-provider.js";

// Section 9: "an HTTP embeddings endpoint can be configured". Any OpenAI-compatible server works
// (OpenAI, Azure-style gateways, Ollama, vLLM, LM Studio, text-embeddings-inference): we POST
// {model, input[, dimensions]} to .../embeddings and read data[].embedding. Failures surface as
// LocusError HSK-500-STORAGE (the Gold layer's backend failed) with a reason in details; the API key
// never appears in messages or details.

/** Configuration of the OpenAI-compatible embeddings client. */
export interface HttpEmbeddingProviderOptions {
  /** Base URL such as `http://127.0.0.1:11434/v1`, or the full `.../embeddings` endpoint. */
  readonly url: string;
  /** Name of the environment variable holding the API key (sent as a Bearer token); omit for keyless servers. */
  readonly apiKeyEnv?: string;
  /** Model name sent to the server (default `text-embedding-3-small`). */
  readonly model?: string;
  /** Vector length to request and expect; when omitted it is learned from the first answer. */
  readonly dimensions?: number;
  /** Milliseconds before one request is abandoned (default 30000). */
  readonly timeoutMs?: number;
  /** Texts per request (default 256). */
  readonly batchSize?: number;
  /** Extra attempts after a timeout, network error, 429 or 5xx (default 1). */
  readonly retries?: number;
  /** Environment to read the key from (default `process.env`); tests pass their own. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Default model of the HTTP provider. */
export const DEFAULT_HTTP_EMBEDDING_MODEL = "text-embedding-3-small";

const responseSchema = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int().nonnegative() })),
});

/** Calls an OpenAI-compatible `/v1/embeddings` endpoint with global fetch, timeouts and bounded retries. */
export class HttpEmbeddingProvider implements EmbeddingProvider {
  /** `openai-compatible/{model}`, with `:{dimensions}` when a size was requested. */
  readonly model_id: string;
  private readonly endpoint: string;
  private readonly model: string;
  private readonly requestedDimensions: number | undefined;
  private learnedDimensions = 0;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly retries: number;
  private readonly apiKeyEnv: string | undefined;
  private readonly env: Readonly<Record<string, string | undefined>>;

  constructor(options: HttpEmbeddingProviderOptions) {
    this.endpoint = endpointOf(options.url);
    this.model = options.model ?? DEFAULT_HTTP_EMBEDDING_MODEL;
    this.requestedDimensions = options.dimensions;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.batchSize = Math.max(1, Math.floor(options.batchSize ?? 256));
    this.retries = Math.max(0, Math.floor(options.retries ?? 1));
    this.apiKeyEnv = options.apiKeyEnv;
    this.env = options.env ?? process.env;
    this.model_id =
      options.dimensions === undefined
        ? `openai-compatible/${this.model}`
        : `openai-compatible/${this.model}:${options.dimensions}`;
  }

  /** The configured size, else the size of the first answer, else 0. */
  get dimensions(): number {
    return this.requestedDimensions ?? this.learnedDimensions;
  }

  /** Embeds texts in batches of `batchSize`, one request per batch, in order. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const headers: Record<string, string> = { "content-type": "application/json" };
    const key = this.apiKey();
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      out.push(...(await this.embedBatch(batch, headers)));
    }
    return out;
  }

  private apiKey(): string | undefined {
    if (this.apiKeyEnv === undefined) return undefined;
    const key = this.env[this.apiKeyEnv];
    if (key === undefined || key === "") {
      throw this.failure(`environment variable ${this.apiKeyEnv} (the API key) is not set`, {
        reason: "missing_api_key",
        api_key_env: this.apiKeyEnv,
      });
    }
    return key;
  }

  private async embedBatch(batch: string[], headers: Record<string, string>): Promise<Float32Array[]> {
    const body = JSON.stringify({
      model: this.model,
      input: batch,
      encoding_format: "float",
      ...(this.requestedDimensions === undefined ? {} : { dimensions: this.requestedDimensions }),
    });
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.post(body, headers);
      if (outcome.ok) return this.parse(outcome.json, batch.length);
      if (!outcome.error.retryable || attempt >= this.retries) throw outcome.error.error;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  private async post(
    body: string,
    headers: Record<string, string>,
  ): Promise<{ ok: true; json: unknown } | { ok: false; error: { error: LocusError; retryable: boolean } }> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && cause.name === "TimeoutError";
      const message = timedOut
        ? `no answer within ${this.timeoutMs} ms`
        : `request failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      const error = this.failure(message, { reason: timedOut ? "timeout" : "network" });
      return { ok: false, error: { error, retryable: true } };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (cause) {
      const error = this.failure(`reading the answer failed: ${String(cause)}`, { reason: "network" });
      return { ok: false, error: { error, retryable: true } };
    }
    if (!response.ok) {
      const detail = serverMessage(text);
      const error = this.failure(`server answered ${response.status}${detail ? `: ${detail}` : ""}`, {
        reason: "http_status",
        status: response.status,
      });
      return { ok: false, error: { error, retryable: response.status === 429 || response.status >= 500 } };
    }
    try {
      return { ok: true, json: JSON.parse(text) as unknown };
    } catch {
      const error = this.failure("answer is not JSON", {
        reason: "bad_response",
        excerpt: text.slice(0, 200),
      });
      return { ok: false, error: { error, retryable: false } };
    }
  }

  private parse(json: unknown, expected: number): Float32Array[] {
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) {
      throw this.failure("answer does not have the shape {data: [{embedding, index}]}", {
        reason: "bad_response",
        issues: parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join(".")}: ${issue.message}`),
      });
    }
    const rows = [...parsed.data.data].sort((a, b) => a.index - b.index);
    if (rows.length !== expected || rows.some((row, i) => row.index !== i)) {
      throw this.failure(`expected ${expected} embeddings indexed 0..${expected - 1}, got ${rows.length}`, {
        reason: "bad_response",
      });
    }
    const vectors = rows.map((row) => toUnitVector(row.embedding));
    for (const vector of vectors) this.checkDimensions(vector.length);
    return vectors;
  }

  private checkDimensions(length: number): void {
    if (length === 0) throw this.failure("answer holds an empty embedding", { reason: "bad_response" });
    const expected = this.dimensions;
    if (expected === 0 && length > 0) {
      this.learnedDimensions = length;
      return;
    }
    if (length !== expected) {
      throw this.failure(`expected vectors of ${expected} dimensions, got ${length}`, {
        reason: "dimension_mismatch",
        expected,
        actual: length,
      });
    }
  }

  private failure(message: string, details: Record<string, unknown>): LocusError {
    return new LocusError("HSK-500-STORAGE", `embedding endpoint ${this.endpoint}: ${message}`, {
      provider: this.model_id,
      url: this.endpoint,
      ...details,
    });
  }
}

function endpointOf(url: string): string {
  const trimmed = url.replace(/\/+$/, "");
  return trimmed.endsWith("/embeddings") ? trimmed : `${trimmed}/embeddings`;
}

/** The `error.message` of an OpenAI-style error body, else the first 200 characters of the body. */
function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string };
    if (typeof body.error === "string") return body.error;
    if (body.error && typeof body.error.message === "string") return body.error.message;
  } catch {
    // not JSON: fall through to the raw excerpt
  }
  return text.slice(0, 200).trim();
}
