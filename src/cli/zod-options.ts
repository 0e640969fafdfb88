import type { z } from "zod";

// STYLE 2: command options are derived from each operation's params schema, so a new param (or a new
// operation) reaches the command line without a second list. Zod 4 exposes its definition on `_zod.def`.

interface SchemaDefinition {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string | number>;
  options?: readonly z.ZodType[];
  values?: readonly unknown[];
  in?: z.ZodType;
  defaultValue?: unknown;
}

/** The zod 4 definition of a schema. */
export function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;
}

/** How a param is typed on the command line. */
export type FieldKind = "string" | "number" | "boolean" | "list" | "json";

/** One command-line field: a param (possibly nested, e.g. `result.status`) and how to read it. */
export interface FieldSpec {
  /** Dotted param path, e.g. `wp_id` or `result.status`. */
  path: string;
  /** The option flag name, kebab-case, e.g. `wp-id` or `result-status`. */
  flag: string;
  kind: FieldKind;
  required: boolean;
  /** Allowed values of an enum (or of the items of a list of enum). */
  choices?: readonly string[];
  defaultValue?: unknown;
  /** One line for `--help`, from the schema's `.describe()` (issue 18: not just the param's name). */
  description?: string;
}

/** The description set with `.describe()` on a param or on any wrapper around it. */
function descriptionOf(schema: z.ZodType): string | undefined {
  for (let current: z.ZodType | undefined = schema; current !== undefined; ) {
    const described = (current as { description?: string }).description;
    if (described) return described;
    const def = definitionOf(current);
    current = WRAPPERS.has(def.type) ? def.innerType : undefined;
  }
  return undefined;
}

const WRAPPERS = new Set(["optional", "default", "prefault", "nullable", "readonly", "catch"]);

/** Strips optional/default/nullable wrappers; reports whether the field may be omitted and its default. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; defaultValue?: unknown } {
  let inner = schema;
  let optional = false;
  let defaultValue: unknown;
  for (let def = definitionOf(inner); WRAPPERS.has(def.type) && def.innerType; def = definitionOf(inner)) {
    if (def.type !== "nullable") optional = true;
    if (def.type === "default" && defaultValue === undefined) defaultValue = def.defaultValue;
    inner = def.innerType;
  }
  return defaultValue === undefined ? { inner, optional } : { inner, optional, defaultValue };
}

/** The choices of an enum or literal, or undefined. */
function choicesOf(schema: z.ZodType): string[] | undefined {
  const def = definitionOf(schema);
  if (def.type === "enum" && def.entries) return Object.values(def.entries).map(String);
  if (def.type === "literal" && def.values) return def.values.map(String);
  return undefined;
}

/** The command-line kind of a schema that is not an object to flatten. */
function kindOf(schema: z.ZodType): { kind: FieldKind; choices?: string[] } {
  const def = definitionOf(schema);
  switch (def.type) {
    case "string":
    case "literal":
    case "template_literal":
      return { kind: "string" };
    case "enum":
      return { kind: "string", choices: choicesOf(schema) ?? [] };
    case "number":
    case "int":
    case "bigint":
      return { kind: "number" };
    case "boolean":
      return { kind: "boolean" };
    case "array": {
      const item = def.element ? unwrap(def.element).inner : undefined;
      const itemKind = item ? kindOf(item) : { kind: "json" as const };
      if (itemKind.kind === "string")
        return { kind: "list", ...(itemKind.choices ? { choices: itemKind.choices } : {}) };
      return { kind: "json" };
    }
    case "union": {
      // `phase: X | X[]` reads as a list; `assignee: "self" | string` and `note: string | {...}` as text.
      const kinds = (def.options ?? []).map((option) => kindOf(unwrap(option).inner));
      if (kinds.some((k) => k.kind === "list"))
        return kinds.find((k) => k.kind === "list") as { kind: FieldKind };
      if (kinds.some((k) => k.kind === "string")) return { kind: "string" };
      return { kind: "json" };
    }
    case "pipe":
      return def.in ? kindOf(unwrap(def.in).inner) : { kind: "json" };
    default:
      return { kind: "json" };
  }
}

const kebab = (path: string): string => path.replace(/[._]/g, "-");

/** Flattens an object params schema into command-line fields (nested plain objects become `a.b` paths). */
export function fieldsOf(schema: z.ZodType, prefix = "", parentOptional = false): FieldSpec[] {
  const { inner } = unwrap(schema);
  const shape = definitionOf(inner).shape;
  if (!shape) return [];
  const fields: FieldSpec[] = [];
  for (const [key, value] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const { inner: field, optional, defaultValue } = unwrap(value);
    if (definitionOf(field).type === "object") {
      fields.push(...fieldsOf(field, path, parentOptional || optional));
      continue;
    }
    const { kind, choices } = kindOf(field);
    const description = descriptionOf(value);
    fields.push({
      path,
      flag: kebab(path),
      kind,
      required: !optional && !parentOptional,
      ...(choices ? { choices } : {}),
      ...(defaultValue !== undefined ? { defaultValue } : {}),
      ...(description ? { description } : {}),
    });
  }
  return fields;
}

/** Thrown for a value the command line cannot turn into the param's type (exit 2). */
export class UsageError extends Error {}

/** Converts one command-line string to the field's type, naming the field and the fix when it cannot. */
export function convertValue(field: FieldSpec, raw: string): unknown {
  switch (field.kind) {
    case "number": {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(value))
        throw new UsageError(`--${field.flag} must be a number, got "${raw}"`);
      return value;
    }
    case "boolean":
      if (raw === "true" || raw === "false") return raw === "true";
      throw new UsageError(`--${field.flag} must be true or false, got "${raw}"`);
    case "list":
      return raw
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
    case "json":
      try {
        return JSON.parse(raw);
      } catch {
        throw new UsageError(
          `--${field.flag} takes JSON, e.g. --${field.flag} '[{"...": "..."}]'; got "${raw}"`,
        );
      }
    default:
      if (field.choices && field.choices.length > 0 && !field.choices.includes(raw))
        throw new UsageError(`--${field.flag} must be one of ${field.choices.join(", ")}; got "${raw}"`);
      return raw;
  }
}

/** Sets `value` at a dotted `path` inside `target`. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}
