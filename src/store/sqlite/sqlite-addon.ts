import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { lazy } from "../../domain/lazy.js";

/**
 * The compiled SQLite addon of the installed better-sqlite3 (node-gyp and its prebuilt downloads both put it
 * in build/Release), handed to it as `nativeBinding`: opening a store then skips the `bindings` package's
 * search of a dozen candidate paths, about 2 ms of every command's start-up. Undefined when it is not there,
 * and better-sqlite3 looks for it itself.
 */
export const sqliteAddonPath = lazy((): string | undefined => {
  const manifest = createRequire(import.meta.url).resolve("better-sqlite3/package.json");
  const addon = join(dirname(manifest), "build", "Release", "better_sqlite3.node");
  return existsSync(addon) ? addon : undefined;
});
