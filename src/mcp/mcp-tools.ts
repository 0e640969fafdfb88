import { z } from "zod";
import type { OperationDefinition } from "../operations/operation.js";
import { COMPACTED } from "./mcp-results.js";

// STYLE 2: MCP tools are generated from the catalog. Their JSON Schemas are compacted because every byte of
// tools/list is context an agent pays for on each turn (peers spend 45-50k tokens there): length bounds,
// long regexes and `additionalProperties` are dropped from the advertised schema, since the envelope
// validates every call against the full zod schema anyway and names the bad field in HSK-400-INVALID-PARAMS.

/** One advertised tool. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: { type: "object"; properties?: Record<string, unknown>; required?: string[] };
}

const DROPPED_KEYS = new Set([
  "$schema",
  "additionalProperties",
  "maxLength",
  "minLength",
  "maxItems",
  "minItems",
  "maximum",
  "minimum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "propertyNames",
]);
/**
 * Simplifies `anyOf`: all-string alternatives read as one string; `X | X[]` reads as X (both are accepted); text or
 * an object reads as both types.
 */
function simplifyAnyOf(options: unknown[]): unknown | undefined {
  const nodes = options.filter(
    (option): option is Record<string, unknown> => typeof option === "object" && option !== null,
  );
  if (nodes.length !== options.length) return undefined;
  if (nodes.every((node) => node.type === "string" && node.enum === undefined)) return { type: "string" };
  // Text or an object (an artifact reference: text or an ArtifactHandle): the types say it; the envelope checks
  // the object's fields and names a wrong one.
  const types = nodes.map((node) =>
    node.type === undefined && node.properties !== undefined ? "object" : node.type,
  );
  if (nodes.length === 2 && types.includes("string") && types.includes("object"))
    return { type: ["string", "object"] };
  const scalar = nodes.find((node) => node.type !== "array");
  if (nodes.length === 2 && scalar && nodes.some((node) => node.type === "array")) return scalar;
  return undefined;
}

const isEmptyDefault = (value: unknown): boolean =>
  value === "" ||
  value === false ||
  value === 0 || // a count that defaults to zero (tokens, duration) says nothing a caller would not assume
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && value !== null && Object.keys(value).length === 0);

/** Removes bytes an agent does not need to call the tool correctly. */
export function compactSchema(node: unknown, root = true): unknown {
  if (Array.isArray(node)) return node.map((item) => compactSchema(item, false));
  if (typeof node !== "object" || node === null) return node;
  const record = node as Record<string, unknown>;
  if (Array.isArray(record.anyOf)) {
    const simple = simplifyAnyOf(record.anyOf);
    if (simple !== undefined) return compactSchema(simple, false);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (DROPPED_KEYS.has(key)) continue;
    // Id formats are checked by the envelope, whose HSK-400-INVALID-PARAMS message quotes the pattern.
    if (key === "pattern") continue;
    // Likewise timestamps (section 17 added the fourth): a field named *_at or *_until takes RFC 3339, and a bad
    // one is refused naming the field.
    if (key === "format" && value === "date-time") continue;
    // An enum says its type; empty or false defaults say nothing the type does not.
    if (key === "type" && value === "string" && Array.isArray(record.enum)) continue;
    if (key === "default" && isEmptyDefault(value)) continue;
    // Nested objects show their properties; the root keeps `type: "object"` (MCP requires it).
    if (key === "type" && value === "object" && record.properties !== undefined && !root) continue;
    out[key] = compactSchema(value, false);
  }
  return out;
}

/** The tool of one operation: its summary, the capabilities it needs, and the compact input schema. */
export function toolFor(operation: OperationDefinition): ToolDefinition {
  const schema = compactSchema(z.toJSONSchema(operation.params, { io: "input", unrepresentable: "any" })) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  const properties = { ...(schema.properties ?? {}) };
  if (COMPACTED.has(operation.name)) properties.full = { type: "boolean" };
  return {
    name: operation.name,
    description: `${operation.summary} [${operation.capabilities.join(", ")}]`,
    inputSchema: {
      type: "object",
      properties,
      ...(schema.required && schema.required.length > 0 ? { required: schema.required } : {}),
    },
  };
}

/** Every tool of the catalog. */
export function toolsFor(catalog: readonly OperationDefinition[]): ToolDefinition[] {
  return catalog.filter((operation) => operation.mcp !== false).map(toolFor);
}
