import type Database from "better-sqlite3";
import type { TrackedDependency } from "../../domain/records.js";
import { packedUuidHex } from "../event-rows.js";
import { eventWpIds } from "../event-wp-ids.js";
import type { LogPageQuery, ReplicaLog, StoredEvent } from "../store-port.js";
import { dependencyDocSqlite } from "./sqlite-dependency-docs.js";
import {
  EVENT_ROW_SQLITE,
  sequenceSqlite,
  termInSqlite,
  termIsParameterSqlite,
} from "./sqlite-event-columns.js";
import { eventsOfRows } from "./sqlite-event-reads.js";

type Row = Record<string, unknown>;

/** Section 13 on the SQLite backend: the log and meta reads of replica sync, on the transaction's connection. */
export class SqliteReplicaLog implements ReplicaLog {
  constructor(private readonly prepared: (sql: string) => Database.Statement) {}

  async readMeta(prefix: string): Promise<Map<string, string>> {
    // substr, not LIKE: a prefix may hold `_` or `%`.
    const rows = this.prepared("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?").all(
      prefix.length,
      prefix,
    ) as Row[];
    return new Map(rows.map((row) => [row.key as string, row.value as string]));
  }

  async writeMeta(entries: readonly (readonly [string, string])[]): Promise<void> {
    const put = this.prepared("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    for (const [key, value] of entries) put.run(key, value);
  }

  async knownEvents(uuids: readonly string[]): Promise<Set<string>> {
    if (uuids.length === 0) return new Set();
    // Either stored form of a uuid (event-rows.ts): its bytes, or the text of rows written before; the answer is
    // the uuid asked for, as it was asked.
    const pairs = JSON.stringify(uuids.map((uuid) => [uuid, packedUuidHex(uuid) ?? null]));
    const rows = this.prepared(
      `SELECT j.value ->> 0 AS event_uuid FROM json_each(?) j
       WHERE EXISTS (SELECT 1 FROM events WHERE event_uuid IN (j.value ->> 0, unhex(j.value ->> 1)))
          OR EXISTS (SELECT 1 FROM purged_events WHERE event_uuid = j.value ->> 0)`,
    ).all(pairs) as Row[];
    return new Set(rows.map((row) => row.event_uuid as string));
  }

  async eventsAfter(query: LogPageQuery): Promise<StoredEvent[]> {
    const rows =
      query.replicaId === undefined
        ? this.prepared(`SELECT ${EVENT_ROW_SQLITE} FROM events e WHERE seq > ? ORDER BY seq LIMIT ?`).all(
            query.afterSeq,
            query.limit,
          )
        : this.prepared(
            `SELECT ${EVENT_ROW_SQLITE} FROM events e
             WHERE e.seq > ? AND ${termIsParameterSqlite("e.replica_id")} AND ${sequenceSqlite("e")} > ? ORDER BY e.seq LIMIT ?`,
          ).all(query.afterSeq, query.replicaId, query.replicaId, query.afterSequence ?? 0, query.limit);
    return eventsOfRows(this.prepared, rows as Row[]);
  }

  async eventsOfWps(wpIds: readonly string[]): Promise<StoredEvent[]> {
    if (wpIds.length === 0) return [];
    const rows = this.prepared(
      `SELECT ${EVENT_ROW_SQLITE} FROM events e WHERE e.seq IN (
         SELECT seq FROM events WHERE wp_id IN (SELECT value FROM json_each(?))
         UNION SELECT seq FROM events WHERE related_wp_id IN (SELECT value FROM json_each(?)))
       ORDER BY seq`,
    ).all(JSON.stringify(wpIds), JSON.stringify(wpIds)) as Row[];
    // The wp_id columns are outside the hash: keep what the hashed payload says is about the WPs (issue 21).
    const wanted = new Set(wpIds);
    return eventsOfRows(this.prepared, rows).filter((event) => {
      const [wpId, relatedWpId] = eventWpIds(event.payload);
      return (wpId !== null && wanted.has(wpId)) || (relatedWpId !== null && wanted.has(relatedWpId));
    });
  }

  async wpsWithEventsUpTo(wpIds: readonly string[], seq: number): Promise<Set<string>> {
    if (wpIds.length === 0) return new Set();
    const ids = JSON.stringify(wpIds);
    const rows = this.prepared(
      `SELECT value AS wp_id FROM json_each(?) WHERE
         EXISTS (SELECT 1 FROM events WHERE wp_id = value AND seq <= ?)
         OR EXISTS (SELECT 1 FROM events WHERE related_wp_id = value AND seq <= ?)`,
    ).all(ids, seq, seq) as Row[];
    return new Set(rows.map((row) => row.wp_id as string));
  }

  async dependencyEvents(): Promise<StoredEvent[]> {
    const rows = this.prepared(
      `SELECT ${EVENT_ROW_SQLITE} FROM events e
       WHERE ${termInSqlite("e.event_name", ["dependency_added", "dependency_removed"])} ORDER BY e.seq`,
    ).all() as Row[];
    return eventsOfRows(this.prepared, rows);
  }

  async allDependencies(): Promise<TrackedDependency[]> {
    const rows = this.prepared(
      `SELECT ${dependencyDocSqlite("d")} AS doc FROM dependencies d ORDER BY dependency_id`,
    ).all() as Row[];
    return rows.map((row) => JSON.parse(row.doc as string) as TrackedDependency);
  }
}
