import { storedBronzeDoc } from "../../domain/events/bronze-delta.js";
import type { TrackedWorkPacket } from "../../domain/records.js";
import type { BronzeSnapshot } from "../store-port.js";
import { INSERT_NEW_WPS } from "./postgres-statements.js";

// Section 13: a sync writes thousands of WPs and snapshots in one transaction. One statement per row would cost
// a round trip each; these write a whole chunk in one (column arrays, unnest).

type Rows = (sql: string, values?: unknown[]) => Promise<unknown[]>;

/** WPs none of which is stored yet, with their readiness counters and labels (INSERT_NEW_WPS). */
export async function insertNewWps(rows: Rows, wps: readonly TrackedWorkPacket[]): Promise<void> {
  if (wps.length === 0) return;
  const column = <T>(pick: (wp: TrackedWorkPacket) => T) => wps.map(pick);
  const labels = wps.flatMap((wp) => wp.labels.map((label) => [label, wp.wp_id] as const));
  await rows(INSERT_NEW_WPS, [
    column((wp) => wp.wp_id),
    column((wp) => wp.status),
    column((wp) => wp.priority),
    column((wp) => wp.type),
    column((wp) => wp.governance.phase ?? null),
    column((wp) => wp.assignee ?? null),
    column((wp) => wp.created_at),
    column((wp) => Date.parse(wp.created_at)),
    column((wp) => wp.tombstone !== undefined),
    column((wp) => JSON.stringify(wp)),
    labels.map(([label]) => label),
    labels.map(([, wpId]) => wpId),
  ]);
}

/** Whole Bronze snapshots (nothing inherited from the one before). */
export async function putBronzes(rows: Rows, snapshots: readonly BronzeSnapshot[]): Promise<void> {
  if (snapshots.length === 0) return;
  const column = <T>(pick: (b: BronzeSnapshot) => T) => snapshots.map(pick);
  await rows(
    `INSERT INTO bronze (workspace_id, bronze_id, wp_id, version, operation, content_hash, previous_bronze_id,
       created_at, doc)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[],
       $9::text[])`,
    [
      column((b) => b.bronze_id),
      column((b) => b.wp_id),
      column((b) => b.version),
      column((b) => b.operation),
      column((b) => b.content_hash),
      column((b) => b.previous_bronze_id ?? null),
      column((b) => b.created_at),
      column((b) => storedBronzeDoc(b)),
    ],
  );
}
