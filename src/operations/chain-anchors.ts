import type { LocusStore } from "../store/store-port.js";

// Section 16, anchors: the git pre-commit hook writes the chain head (seq, hash) to `locus-anchor.json`, so every
// commit of the repository carries a witness of the log outside the store. `events verify` then checks the store
// against every anchor in git history: a store rolled back to an old copy no longer reaches an anchored seq, and
// a log rewritten with every hash recomputed no longer has the anchored hash at that seq. Pure of git: the CLI
// reads the anchors' versions and hands them here.

/** The anchor file's name, at the workspace root. */
export const ANCHOR_FILE = "locus-anchor.json";

/** What `locus-anchor.json` holds. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

/** One version of the anchor file, from a commit. */
export interface CommittedAnchor extends ChainAnchor {
  commit: string;
}

/** The anchors' verdict: how many were checked, and the first (oldest) one the store no longer matches. */
export interface AnchorReport {
  ok: boolean;
  checked: number;
  first_mismatch?: CommittedAnchor & { found: string | null; reason: string };
}

/** The anchor file's text for a chain head (stable: the same head writes the same bytes, so no empty diffs). */
export function anchorText(head: ChainAnchor): string {
  return `${JSON.stringify({ seq: head.seq, hash: head.hash }, null, 2)}\n`;
}

/** Parses one committed version of the anchor file; undefined when it is not an anchor (edited by hand). */
export function parseAnchor(text: string): ChainAnchor | undefined {
  try {
    const value = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (Number.isSafeInteger(value.seq) && (value.seq as number) >= 0 && typeof value.hash === "string")
      return { seq: value.seq as number, hash: value.hash };
  } catch {
    // not JSON: reported by the caller as an unreadable anchor
  }
  return undefined;
}

/** Checks `anchors` (oldest first) against the store: each anchored seq must hold the anchored hash. */
export async function checkAnchors(
  store: LocusStore,
  anchors: readonly CommittedAnchor[],
): Promise<AnchorReport> {
  let checked = 0;
  for (const anchor of anchors) {
    checked += 1;
    if (anchor.seq === 0) continue; // an anchor of an empty log holds nothing to compare
    const [event] = await store.readEvents({ afterSeq: anchor.seq - 1, limit: 1 });
    const found = event?.seq === anchor.seq ? event.hash : null;
    if (found === anchor.hash) continue;
    const reason =
      found === null
        ? `the store has no event ${anchor.seq}: it was rolled back to a copy older than commit ${anchor.commit.slice(0, 12)}`
        : `event ${anchor.seq} is not the one commit ${anchor.commit.slice(0, 12)} anchored: the log was rewritten`;
    return { ok: false, checked, first_mismatch: { ...anchor, found, reason } };
  }
  return { ok: true, checked };
}
