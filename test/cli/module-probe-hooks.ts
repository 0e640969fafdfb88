// Loader hooks of module-probe.ts: appends the URL of every resolved ESM import to the log file.
import { appendFileSync } from "node:fs";

let logFile = "";

/** Receives the log file from `register(..., { data })`. */
export async function initialize(data: { logFile: string }): Promise<void> {
  logFile = data.logFile;
}

/** Logs each resolution, then resolves as Node would. */
export async function resolve(
  specifier: string,
  context: unknown,
  nextResolve: (specifier: string, context: unknown) => Promise<{ url: string }>,
): Promise<{ url: string }> {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(logFile, `esm:${resolved.url}\n`);
  return resolved;
}
