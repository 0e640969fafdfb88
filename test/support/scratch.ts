// Temp folders a test process makes and leaves for the process's end to remove (a test that fails midway
// leaves none behind in the machine's temp folder either).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made = new Set<string>();

/** A fresh folder under the temp folder, named `prefix` and six random characters; removed when the process exits. */
export function scratchDir(prefix: string): string {
  if (made.size === 0) process.once("exit", removeAll);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

function removeAll(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}
