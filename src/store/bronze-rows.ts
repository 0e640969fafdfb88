import { type BronzeInherited, bronzeFromDocs, storedBronzeDoc } from "../domain/events/bronze-delta.js";
import type { BronzeSnapshot } from "../domain/events/bronze-history.js";
import type { TrackedWorkPacket } from "../domain/records.js";
import { packText, unpackText } from "./stored-json.js";

// The doc column of the bronze table, the same in both backends (SQLite BLOB, PostgreSQL bytea): the row's JSON
// (what its chain does not hold yet, bronze-delta.ts) packed by the stored JSON codec (issue 20). Rows written
// before hold the JSON text and are read as they are.

/** The doc column of snapshot `b`; `inherited` counts what it shares with the snapshot before it. */
export const bronzeDocColumn = (b: BronzeSnapshot, inherited?: BronzeInherited): Buffer =>
  packText(storedBronzeDoc(b, inherited));

/** Whole snapshots from doc columns given in chain order (each WP's rows by version). */
export const bronzeFromDocColumns = (docs: readonly unknown[]): BronzeSnapshot[] =>
  bronzeFromDocs(docs.map(unpackText));

/** The WP a doc column holds (its own notes only when the row inherits: what search reads of it). */
export const snapshotOfDocColumn = (doc: unknown): TrackedWorkPacket =>
  (JSON.parse(unpackText(doc)) as { snapshot: TrackedWorkPacket }).snapshot;
