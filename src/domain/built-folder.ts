import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A folder of the build (`dist/<name>`), found beside the module that asks: dist/src/... when run from the
 * compiled modules, or the CLI bundle in dist/cli/. Undefined when the module is not in a build.
 */
export function builtFolder(moduleUrl: string, name: string): string | undefined {
  const path = fileURLToPath(moduleUrl);
  const at = path.lastIndexOf("/dist/");
  return at < 0 ? undefined : join(path.slice(0, at + "/dist/".length), name);
}
