import { createRequire } from "node:module";
import { join } from "node:path";
import { builtFolder } from "../built-folder.js";

// Issue 12: a sync or an import checks every incoming event against the registry's payload schema, and zod takes
// ~30 us an event in a fresh process (building each parse's result, and its own code still cold), which made the
// schema check a fifth of a 10K-event pull. The build writes the same schemas as plain validation functions
// (payload-checks-build.ts: zod's JSON Schema of each payload, compiled by ajv), which check without copying.
// They only ever say yes sooner: a payload they accept, zod accepts (tested as a property); anything they do not
// accept is judged by zod, which gives the coded error. No file (a build without it, a damaged one): zod alone.

/** The generated checks, in the build's `generated` folder. */
export const PAYLOAD_CHECKS_FILE = "payload-checks.cjs";

type Check = (payload: unknown) => boolean;

let checks: Readonly<Record<string, Check>> | null | undefined;

/** The build's `generated` folder, beside the module that asks. */
export const generatedFolder = (moduleUrl: string): string | undefined => builtFolder(moduleUrl, "generated");

function loadedChecks(): Readonly<Record<string, Check>> | null {
  if (checks !== undefined) return checks;
  checks = null;
  const folder = generatedFolder(import.meta.url);
  if (folder === undefined) return checks;
  try {
    checks = createRequire(import.meta.url)(join(folder, PAYLOAD_CHECKS_FILE)) as Record<string, Check>;
  } catch {
    checks = null;
  }
  return checks;
}

/** True when the generated check of event `name` accepts `payload` (false: unknown, or let zod judge it). */
export function fitsPayloadSchemaFast(name: string, payload: unknown): boolean {
  const loaded = loadedChecks();
  if (loaded === null || !Object.hasOwn(loaded, name)) return false;
  const check = loaded[name];
  return typeof check === "function" && check(payload) === true;
}
