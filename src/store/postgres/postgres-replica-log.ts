import type { TrackedDependency } from "../../domain/records.js";
import { eventFromRow, uuidBytes, uuidFromColumn } from "../event-rows.js";
import { eventWpIds } from "../event-wp-ids.js";
import type { LogPageQuery, ReplicaLog, StoredEvent } from "../store-port.js";
import { blockEvents, blockMayName, blockMayReplica, eventsOf, mergeBySeq } from "./postgres-event-blocks.js";
import {
  EVENT_ROW_POSTGRES,
  EVENTS_POSTGRES,
  eventNameIn,
  replicaIs,
  sequenceOf,
} from "./postgres-event-forms.js";
import { dependencyDocPostgres } from "./postgres-key-forms.js";
import { withBlocks } from "./postgres-payload-blocks.js";

type Row = Record<string, unknown>;
/** Runs a static statement with `$1` bound to the workspace. */
type Rows = (sql: string, values?: unknown[]) => Promise<Row[]>;

/** Section 13 on the PostgreSQL backend: the log and meta reads of replica sync, on the transaction's client. */
export class PostgresReplicaLog implements ReplicaLog {
  constructor(private readonly rows: Rows) {}

  async readMeta(prefix: string): Promise<Map<string, string>> {
    const rows = await this.rows(
      "SELECT key, value FROM meta WHERE workspace_id = $1 AND left(key, length($2)) = $2",
      [prefix],
    );
    return new Map(rows.map((row) => [row.key as string, row.value as string]));
  }

  async writeMeta(entries: readonly (readonly [string, string])[]): Promise<void> {
    if (entries.length === 0) return;
    await this.rows(
      `INSERT INTO meta (workspace_id, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
       ON CONFLICT (workspace_id, key) DO UPDATE SET value = excluded.value`,
      [entries.map(([key]) => key), entries.map(([, value]) => value)],
    );
  }

  async knownEvents(uuids: readonly string[]): Promise<Set<string>> {
    if (uuids.length === 0) return new Set();
    const bytes = uuids.map(uuidBytes);
    const rows = await this.rows(
      // events holds uuids as bytes (event-rows.ts), purged_events as text.
      `SELECT event_uuid, NULL::text AS purged_uuid FROM events WHERE workspace_id = $1 AND event_uuid = ANY($3::bytea[])
       UNION ALL SELECT NULL::bytea, event_uuid FROM purged_events WHERE workspace_id = $1 AND event_uuid = ANY($2::text[])`,
      [[...uuids], bytes],
    );
    const known = new Set(
      rows.map((row) => (row.purged_uuid as string | null) ?? uuidFromColumn(row.event_uuid)),
    );
    // Issue 20, sixteenth part: and the blocks whose uuid range holds one of them (no unique index spans both).
    const offered = new Set(uuids);
    const inBlocks = await blockEvents(this.rows, {
      // Found by event_blocks_by_uuid from each uuid up: an offered event newer than every block finds none.
      where: `first_seq IN (SELECT b.first_seq FROM unnest($5::bytea[]) u
        JOIN event_blocks b ON b.workspace_id = $1 AND b.high_uuid >= u AND b.low_uuid <= u)`,
      values: [bytes],
      keep: (record) => offered.has(record.event_uuid),
    });
    for (const entry of inBlocks) known.add(entry.event.event_uuid);
    return known;
  }

  async eventsAfter(query: LogPageQuery): Promise<StoredEvent[]> {
    const { replicaId, afterSequence = 0 } = query;
    const rows =
      replicaId === undefined
        ? await this.rows(
            `SELECT ${EVENT_ROW_POSTGRES} FROM ${EVENTS_POSTGRES} WHERE workspace_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
            [query.afterSeq, query.limit],
          )
        : await this.rows(
            `SELECT ${EVENT_ROW_POSTGRES} FROM ${EVENTS_POSTGRES} WHERE workspace_id = $1 AND seq > $2 AND ${replicaIs("e", "$3")}
               AND ${sequenceOf("e")} > $4
             ORDER BY seq LIMIT $5`,
            [query.afterSeq, replicaId, afterSequence, query.limit],
          );
    const fromRows = (await withBlocks(this.rows, rows)).map(eventFromRow);
    const fromBlocks = await blockEvents(this.rows, {
      afterSeq: query.afterSeq,
      limit: query.limit,
      ...(replicaId === undefined
        ? {}
        : {
            where: blockMayReplica("$5"),
            values: [replicaId],
            keep: (record) => record.replica_id === replicaId && record.sequence > afterSequence,
          }),
    });
    return mergeBySeq(fromRows, eventsOf(fromBlocks), query.limit);
  }

  async eventsOfWps(wpIds: readonly string[]): Promise<StoredEvent[]> {
    if (wpIds.length === 0) return [];
    const rows = await this.rows(
      `SELECT ${EVENT_ROW_POSTGRES} FROM ${EVENTS_POSTGRES}
       WHERE workspace_id = $1 AND (wp_id = ANY($2::text[]) OR related_wp_id = ANY($2::text[]))
       ORDER BY seq`,
      [[...wpIds]],
    );
    // The wp_id columns are outside the hash: keep what the hashed payload says is about the WPs (issue 21).
    const wanted = new Set(wpIds);
    const fromBlocks = await blockEvents(this.rows, {
      where: "wp_ids && $5::text[]",
      values: [[...wpIds]],
      keep: (record) =>
        (record.wp_id !== null && wanted.has(record.wp_id)) ||
        (record.related_wp_id !== null && wanted.has(record.related_wp_id)),
    });
    const fromRows = (await withBlocks(this.rows, rows)).map(eventFromRow);
    return mergeBySeq(fromRows, eventsOf(fromBlocks)).filter((event) => {
      const [wpId, relatedWpId] = eventWpIds(event.payload);
      return (wpId !== null && wanted.has(wpId)) || (relatedWpId !== null && wanted.has(relatedWpId));
    });
  }

  async wpsWithEventsUpTo(wpIds: readonly string[], seq: number): Promise<Set<string>> {
    if (wpIds.length === 0) return new Set();
    const rows = await this.rows(
      `SELECT DISTINCT id AS wp_id FROM unnest($2::text[]) AS id WHERE
         EXISTS (SELECT 1 FROM events WHERE workspace_id = $1 AND wp_id = id AND seq <= $3)
         OR EXISTS (SELECT 1 FROM events WHERE workspace_id = $1 AND related_wp_id = id AND seq <= $3)`,
      [[...wpIds], seq],
    );
    const found = new Set(rows.map((row) => row.wp_id as string));
    const rest = wpIds.filter((wpId) => !found.has(wpId));
    if (rest.length === 0) return found;
    const wanted = new Set(rest);
    const inBlocks = await blockEvents(this.rows, {
      beforeSeq: seq + 1,
      where: "wp_ids && $5::text[]",
      values: [rest],
    });
    for (const { wp_id, related_wp_id } of inBlocks) {
      if (wp_id !== null && wanted.has(wp_id)) found.add(wp_id);
      if (related_wp_id !== null && wanted.has(related_wp_id)) found.add(related_wp_id);
    }
    return found;
  }

  async dependencyEvents(): Promise<StoredEvent[]> {
    const names = ["dependency_added", "dependency_removed"];
    const rows = await this.rows(
      `SELECT ${EVENT_ROW_POSTGRES} FROM ${EVENTS_POSTGRES}
       WHERE workspace_id = $1 AND ${eventNameIn("e", names)}
       ORDER BY seq`,
    );
    const fromBlocks = await blockEvents(this.rows, {
      where: blockMayName("$5"),
      values: [names],
      keep: (record) => names.includes(record.event_name),
    });
    return mergeBySeq((await withBlocks(this.rows, rows)).map(eventFromRow), eventsOf(fromBlocks));
  }

  async allDependencies(): Promise<TrackedDependency[]> {
    const rows = await this.rows(
      `SELECT ${dependencyDocPostgres("d")} AS doc FROM dependencies d WHERE workspace_id = $1 ORDER BY dependency_id`,
    );
    return rows.map((row) => JSON.parse(row.doc as string) as TrackedDependency);
  }
}
