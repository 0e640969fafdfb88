// Issue 20, sixteenth part, on PostgreSQL (postgres-event-blocks.ts, postgres-event-packing.ts): maintenance
// moves cold events out of the events table whole, into event_blocks, and every reader of the log gives exactly
// what it gave before: a table of the store's states (every event a row; blocks packed in the ninth and twelfth
// parts' forms; whole blocks beside rows packed in the older forms and hot rows; every cold event whole), each read
// by every reader (pages by seq across every boundary, a WP's and a job's events, derived columns, the replica
// log's pages of each replica, WPs and dependency events, known uuids, retention's candidates, a hash at a seq, a
// used job id), with another replica's events, a deleted WP's and unusual forms among them. Retention then removes
// events from blocks and rows alike, and the log verifies and replays. A store set back before migration 20
// migrates, twice, reads as written, and its next compact moves the rows packed before into blocks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { steppingClock } from "../../src/domain/clock.js";
import { eventHash } from "../../src/domain/events/hash-chain.js";
import type { StoredEvent } from "../../src/domain/events/stored-event.js";
import { verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { type BlockEvent, decodeBlock, encodeBlock } from "../../src/store/event-block-body.js";
import { EVENT_BLOCKS_MIGRATION } from "../../src/store/postgres/postgres-event-blocks.js";
import { POSTGRES_MIGRATIONS } from "../../src/store/postgres/postgres-schema.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { ok, refused } from "../support/drive.js";
import { everyLogRead } from "../support/every-log-read.js";
import { assertLogSound } from "../support/log-sound.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";
import { packColdBlocks } from "../support/postgres-older-forms.js";

type Row = Record<string, unknown>;

/** The schema version that adds event_blocks (never hard-coded: other migrations are added beside it). */
const BLOCKS_VERSION = POSTGRES_MIGRATIONS.indexOf(EVENT_BLOCKS_MIGRATION) + 1;
/** Another replica, whose events this store holds as a sync would write them. */
const OTHER = "rep_01OTHERBLOCKREPLICA0000000";

/** A PostgreSQL workspace of its own, a clock a second a job, and raw reads bound to the workspace. */
async function freshStore(workspace: string) {
  const url = `${await withPostgres()}?workspace=${workspace}`;
  const store = await PostgresStore.open(url);
  const engine = new LocusEngine(store, { clock: steppingClock("2026-03-01T00:00:00.000Z", 1000) });
  const raw = (sql: string, params: unknown[] = []) => store.rawQueryForTests(sql, [workspace, ...params]);
  return { url, store, engine, raw };
}

/** Packs every cold block in the forms of the ninth and twelfth parts (rows kept, payloads in payload blocks). */
async function packInOlderForms(s: Awaited<ReturnType<typeof freshStore>>, blocks: number): Promise<void> {
  const head = (await s.store.readEvents()).at(-1)?.seq as number;
  await packColdBlocks((sql, values) => s.raw(sql, values), head, blocks);
}

/** Events of another replica and of unusual forms, sealed after the head, appended as a sync would. */
async function appendUnusual(store: PostgresStore): Promise<void> {
  await store.transaction(async (tx) => {
    let { seq, hash, sequence } = await tx.chainHead();
    const at = "2026-03-01T00:10:00.000Z";
    const forms = [
      { name: "diagnostic", timestamp: "2026-03-01T00:10:00Z", uuid: "Not-A-Uuid-Blocks", other: false },
      {
        name: "an_event_locus_does_not_know",
        timestamp: at,
        uuid: "0190a000-0000-7000-8000-0000000000b1",
        other: false,
      },
      { name: "diagnostic", timestamp: at, uuid: "0190a000-0000-7000-8000-0000000000b2", other: true },
      {
        name: "diagnostic",
        timestamp: "2026-03-01T00:10:00.000+00:00",
        uuid: "0190a000-0000-7000-8000-0000000000b3",
        other: true,
      },
    ];
    const sealed = forms.map((form, i) => {
      seq += 1;
      if (!form.other) sequence += 1;
      const eventSequence = form.other ? 7 + i : sequence;
      const replica = form.other ? OTHER : store.replicaId;
      const unsealed: Omit<StoredEvent, "hash"> = {
        seq,
        event_uuid: form.uuid,
        event_id: "FR-EVT-DIAG",
        event_name: form.name,
        timestamp: form.timestamp,
        trace_id: form.uuid,
        job_id: `0190a000-0000-7000-8000-0000000001b${i}`,
        protocol_id: "locus_test_v1",
        actor_id: "tester",
        replica_id: replica,
        sequence: eventSequence,
        vector_clock: form.other
          ? { [OTHER]: eventSequence, [store.replicaId]: sequence }
          : { [replica]: sequence },
        payload: { code: "T", message: `event ${seq}` },
        prev_hash: hash,
      };
      const event = { ...unsealed, hash: eventHash(unsealed) };
      hash = event.hash;
      return event;
    });
    await tx.appendEvents(sealed);
  });
}

describe("PostgreSQL cold events whole in blocks (issue 20, sixteenth part)", {
  skip: postgresSkipReason(),
}, () => {
  it("rows, older packed forms, whole blocks and a mix read the same through every reader", async () => {
    const s = await freshStore("whole_blocks");
    try {
      for (let i = 0; i < 12; i++) await ok(s.engine, "query_ready", { limit: 1 }); // purge candidates
      await runStandardDay(s.engine, 0, 12);
      await appendUnusual(s.store);
      await runStandardDay(s.engine, 12, 40);
      await ok(s.engine, "delete_wp", { wp_id: "WP-000003" });
      for (let i = 0; i < 3; i++) await ok(s.engine, "query_ready", { limit: 1 });
      await runStandardDay(s.engine, 40, 52);
      const events = await s.store.readEvents();
      assert.ok(events.length > 4 * 128 + 128, `${events.length} events: four cold blocks and hot rows`);
      const wpIds = ["WP-000001", "WP-000003", "WP-000020", "WP-000050"];
      const bounds = [
        "2026-03-01T00:00:05.000Z",
        events[200]?.timestamp as string,
        "2026-03-01T00:10:00.000Z",
        "2026-03-01T00:10:00Z",
        "2099-01-01T00:00:00.000Z",
      ];
      const scope = { wpIds, bounds, otherReplica: OTHER };
      const rows = await everyLogRead(s.store, events, scope);
      assert.ok(rows.log.other.length === 2 && rows.log.candidates[4]?.length, "the reads are not empty");
      assert.equal(rows.log.known.length, 4);

      await packInOlderForms(s, 3); // blocks 1-3 as the ninth and twelfth parts packed them
      assert.deepEqual(await everyLogRead(s.store, events, scope), rows, "rows packed in older forms");
      assert.equal(await compactStore(s.store, 1), 1); // block 1 whole, blocks 2-3 older forms, the rest rows
      const held = await s.raw("SELECT first_seq, last_seq FROM event_blocks WHERE workspace_id = $1");
      assert.deepEqual(
        held.map((row: Row) => [Number(row.first_seq), Number(row.last_seq)]),
        [[1, 128]],
      );
      assert.deepEqual(await everyLogRead(s.store, events, scope), rows, "whole blocks beside older forms");
      assert.ok((await compactStore(s.store)) >= 3);
      const left = await s.raw(
        `SELECT (SELECT min(seq) FROM events WHERE workspace_id = $1) AS first_row,
           (SELECT count(*) FROM event_blocks WHERE workspace_id = $1) AS blocks,
           (SELECT count(*) FROM event_payload_blocks WHERE workspace_id = $1) AS payload_blocks`,
      );
      const cold = Math.floor((events.length - 128) / 128);
      assert.deepEqual(left[0], {
        first_row: String(cold * 128 + 1),
        blocks: String(cold),
        payload_blocks: "0",
      });
      assert.deepEqual(await everyLogRead(s.store, events, scope), rows, "every cold event whole");
      await assertLogSound(s.store);

      // A job id used by a job whose events are in a block is refused; a new job still writes.
      const create = events.find((e) => e.event_name === "work_packet_created" && e.seq < 128) as StoredEvent;
      await refused(s.engine, "create_wp", { title: "again" }, "HSK-409-CONFLICT", { job_id: create.job_id });
      // Retention removes its candidates from blocks and rows alike, and keeps their seq, uuid and hash.
      const candidates = rows.log.candidates[4] as { seq: number; event_uuid: string }[];
      assert.ok(candidates.some((c) => c.seq < 128) && candidates.some((c) => c.seq > cold * 128));
      const purged = await ok(s.engine, "purge_events", { older_than: "0s" });
      assert.equal(Number(purged.removed), candidates.length);
      const gone = new Set(candidates.map((c) => c.seq));
      const kept = await s.store.readEvents();
      assert.deepEqual(
        kept.filter((e) => e.seq <= (events.at(-1) as StoredEvent).seq),
        events.filter((e) => !gone.has(e.seq)),
      );
      assert.deepEqual(
        (await s.store.readPurgedEvents()).map((p) => p.seq),
        [...gone].sort((a, b) => a - b),
      );
      const known = await s.store.transaction((tx) =>
        tx.replicaLog.knownEvents(candidates.map((c) => c.event_uuid)),
      );
      assert.equal(known.size, candidates.length, "a purged event is still known to a sync");
      await assertLogSound(s.store);
      await runStandardDay(s.engine, 52, 70);
      await compactStore(s.store);
      await assertLogSound(s.store);
    } finally {
      await s.store.close();
    }
  });

  it("a whole block edited outside Locus fails verify at the event it changed, or at its first seq", async () => {
    const s = await freshStore("whole_blocks_edit");
    try {
      await runStandardDay(s.engine, 0, 40);
      assert.ok((await compactStore(s.store)) >= 2);
      const bodyOf = async (first: number) =>
        (
          (
            await s.raw("SELECT body FROM event_blocks WHERE workspace_id = $1 AND first_seq = $2", [first])
          )[0] as Row
        ).body as Buffer;
      const put = (first: number, body: Buffer) =>
        s.raw("UPDATE event_blocks SET body = $3 WHERE workspace_id = $1 AND first_seq = $2", [first, body]);
      // An event's column changed inside a block that still reads: the chain breaks at that event.
      const second = await bodyOf(129);
      const entries = decodeBlock(second);
      (entries[9] as BlockEvent).event.actor_id = "mallory";
      await put(129, encodeBlock(entries));
      for (const pageSize of [1_000, 50])
        assert.equal((await verifyStore(s.store, { pageSize })).first_bad_seq, 138, `pages of ${pageSize}`);
      // A body that does not read: named by the block's first seq, what comes before verified (the second
      // block, then the first).
      for (const [first, body] of [
        [129, second],
        [1, await bodyOf(1)],
      ] as const) {
        await put(first, body.subarray(0, body.length >> 1));
        for (const pageSize of [1_000, 50]) {
          const report = await verifyStore(s.store, { pageSize });
          assert.equal(report.ok, false);
          assert.equal(report.first_bad_seq, first, `block ${first}, pages of ${pageSize}`);
        }
      }
    } finally {
      await s.store.close();
    }
  });

  it("a store set back before migration 20 migrates, twice safely, and its next compact moves packed rows", async () => {
    const s = await freshStore("whole_blocks_old");
    await runStandardDay(s.engine, 0, 30);
    await packInOlderForms(s, 100);
    const written = await s.store.readEvents();
    const packedBefore = await s.raw(
      "SELECT count(*) AS n FROM events WHERE workspace_id = $1 AND length(payload) = 0",
    );
    assert.ok(Number((packedBefore[0] as Row).n) >= 128, "rows packed in the older forms");
    await s.store.rawQueryForTests("DROP TABLE event_blocks");
    await s.store.rawQueryForTests("DELETE FROM locus_schema_version WHERE version >= $1", [BLOCKS_VERSION]);
    await s.store.close();
    for (const round of [1, 2]) {
      const reopened = await PostgresStore.open(s.url);
      try {
        assert.deepEqual(await reopened.readEvents(), written, `round ${round}: every event as written`);
        await assertLogSound(reopened, `round ${round}`);
      } finally {
        await reopened.rawQueryForTests("DELETE FROM locus_schema_version WHERE version >= $1", [
          BLOCKS_VERSION,
        ]);
        await reopened.close();
      }
    }
    const migrated = await PostgresStore.open(s.url);
    try {
      assert.ok((await compactStore(migrated)) >= 1);
      assert.deepEqual(await migrated.readEvents(), written);
      const forms = await migrated.rawQueryForTests(
        `SELECT (SELECT count(*) FROM events WHERE workspace_id = 'whole_blocks_old' AND length(payload) = 0) AS old,
           (SELECT count(*) FROM event_blocks WHERE workspace_id = 'whole_blocks_old') AS blocks`,
      );
      assert.deepEqual(forms[0], { old: "0", blocks: String(Math.floor((written.length - 128) / 128)) });
      await assertLogSound(migrated);
      await runStandardDay(new LocusEngine(migrated), 30, 40);
      await assertLogSound(migrated);
    } finally {
      await migrated.close();
    }
  });
});
