// Shared helpers of the import tests: the real fixtures, a fresh engine, and the state events a store holds.
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { STATE_EVENT_NAMES } from "../../src/domain/events/event-registry.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { REPO_ROOT } from "../support/cli.js";
import { scratchDir } from "../support/scratch.js";

/** The real tracker data (LOCUS_SPEC section 15, fixtures/imports/README.md), beside the repository as in CI. */
export const FIXTURES =
  process.env.LOCUS_IMPORT_FIXTURES ?? join(REPO_ROOT, "..", "shared", "fixtures", "imports");
export const BEADS_FILE = join(FIXTURES, "beads-issues.jsonl");
export const BACKLOG_DIR = join(FIXTURES, "backlog");
export const TASKMASTER_FILE = join(FIXTURES, "taskmaster-tasks.json");

/** A fresh temp folder (real path), removed when the test process exits. */
export const tempDir = (): string => realpathSync(scratchDir("locus-import-"));

/** How many state events (section 6) the store holds. */
export async function stateEventCount(store: LocusStore): Promise<number> {
  return (await store.readEvents()).filter((event) => STATE_EVENT_NAMES.has(event.event_name as never))
    .length;
}
