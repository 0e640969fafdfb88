import { createHash } from "node:crypto";
import { Ajv } from "ajv";
import standalone from "ajv/dist/standalone/index.js";
import { z } from "zod";
import { iterationRecordSchema, microTaskSchema, workPacketSchema } from "../records.js";
import { EVENT_REGISTRY } from "./event-registry.js";

// Writes the payload checks payload-checks.ts loads (run by `npm run build`, scripts/prebuild-payload-checks.js).
// Each payload schema becomes zod's JSON Schema of its input (a strict object: no other keys; string lengths in
// UTF-16 units and patterns without flags, as zod counts and matches), compiled by ajv into one function an
// event. The records several payloads share are compiled once and referenced. A schema zod cannot express as
// JSON Schema fails the build, so no event is left to a looser check.

/** The JSON Schemas of every payload (and of the shared records), by id. */
export function payloadJsonSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  const shared: [string, z.ZodType][] = [
    ["WorkPacket", workPacketSchema()],
    ["MicroTask", microTaskSchema()],
    ["IterationRecord", iterationRecordSchema()],
  ];
  for (const [id, schema] of shared) registry.add(schema, { id });
  for (const [name, entry] of Object.entries(EVENT_REGISTRY)) registry.add(entry.payload(), { id: name });
  const { schemas } = z.toJSONSchema(registry, {
    io: "input",
    target: "draft-7",
    unrepresentable: "throw",
    uri: (id) => id,
  });
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas as Record<string, Record<string, unknown>>;
}

/** SHA-256 of the schemas the checks were made from: the first line of the file names it. */
export const schemasDigest = (schemas: Record<string, unknown>): string =>
  createHash("sha256").update(JSON.stringify(schemas)).digest("hex");

/** The source of the checks file: CommonJS, one export an event name. */
export function payloadChecksSource(): string {
  const schemas = payloadJsonSchemas();
  const ajv = new Ajv({
    code: { source: true, esm: false },
    strict: false,
    unicode: false, // maxLength in UTF-16 units, as zod's .max() counts
    unicodeRegExp: false, // patterns as zod runs them (no u flag)
    validateFormats: false, // zod's formats come with their pattern, which is checked
    messages: false,
    inlineRefs: false,
    logger: false,
  });
  for (const [id, schema] of Object.entries(schemas)) ajv.addSchema(schema, id);
  const exports = Object.fromEntries(Object.keys(EVENT_REGISTRY).map((name) => [name, name]));
  // A CommonJS module seen from ESM: its default export is the module object, the function under `default`.
  const standaloneCode = (standalone as unknown as { default: typeof standalone.default }).default;
  return `// locus payload checks, schemas sha256 ${schemasDigest(schemas)}\n${standaloneCode(ajv, exports)}\n`;
}
