// A preload for `node --import`: records every module the process loads into the file named by
// LOCUS_MODULE_LOG, so tests can assert what a command does NOT load (issue 4: lazy loading). ESM resolutions
// are logged by a resolve hook (module-probe-hooks.ts, on the loader thread); CommonJS modules that packages
// require() internally are taken from the require cache when the process exits.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const logFile = process.env.LOCUS_MODULE_LOG;
if (logFile !== undefined && logFile !== "") {
  register("./module-probe-hooks.js", import.meta.url, { data: { logFile } });
  const cache = createRequire(import.meta.url).cache;
  process.on("exit", () => {
    const paths = Object.keys(cache);
    if (paths.length > 0) appendFileSync(logFile, `${paths.map((path) => `cjs:${path}`).join("\n")}\n`);
  });
}
