// A SQLite peer's origin read (issue 12, the first pull of a process, fourth round): a sync reads the peer's events
// with readOriginEvents, which selects no hash and no derived column. Every page it gives is originOf of what
// readEvents gives for the same page, field for field, before and after maintenance packed the rows (cold blocks,
// short hashes, packed timestamps, terms and job ids), for events of this replica and of another one.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { runStandardDay } from "../../bench/storage-footprint.js";
import { originOf } from "../../src/domain/events/stored-event.js";
import { compactStore } from "../../src/operations/maintenance/compact-store.js";
import { ORIGIN_ROW_SQLITE, originRowOf } from "../../src/store/sqlite/sqlite-event-columns.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore, OriginPage } from "../../src/store/store-port.js";
import { sqliteBackend } from "../support/stores.js";
import { assertSound, fingerprint, openReplicas, type Replica, sync } from "./sync-support.js";

const set = await openReplicas([sqliteBackend, sqliteBackend]);
after(() => set.close());
const [a, b] = set.replicas as [Replica, Replica];

/** Asserts every page of `store`'s log read both ways is the same, at several page sizes and starts. */
async function assertSameOrigins(store: LocusStore): Promise<number> {
  const read = (afterSeq: number, limit: number): Promise<OriginPage> => {
    if (store.readOriginEvents === undefined) assert.fail("a SQLite store reads origin events");
    return store.readOriginEvents(afterSeq, limit);
  };
  const head = (await store.readEvents()).length;
  for (const limit of [1, 7, 128, 1_000]) {
    for (let afterSeq = 0; afterSeq <= head; afterSeq += limit === 1 ? 37 : limit) {
      const events = await store.readEvents({ afterSeq, limit });
      const page = await read(afterSeq, limit);
      assert.deepStrictEqual(page.events, events.map(originOf), `page after ${afterSeq}, limit ${limit}`);
      assert.equal(page.lastSeq, events.at(-1)?.seq ?? afterSeq);
    }
  }
  return head;
}

describe("a SQLite peer's origin read", () => {
  it("makes each raw row the object of ORIGIN_ROW_SQLITE's own column names, in order", () => {
    const db = (a.store as SqliteStore).rawConnectionForTests();
    const names = db.prepare(`SELECT ${ORIGIN_ROW_SQLITE} FROM events e`).columns();
    const values = names.map((_, i) => `value ${i}`);
    assert.deepStrictEqual(
      Object.entries(originRowOf(values)),
      names.map((column, i) => [column.name, `value ${i}`]),
    );
  });

  it("is originOf of readEvents, page for page, before and after the rows are packed", async () => {
    await runStandardDay(a.engine, 0, 20);
    await sync(b, a.url, "pull");
    await runStandardDay(b.engine, 20, 40);
    await sync(a, b.url, "pull");
    const events = await assertSameOrigins(b.store);
    assert.ok(events > 300, "blocks of 128 to pack");
    const foreign = (await b.store.readEvents()).filter((e) => e.replica_id !== b.store.replicaId);
    assert.ok(foreign.length > 100, "events of another replica, with their own sequences and clocks");
    await compactStore(b.store);
    await compactStore(a.store);
    for (const store of [a.store, b.store]) {
      const db = (store as SqliteStore).rawConnectionForTests();
      const blocks = db.prepare("SELECT count(*) AS n FROM event_payload_blocks").get() as { n: number };
      assert.ok(blocks.n >= 2, `rows packed in blocks (${blocks.n})`);
    }
    await assertSameOrigins(b.store);
    await assertSameOrigins(a.store);
  });

  it("replicas pulling from packed peers converge, and their logs stay sound", async () => {
    await runStandardDay(a.engine, 40, 44);
    await sync(b, a.url, "pull");
    await sync(a, b.url, "pull");
    assert.equal(await fingerprint(a), await fingerprint(b));
    await assertSound(a);
    await assertSound(b);
  });
});
