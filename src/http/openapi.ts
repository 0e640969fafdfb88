import { z } from "zod";
import { locusJobSchema } from "../operations/envelope-schema.js";
import type { OperationDefinition } from "../operations/operation.js";

// Section 14: the OpenAPI 3.1 document of the team server, generated from the catalog like every other surface:
// an operation added to the catalog appears here, and as its route, with no HTTP code of its own.

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });

const resultSchema = {
  type: "object",
  required: ["success", "job_id", "trace_id", "events_emitted", "duration_ms"],
  properties: {
    success: { type: "boolean" },
    job_id: { type: "string" },
    trace_id: { type: "string" },
    data: { type: "object", description: "the operation's result (success)" },
    error: {
      type: "object",
      description: "the refusal (failure): a contract code, a message, details naming the field",
      required: ["code", "message"],
      properties: { code: { type: "string" }, message: { type: "string" }, details: { type: "object" } },
    },
    events_emitted: { type: "array", items: { type: "string" } },
    duration_ms: { type: "number" },
  },
};

const refusals = {
  "400": "HSK-400-*: the job or its params fail their schema (or the body is not JSON)",
  "401": "no member token, or one that is unknown or removed: nothing ran",
  "403": "HSK-403-CAPABILITY or HSK-4001: the member's grants do not allow it",
  "404": "HSK-404-*: the WP, MT, dependency or bound WP does not exist",
  "409": "HSK-409-*: a version conflict, an illegal status change or a cycle",
  "413": "HSK-413-LIMIT: a bound was exceeded (any body over 1 MiB)",
  "500": "HSK-500-STORAGE: the store failed; nothing was committed",
};

function jobResponses(): Record<string, unknown> {
  const result = { "application/json": { schema: { $ref: "#/components/schemas/LocusResult" } } };
  const responses: Record<string, unknown> = { "200": { description: "the job succeeded", content: result } };
  for (const [status, description] of Object.entries(refusals))
    responses[status] = { description, content: result };
  return responses;
}

/** The OpenAPI 3.1 document for `operations`. */
export function openApiDocument(
  operations: readonly OperationDefinition[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    "/v1/jobs": {
      post: {
        operationId: "run_job",
        summary: "Run one LocusJob through the job envelope (section 3)",
        requestBody: { required: true, content: { "application/json": { schema: json(locusJobSchema) } } },
        responses: jobResponses(),
      },
    },
    "/v1/events": {
      get: {
        operationId: "read_events",
        summary: "Stored Flight Recorder events after `since`, as JSON Lines, in seq order",
        parameters: [
          { name: "since", in: "query", schema: { type: "integer", minimum: 0 } },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 10_000 } },
          {
            name: "tail",
            in: "query",
            description: "the last N events instead",
            schema: { type: "integer", maximum: 10_000 },
          },
        ],
        responses: { "200": { description: "one event per line", content: { "application/x-ndjson": {} } } },
      },
    },
    "/v1/head": {
      get: {
        operationId: "read_head",
        summary: "The last stored seq, and who the token belongs to (actor, role)",
        responses: {
          "200": { description: "head_seq, actor_id, role", content: { "application/json": {} } },
        },
      },
    },
    "/v1/verify": {
      get: {
        operationId: "verify_chain",
        summary: "Recomputes the hash chain, as `locus events verify` does (section 6)",
        responses: {
          "200": {
            description: "ok, checked, and the first bad seq if any",
            content: { "application/json": {} },
          },
        },
      },
    },
    "/v1/stream": {
      get: {
        operationId: "stream_events",
        summary:
          "Server-Sent Events, one per stored event (event: locus, id: seq), resumable with Last-Event-ID",
        parameters: [{ name: "since", in: "query", schema: { type: "integer", minimum: 0 } }],
        responses: { "200": { description: "an event stream", content: { "text/event-stream": {} } } },
      },
    },
  };
  for (const operation of operations) {
    paths[`/v1/ops/${operation.name}`] = {
      post: {
        operationId: operation.name,
        summary: operation.summary,
        description: `Needs ${operation.capabilities.join(", ") || "nothing"}. The body is the operation's params.`,
        requestBody: { required: true, content: { "application/json": { schema: json(operation.params) } } },
        responses: jobResponses(),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Locus team server", version },
    security: [{ member: [] }],
    components: {
      securitySchemes: {
        member: { type: "http", scheme: "bearer", description: "a member token (locus member add)" },
      },
      schemas: { LocusResult: resultSchema },
    },
    paths,
  };
}
