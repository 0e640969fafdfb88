import { realpathSync } from "node:fs";
import { resolve, sep } from "node:path";
import { readRegularFile } from "../../board/safe-read.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import { DEFAULT_TASK_PACKET_LIMITS, parseTaskPacket } from "../../packets/task-packet-parser.js";
import { searchDocumentOf, taskPacketSearchText } from "../../search/search-document.js";
import type { StoreTransaction } from "../../store/store-port.js";
import type { JobServices } from "../job-context.js";

// Section 9, write path: after each WP write (JobContext.flush) the keyword index and the Silver chunk
// text are brought up to date in the same transaction, so a title change is what keyword search finds in
// the same job, and a deleted WP disappears. No embedding is computed here: new chunks wait in the queue
// (Silver rows without an embedding) for `locus index` or the bounded drain before a search.

/** Indexes the WPs a job wrote (deleted ones are removed); a no-op on a backend without a search index. */
export async function indexWrittenWorkPackets(
  tx: StoreTransaction,
  written: readonly { wp: TrackedWorkPacket; bronze_id: string }[],
  services: Pick<JobServices, "ids" | "workspaceRoot">,
): Promise<void> {
  const search = tx.search;
  if (search === undefined) return;
  const newSilverId = () => `slv_${services.ids.ulid()}`;
  const docs = [];
  for (const { wp, bronze_id } of written) {
    if (wp.tombstone !== undefined) {
      await search.removeWp(wp.wp_id);
      continue;
    }
    const packet = readTaskPacketText(services.workspaceRoot, wp.governance.task_packet_path);
    docs.push(searchDocumentOf(wp, bronze_id, packet));
  }
  // Many WPs at once (a sync): one batch where the backend has one (PostgreSQL: a few round trips, not 3 per WP).
  if (docs.length > 1 && search.indexDocuments !== undefined) await search.indexDocuments(docs, newSilverId);
  else for (const doc of docs) await search.indexDocument(doc, newSilverId);
}

/**
 * The search text of a WP's task packet, or undefined when there is none, it is unreadable, too large, or
 * resolves outside the workspace (section 8: no symlink escape), or is not a regular file. Search never fails a write over a packet.
 */
export function readTaskPacketText(root: string | undefined, path: string | undefined): string | undefined {
  if (root === undefined || path === undefined) return undefined;
  try {
    const realRoot = realpathSync(root);
    const file = realpathSync(resolve(realRoot, path));
    if (!file.startsWith(realRoot + sep)) return undefined;
    // Non-blocking and bounded: this runs inside the write transaction (issue 21 hole 4).
    const bytes = readRegularFile(file, DEFAULT_TASK_PACKET_LIMITS.max_bytes, "task_packet_path", true);
    return taskPacketSearchText(parseTaskPacket(bytes));
  } catch {
    return undefined;
  }
}
