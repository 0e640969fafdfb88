import type { GateName, GateStatus, TrackedWorkPacket, WorkNote } from "../records.js";
import type { BronzeSnapshot } from "./bronze-history.js";

// Section 9 (issue 21): a Bronze snapshot is the whole WP after a write, but notes and gate decisions are
// append-only (section 2), so the snapshot before it in the chain already holds all but the new ones. A stored
// row keeps only what its chain does not hold yet, plus how many leading notes and gate decisions it inherits;
// a reader rebuilds the full snapshot from the row before it. Storage then grows with what each write added,
// not with the size of the WP (a WP with 300 notes of 20 KB took 900 MB of full snapshots), and `content_hash`
// still covers the full snapshot, which the reader gives back byte for byte.

/** How many leading notes and gate decisions a snapshot shares with the one before it in its chain. */
export interface BronzeInherited {
  notes: number;
  pre_work: number;
  post_work: number;
}

/** A Bronze row as stored: the snapshot without its inherited notes and gate decisions. */
export type StoredBronze = BronzeSnapshot & { inherited?: BronzeInherited };

/** The counts of a WP's append-only parts: what the next snapshot of it inherits. */
export function inheritedOf(wp: TrackedWorkPacket): BronzeInherited {
  const history = wp.governance.gate_history;
  return { notes: wp.notes.length, pre_work: history.pre_work.length, post_work: history.post_work.length };
}

const isEmpty = (inherited: BronzeInherited | undefined): boolean =>
  inherited === undefined || inherited.notes + inherited.pre_work + inherited.post_work === 0;

/**
 * A Bronze row: `snapshot` without the first `inherited` notes and gate decisions (which the row at
 * `previous_bronze_id` holds). Without `inherited` the row is the whole snapshot.
 */
export function storedBronzeRow(b: BronzeSnapshot, inherited?: BronzeInherited): StoredBronze {
  if (inherited === undefined || isEmpty(inherited)) return b;
  const wp = b.snapshot;
  const history = wp.governance.gate_history;
  if (
    b.previous_bronze_id === undefined ||
    inherited.notes > wp.notes.length ||
    inherited.pre_work > history.pre_work.length ||
    inherited.post_work > history.post_work.length
  ) {
    throw new Error(`internal: Bronze ${b.bronze_id} inherits more than its snapshot holds`);
  }
  // New objects around the live WP (never mutated): Object.assign, not spread (DECISIONS, write path).
  const governance = Object.assign({}, wp.governance, {
    gate_history: {
      pre_work: history.pre_work.slice(inherited.pre_work),
      post_work: history.post_work.slice(inherited.post_work),
    },
  });
  const snapshot = Object.assign({}, wp, { governance, notes: wp.notes.slice(inherited.notes) });
  return Object.assign({}, b, { snapshot, inherited });
}

/** The JSON text of a Bronze row (storedBronzeRow). */
export function storedBronzeDoc(b: BronzeSnapshot, inherited?: BronzeInherited): string {
  return JSON.stringify(storedBronzeRow(b, inherited));
}

/** Prepends `count` leading items of `before` to `own`; a chain that lacks them is corrupt. */
function inherit<T>(before: readonly T[], count: number, own: T[], what: string): T[] {
  if (count > before.length) throw new Error(`Bronze chain is broken: ${what} inherits more than it has`);
  return count === 0 ? own : before.slice(0, count).concat(own);
}

/**
 * Rebuilds full snapshots from stored rows (JSON text, or rows already parsed) given in chain order (each WP's
 * rows by version): a row that inherits takes its first notes and gate decisions from the row at its
 * `previous_bronze_id`.
 */
export function bronzeFromDocs(docs: Iterable<string | StoredBronze>): BronzeSnapshot[] {
  const full = new Map<string, BronzeSnapshot>();
  const out: BronzeSnapshot[] = [];
  for (const doc of docs) {
    const row = typeof doc === "string" ? (JSON.parse(doc) as StoredBronze) : doc;
    const inherited = row.inherited;
    let snapshot: BronzeSnapshot = row;
    if (inherited !== undefined) {
      delete row.inherited;
      const before = row.previous_bronze_id === undefined ? undefined : full.get(row.previous_bronze_id);
      if (!before)
        throw new Error(`Bronze chain is broken: ${row.bronze_id} inherits from a missing snapshot`);
      snapshot = withInherited(row, before.snapshot, inherited);
    }
    full.set(snapshot.bronze_id, snapshot);
    out.push(snapshot);
  }
  return out;
}

/** `row` with the inherited notes and gate decisions of `before` put back in front of its own. */
function withInherited(
  row: BronzeSnapshot,
  before: TrackedWorkPacket,
  inherited: BronzeInherited,
): BronzeSnapshot {
  const wp = row.snapshot;
  const history = wp.governance.gate_history;
  const gate = (name: GateName): GateStatus[] =>
    inherit(before.governance.gate_history[name], inherited[name], history[name], `${row.bronze_id} ${name}`);
  const notes: WorkNote[] = inherit(before.notes, inherited.notes, wp.notes, `${row.bronze_id} notes`);
  // Assigned in place: the keys keep their order, so the snapshot reads as it was written.
  history.pre_work = gate("pre_work");
  history.post_work = gate("post_work");
  wp.notes = notes;
  return row;
}
