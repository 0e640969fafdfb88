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
]);
/** Regexes longer than this (the RFC 3339 date-time one is ~500 bytes) are left to `format`. */
const MAX_PATTERN = 40;

/** Removes bytes an agent does not need to call the tool correctly. */
export function compactSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(compactSchema);
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (key === "pattern" && typeof value === "string" && value.length > MAX_PATTERN) continue;
    // Empty defaults ("" and []) say nothing the type does not.
    if (key === "default" && (value === "" || (Array.isArray(value) && value.length === 0))) continue;
    out[key] = compactSchema(value);
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
  if (COMPACTED.has(operation.name)) properties.full = { type: "boolean", description: "full records" };
  return {
    name: operation.name,
    description: `${operation.summary}. Needs ${operation.capabilities.join(", ")}.`,
    inputSchema: {
      type: "object",
      properties,
      ...(schema.required && schema.required.length > 0 ? { required: schema.required } : {}),
    },
  };
}

/** Every tool of the catalog. */
export function toolsFor(catalog: readonly OperationDefinition[]): ToolDefinition[] {
  return catalog.map(toolFor);
}
