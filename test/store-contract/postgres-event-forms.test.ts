// Issue 20, twelfth part, on PostgreSQL (postgres-event-forms.ts): maintenance gave packed events rows smaller
// forms (names and replica ids as term keys, a timestamp from its uuid and an offset, a sequence from the seq, the
// cold columns NULL; written here by test/support/postgres-older-forms.ts, as stores packed before hold them), and
// every reader gives back exactly what was written (every-log-read.ts: pages, a WP's and jobs' events, derived
// columns, the replica log, known uuids, retention's candidates, hashes, used job ids), a reused job id refused.
// Rows of unusual forms (another replica's events with their own sequence, a timestamp not in canonical form or
// far from its uuid, an unknown event name) read back as written. A store set back before migration 17 migrates,
// twice, and its log verifies and replays.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { eventHash } from "../../src/domain/events/hash-chain.js";
import type { StoredEvent } from "../../src/domain/events/stored-event.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { boundMs, MAX_PACKED_MS } from "../../src/store/event-timestamps.js";
import { EVENT_FORMS_MIGRATION, timestampBefore } from "../../src/store/postgres/postgres-event-forms.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/postgres-schema.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { ChainHead } from "../../src/store/store-port.js";
import { ok, refused } from "../support/drive.js";
import { everyLogRead } from "../support/every-log-read.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";
import { packColdBlocks, timestampOffset } from "../support/postgres-older-forms.js";

type Row = Record<string, unknown>;

/** The schema version that adds the forms (never hard-coded: other migrations are added beside it). */
const FORMS_VERSION = POSTGRES_MIGRATIONS.indexOf(EVENT_FORMS_MIGRATION) + 1;
/** Another replica, whose events this store holds as a sync would write them. */
const OTHER = "rep_01OTHERREPLICA000000000000";

/** A UUIDv7 text whose milliseconds are `ms`, the rest fixed by `n`. */
const uuidAt = (ms: number, n: number): string => {
  const time = ms.toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8)}-7000-8000-${n.toString(16).padStart(12, "0")}`;
};

/** What an unusual event is: its name, timestamp, uuid, and the replica and sequence it comes from. */
interface Unusual {
  name: string;
  timestamp: string;
  uuid: string;
  replica?: string;
  sequence?: number;
}

/** The unusual events of the test, made at `now` (ms). */
function unusualEvents(now: number): Unusual[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    { name: "diagnostic", timestamp: iso(now + 1_234), uuid: uuidAt(now, 1) }, // an offset
    { name: "diagnostic", timestamp: iso(now - 5), uuid: uuidAt(now, 2) }, // a negative offset
    { name: "diagnostic", timestamp: iso(now + 32_767), uuid: uuidAt(now, 3) }, // the largest offset
    { name: "diagnostic", timestamp: iso(now + 32_768), uuid: uuidAt(now, 4) }, // too far: kept as text
    {
      name: "diagnostic",
      timestamp: "2026-12-05T14:00:00Z",
      uuid: uuidAt(Date.parse("2026-12-05T14:00:00Z"), 5),
    },
    { name: "diagnostic", timestamp: "2026-12-05T14:00:00.000+00:00", uuid: uuidAt(now, 6) },
    { name: "diagnostic", timestamp: iso(now), uuid: "00000000-0000-4000-8000-000000000007" }, // a v4 uuid
    { name: "diagnostic", timestamp: iso(now), uuid: "Not-A-Uuid-8" }, // an id kept as text
    { name: "an_event_locus_does_not_know", timestamp: iso(now), uuid: uuidAt(now, 9) },
    { name: "diagnostic", timestamp: iso(now), uuid: uuidAt(now, 10), replica: OTHER, sequence: 7 },
    {
      name: "a_name_from_the_other_replica",
      timestamp: iso(now),
      uuid: uuidAt(now, 11),
      replica: OTHER,
      sequence: 8,
    },
  ];
}

/** The unusual events sealed after `head`; this replica's advance its sequence, the other's carry their own. */
function sealUnusual(head: ChainHead, replicaId: string, unusual: Unusual[]): StoredEvent[] {
  let { seq, hash, sequence } = head;
  return unusual.map((u) => {
    seq += 1;
    const own = u.replica === undefined;
    if (own) sequence += 1;
    const eventSequence = own ? sequence : (u.sequence as number);
    const unsealed: Omit<StoredEvent, "hash"> = {
      seq,
      event_uuid: u.uuid,
      event_id: "FR-EVT-DIAG",
      event_name: u.name,
      timestamp: u.timestamp,
      trace_id: u.uuid,
      job_id: uuidAt(Date.now(), 1_000 + seq),
      protocol_id: "locus_test_v1",
      actor_id: "tester",
      replica_id: u.replica ?? replicaId,
      sequence: eventSequence,
      vector_clock: own ? { [replicaId]: eventSequence } : { [OTHER]: eventSequence, [replicaId]: sequence },
      payload: { code: "T", message: `event ${seq}` },
      prev_hash: hash,
    };
    const event = { ...unsealed, hash: eventHash(unsealed) };
    hash = event.hash;
    return event;
  });
}

/** A PostgreSQL workspace of its own with the system clock (timestamps near their uuids), and raw reads. */
async function freshStore(workspace: string) {
  const url = `${await withPostgres()}?workspace=${workspace}`;
  const store = await PostgresStore.open(url);
  const engine = new LocusEngine(store);
  const raw = (sql: string, params: unknown[] = []) => store.rawQueryForTests(sql, [workspace, ...params]);
  return { url, store, engine, raw };
}

/**
 * Packs every cold block in the forms of the ninth and twelfth parts, as maintenance did before the sixteenth
 * part (whose compact moves packed rows into whole blocks, postgres-event-packing.ts).
 */
async function packInRowForms(store: PostgresStore, workspace: string): Promise<number> {
  const head = (await store.readEvents()).at(-1)?.seq as number;
  const rows = (sql: string, values: unknown[]) => store.rawQueryForTests(sql, [workspace, ...values]);
  return (await packColdBlocks(rows, head, 1_000)).packed;
}

describe("PostgreSQL packed events rows in smaller forms (issue 20, twelfth part)", {
  skip: postgresSkipReason(),
}, () => {
  it("packed rows take the forms; every reader reads them as written, unusual rows too", async () => {
    const s = await freshStore("forms");
    try {
      for (let i = 0; i < 10; i++) await ok(s.engine, "query_ready", { limit: 1 }); // purge candidates
      await runStandardDay(s.engine, 0, 3);
      const now = Date.now();
      const unusual = unusualEvents(now);
      const head = await s.store.transaction(async (tx) => {
        const sealed = sealUnusual(await tx.chainHead(), s.store.replicaId, unusual);
        await tx.appendEvents(sealed);
        return sealed[0]?.seq as number;
      });
      await runStandardDay(s.engine, 3, 30);
      const written = await s.store.readEvents();
      const wpIds = ["WP-000001", "WP-000002"];
      const bounds = [
        new Date(now - 60_000).toISOString(),
        written[12]?.timestamp as string,
        new Date(now + 10_000).toISOString(),
        new Date(now + 32_768).toISOString(),
        "2026-12-05T14:00:00.000Z",
      ];
      const scope = { wpIds, bounds, otherReplica: OTHER };
      const before = await everyLogRead(s.store, written, scope);
      assert.ok(before.log.other.length === 1 && before.log.own.length > 100, "the pages are not empty");
      assert.ok(before.log.candidates[2]?.length, "some events are purge candidates");
      assert.ok((await packInRowForms(s.store, "forms")) >= 2);

      const packed = await s.raw(
        `SELECT seq, event_name, name_key, replica_id, replica_key, timestamp, timestamp_offset, sequence,
           event_id, trace_id, protocol_id, actor_id FROM events WHERE workspace_id = $1 AND length(payload) = 0
         ORDER BY seq`,
      );
      assert.ok(packed.length >= 256);
      const bySeq = new Map(packed.map((row) => [Number(row.seq), row]));
      for (const row of packed) {
        assert.ok(row.event_name === null && row.name_key !== null, `seq ${row.seq}: its name as a key`);
        assert.ok(
          row.replica_id === null && row.replica_key !== null,
          `seq ${row.seq}: its replica as a key`,
        );
        for (const column of ["event_id", "trace_id", "protocol_id", "actor_id"])
          assert.equal(row[column], null, `seq ${row.seq}: ${column} in its block`);
      }
      const textTimestamps = packed.filter((row) => row.timestamp !== null).map((row) => Number(row.seq));
      assert.deepEqual(
        textTimestamps,
        [head + 3, head + 4, head + 5, head + 6, head + 7],
        "the unusual ones only",
      );
      assert.deepEqual(
        [0, 1, 2].map((i) => bySeq.get(head + i)?.timestamp_offset),
        [1_234, -5, 32_767],
      );
      assert.ok(
        packed.filter((row) => row.sequence !== null).every((row) => Number(row.seq) >= head + 9),
        "a sequence is kept only from the other replica's events on",
      );
      assert.deepEqual(
        [9, 10].map((i) => Number(bySeq.get(head + i)?.sequence)),
        [7, 8],
      );

      assert.deepEqual(await everyLogRead(s.store, written, scope), before);
      await assertLogSound(s.store);
      // Sixteenth part: the packed rows, unusual ones too, move whole into blocks, and read the same.
      assert.ok((await compactStore(s.store)) >= 2);
      assert.deepEqual(await everyLogRead(s.store, written, scope), before);
      await assertLogSound(s.store);
      // The audit of a job whose events are packed, and a job id used by a packed job is still refused.
      const create = written.find((e) => e.event_name === "work_packet_created") as StoredEvent;
      assert.ok(bySeq.has(create.seq));
      await refused(s.engine, "create_wp", { title: "again" }, "HSK-409-CONFLICT", { job_id: create.job_id });
      // Jobs after packing chain on the packed rows; a purge after packing removes what it would have.
      await runStandardDay(s.engine, 30, 35);
      const purged = await ok(s.engine, "purge_events", { older_than: "0s" });
      assert.ok(Number(purged.removed) >= 20);
      await assertLogSound(s.store);
    } finally {
      await s.store.close();
    }
  });

  it("a timestamp packed in its uuid and offset is the one written, and retention's bound selects as on text", async () => {
    const s = await freshStore("forms_times");
    try {
      const canonical = fc.integer({ min: 0, max: MAX_PACKED_MS }).map((ms) => new Date(ms).toISOString());
      const cases = fc.sample(fc.tuple(canonical, fc.integer({ min: -40_000, max: 40_000 }), canonical), 400);
      const rows = cases.map(([text, shift, bound]) => {
        const ms = Date.parse(text);
        const uuid = Buffer.alloc(16, 0xab);
        uuid.writeUIntBE(Math.max(ms - shift, 0), 0, 6);
        return { text, ms, uuid, offset: timestampOffset(text, uuid), bound };
      });
      assert.ok(rows.some((row) => row.offset === undefined) && rows.some((row) => row.offset !== undefined));
      const found = await s.store.rawQueryForTests(
        `SELECT ${timestampBefore("e", "e.bound_text", "e.bound_ms")} AS before_bound,
           ${timestampBefore("e", "e.text", "e.ms + 1")} AND NOT ${timestampBefore("e", "e.text", "e.ms")} AS at_ms
         FROM (SELECT u.event_uuid, u.timestamp_offset, CASE WHEN u.packed THEN NULL ELSE u.text END AS timestamp,
           u.text, u.ms, u.bound_text, u.bound_ms, u.i
           FROM unnest($1::bytea[], $2::smallint[], $3::boolean[], $4::text[], $5::bigint[], $6::text[], $7::bigint[])
             WITH ORDINALITY AS u (event_uuid, timestamp_offset, packed, text, ms, bound_text, bound_ms, i)) e
         ORDER BY e.i`,
        [
          rows.map((row) => row.uuid),
          rows.map((row) => (row.offset === 0 ? null : (row.offset ?? null))),
          rows.map((row) => row.offset !== undefined),
          rows.map((row) => row.text),
          rows.map((row) => row.ms),
          rows.map((row) => row.bound),
          rows.map((row) => boundMs(row.bound)),
        ],
      );
      rows.forEach((row, i) => {
        const got = found[i] as Row;
        const what = `${row.text} offset ${row.offset} bound ${row.bound}`;
        if (row.offset !== undefined) assert.equal(got.at_ms, true, `${what}: read back as its milliseconds`);
        assert.equal(got.before_bound, row.text < row.bound, `${what}: before the bound as its text is`);
      });
    } finally {
      await s.store.close();
    }
  });

  it("a store set back before migration 17 migrates, twice safely, and packs in the new forms", async () => {
    const s = await freshStore("forms_old");
    await runStandardDay(s.engine, 0, 25);
    await packInRowForms(s.store, "forms_old");
    const written = await s.store.readEvents();
    // The rows as the ninth part packed them (texts, sequences and empty cold columns), then the schema before 17.
    for (const e of written)
      await s.raw(
        `UPDATE events SET event_name = $3, replica_id = $4, timestamp = $5, sequence = $6, name_key = NULL,
           replica_key = NULL, timestamp_offset = NULL, event_id = COALESCE(event_id, ''),
           trace_id = COALESCE(trace_id, ''::bytea), protocol_id = COALESCE(protocol_id, ''),
           actor_id = COALESCE(actor_id, '') WHERE workspace_id = $1 AND seq = $2`,
        [e.seq, e.event_name, e.replica_id, e.timestamp, e.sequence],
      );
    const notNull = [
      "event_id",
      "event_name",
      "timestamp",
      "trace_id",
      "protocol_id",
      "actor_id",
      "replica_id",
    ];
    await s.store.rawQueryForTests(
      `ALTER TABLE events DROP COLUMN name_key, DROP COLUMN replica_key, DROP COLUMN timestamp_offset,
         ${[...notNull, "sequence"].map((column) => `ALTER COLUMN ${column} SET NOT NULL`).join(", ")}`,
    );
    await s.store.rawQueryForTests("DROP TABLE event_terms");
    await s.store.rawQueryForTests("DELETE FROM locus_schema_version WHERE version >= $1", [FORMS_VERSION]);
    await s.store.close();
    for (const round of [1, 2]) {
      const reopened = await PostgresStore.open(s.url);
      try {
        assert.deepEqual(await reopened.readEvents(), written, `round ${round}: every event as written`);
        await assertLogSound(reopened, `round ${round}`);
      } finally {
        await reopened.close();
      }
      const again = await PostgresStore.open(s.url);
      await again.rawQueryForTests("DELETE FROM locus_schema_version WHERE version >= $1", [FORMS_VERSION]);
      await again.close();
    }
    const migrated = await PostgresStore.open(s.url);
    try {
      const engine = new LocusEngine(migrated);
      await runStandardDay(engine, 25, 50);
      const all = await migrated.readEvents();
      assert.ok((await packInRowForms(migrated, "forms_old")) >= 1);
      assert.deepEqual(await migrated.readEvents(), all);
      const forms = await migrated.rawQueryForTests(
        `SELECT count(*) FILTER (WHERE event_name IS NULL) AS keyed, count(*) FILTER (WHERE event_name IS NOT NULL
           AND length(payload) = 0) AS old FROM events WHERE workspace_id = 'forms_old'`,
      );
      assert.ok(Number((forms[0] as Row).keyed) >= 128, "blocks packed after the migration take the forms");
      assert.ok(Number((forms[0] as Row).old) >= 128, "rows packed before keep theirs");
      await assertLogSound(migrated);
    } finally {
      await migrated.close();
    }
  });
});
