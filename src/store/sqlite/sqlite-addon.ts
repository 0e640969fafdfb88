import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lazy } from "../../domain/lazy.js";

/** Where node-gyp and better-sqlite3's prebuilt downloads both put the compiled addon, in its package folder. */
const ADDON = join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");

/**
 * The compiled SQLite addon of the installed better-sqlite3, handed to it as `nativeBinding`: opening a store
 * then skips the `bindings` package's search of a dozen candidate paths (about 2 ms of every command's
 * start-up). Found the way Node finds the package, in the node_modules folders from here up, by one stat
 * each; undefined when it is not there, and better-sqlite3 looks for it itself.
 */
export const sqliteAddonPath = lazy((): string | undefined => {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, ADDON);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
});
