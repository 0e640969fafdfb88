// Faults a person with SQL access can put in a Locus log, on either backend, and verify as it was before it read
// the log in pages (the whole log at once): the reference the paged verify must equal, report for report.
import Database from "better-sqlite3";
import pg from "pg";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { isLocusError, type LocusError } from "../../src/domain/errors.js";
import {
  type ChainReport,
  checkpointFault,
  eventHash,
  verifyChain,
} from "../../src/domain/events/hash-chain.js";
import { replay } from "../../src/domain/events/merge-fold.js";
import { faultReport, firstFault, stateFingerprint } from "../../src/operations/flight-recorder.js";
import { derivedColumnFault } from "../../src/store/event-derived-columns.js";
import { hashBytes, storedHash } from "../../src/store/event-rows.js";
import { parsePostgresUrl } from "../../src/store/postgres/postgres-store.js";
import type { LocusStore, StoredEvent } from "../../src/store/store-port.js";

/** The faults `tamperLog` puts at a seq. */
export const LOG_FAULTS = [
  "edit", // a hashed column edited
  "delete", // the row deleted
  "truncate", // the row and every row after it deleted
  "column", // a derived column (wp_id) edited
  "undecodable", // the payload made text that is not JSON
  "head-back", // the recorded head moved back to this seq: the rows after it look added
  "rewrite-last", // the last row edited and its hash recomputed (the seq is ignored)
  "purged-hash", // a purged event's hash edited (at this seq, if purged)
  "purged-drop", // a purged event's row removed from purged_events
] as const;

export type LogFault = (typeof LOG_FAULTS)[number];

/** Runs statements on the store at `url` outside Locus: `?` parameters; PostgreSQL rows of its workspace only. */
async function execute(url: string, statements: { sql: string; params: unknown[] }[]): Promise<void> {
  if (!url.startsWith("postgres")) {
    const db = new Database(url);
    try {
      for (const { sql, params } of statements) db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const { connectionString, workspace } = parsePostgresUrl(url);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const { sql, params } of statements) {
      let n = 0;
      const text = sql
        .replace(/\?/g, () => `$${++n}`)
        .replace(/WHERE /, `WHERE workspace_id = $${n + 1} AND `);
      await client.query(text, [...params, workspace]);
    }
  } finally {
    await client.end();
  }
}

/** Puts `fault` at `seq` in the log of `store` (open at `url`). */
export async function tamperLog(store: LocusStore, url: string, fault: LogFault, seq: number): Promise<void> {
  const postgres = url.startsWith("postgres");
  const events = await store.readEvents();
  switch (fault) {
    case "edit":
      return execute(url, [{ sql: "UPDATE events SET actor_id = 'mallory' WHERE seq = ?", params: [seq] }]);
    case "delete":
      return execute(url, [{ sql: "DELETE FROM events WHERE seq = ?", params: [seq] }]);
    case "truncate":
      return execute(url, [{ sql: "DELETE FROM events WHERE seq >= ?", params: [seq] }]);
    case "column":
      return execute(url, [{ sql: "UPDATE events SET wp_id = 'WP-elsewhere' WHERE seq = ?", params: [seq] }]);
    case "undecodable":
      return execute(url, [{ sql: "UPDATE events SET payload = '{not json' WHERE seq = ?", params: [seq] }]);
    case "head-back": {
      const event = events.find((e) => e.seq === seq);
      if (event === undefined) return;
      return execute(url, [
        { sql: "UPDATE meta SET value = ? WHERE key = 'head_seq'", params: [String(seq)] },
        { sql: "UPDATE meta SET value = ? WHERE key = 'head_hash'", params: [event.hash] },
      ]);
    }
    case "rewrite-last": {
      const last = events.at(-1) as StoredEvent;
      const { hash: _, ...unsealed } = { ...last, actor_id: "mallory" };
      const hash = eventHash(unsealed);
      return execute(url, [
        {
          sql: "UPDATE events SET actor_id = 'mallory', hash = ? WHERE seq = ?",
          params: [postgres ? hashBytes(hash) : storedHash(hash), last.seq],
        },
      ]);
    }
    case "purged-hash":
      return execute(url, [
        { sql: "UPDATE purged_events SET hash = ? WHERE seq = ?", params: ["0".repeat(64), seq] },
      ]);
    case "purged-drop":
      return execute(url, [{ sql: "DELETE FROM purged_events WHERE seq = ?", params: [seq] }]);
  }
}

/** `events verify` as it was: the whole log read at once, the prefix before an undecodable row verified. */
export async function verifyWholeLog(store: LocusStore): Promise<ChainReport> {
  const head = await store.transaction((tx) => tx.chainHead());
  let events: StoredEvent[];
  try {
    events = await store.readEvents();
  } catch (error) {
    if (!isLocusError(error) || error.code !== "HSK-400-INVALID-EVENT") throw error;
    const seq = error.details?.seq as number;
    const before = await store.readEvents({ limit: seq - 1 });
    const prefix = await verifyRows(store, before, { seq: seq - 1, hash: before.at(-1)?.hash ?? "" });
    if (!prefix.ok) return { ...prefix, head_seq: head.seq };
    return faultReport({ seq, reason: (error as LocusError).toJSON().message }, head.seq);
  }
  return verifyRows(store, events, head);
}

async function verifyRows(
  store: LocusStore,
  events: StoredEvent[],
  head: { seq: number; hash: string },
): Promise<ChainReport> {
  const purged = await store.readPurgedEvents();
  const chain = verifyChain(events, head, new Map(purged.map((event) => [event.seq, event.hash])));
  const derived = derivedColumnFault(events, await store.readDerivedEventColumns());
  return firstFault(chain, [checkpointFault(events, purged, store.replicaId), derived], head.seq);
}

/** The state replay built from the whole log read at once, as canonical text. */
export async function wholeLogReplay(store: LocusStore): Promise<string> {
  return canonicalJson(stateFingerprint(replay(await store.readEvents())));
}
