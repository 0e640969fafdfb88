// Issue 16 on every backend (STYLE 5): `events verify` and `locus replay` read the log in pages, and every report
// is the one the whole log read at once gives: each fault put at a page boundary and beside it, for pages of
// several sizes, names the same first bad seq, the same checked count and the same reason.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { steppingClock } from "../../src/domain/clock.js";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { ok } from "../support/drive.js";
import { type LogFault, tamperLog, verifyWholeLog } from "../support/log-faults.js";
import { STORE_BACKENDS, type StoreBackend } from "../support/stores.js";

const PAGE = 4;
const PAGE_SIZES = [1, 2, 3, PAGE, 5, 8, 1_000];

/** A store holding a few WPs and their updates; with `purge`, old reads first, removed by a retention purge. */
async function seeded(backend: StoreBackend, purge = false) {
  const location = await backend.location();
  const store: LocusStore = await openStore(parseStoreUrl(location.url, process.cwd()));
  const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
  if (purge) for (let i = 0; i < 3; i++) await ok(engine, "query_ready", { limit: 5 });
  for (const id of ["WP-1", "WP-2", "WP-3"]) {
    await ok(engine, "create_wp", { wp_id: id, title: id });
    await ok(engine, "update_wp", { wp_id: id, updates: { title: `${id} renamed` } });
  }
  await ok(engine, "add_dependency", { from_wp_id: "WP-1", to_wp_id: "WP-2", type: "blocks" });
  if (purge) await ok(engine, "purge_events", { older_than: "6s" });
  return {
    url: location.url,
    store,
    async cleanup() {
      await store.close();
      await location.cleanup();
    },
  };
}

/** Asserts verify in pages of every size gives the whole-log report; returns that report. */
async function assertPagedVerify(store: LocusStore, label: string) {
  const whole = await verifyWholeLog(store);
  for (const pageSize of PAGE_SIZES)
    assert.deepEqual(await verifyStore(store, { pageSize }), whole, `${label}, pages of ${pageSize}`);
  return whole;
}

/** Puts `kind` at `seq` in a fresh store and asserts verify in pages finds it as the whole log does. */
async function assertFaultPaged(backend: StoreBackend, purge: boolean, kind: LogFault, seq: number) {
  const ws = await seeded(backend, purge);
  try {
    await tamperLog(ws.store, ws.url, kind, seq);
    const whole = await assertPagedVerify(ws.store, `${kind} at ${seq}`);
    assert.equal(whole.ok, false, `${kind} at ${seq} is found`);
  } finally {
    await ws.cleanup();
  }
}

for (const backend of STORE_BACKENDS) {
  describe(`events verify and replay in pages (${backend.name})`, { skip: backend.skip }, () => {
    it("a sound log verifies and replays alike in pages of every size", async () => {
      for (const purge of [false, true]) {
        const ws = await seeded(backend, purge);
        try {
          assert.equal((await assertPagedVerify(ws.store, "sound")).ok, true);
          const whole = await replayCheck(ws.store, { pageSize: 1_000 });
          assert.equal(whole.ok, true);
          for (const pageSize of PAGE_SIZES)
            assert.deepEqual(
              await replayCheck(ws.store, { pageSize }),
              whole,
              `replay, pages of ${pageSize}`,
            );
        } finally {
          await ws.cleanup();
        }
      }
    });

    it("each fault on a page boundary and beside it: the report the whole log gives", async () => {
      const faults: LogFault[] = ["edit", "delete", "truncate", "column", "undecodable", "head-back"];
      const seqs = [PAGE, PAGE + 1, 2 * PAGE, 2 * PAGE + 1, 3 * PAGE];
      for (const fault of [
        ...faults.flatMap((f) => seqs.map((seq) => [f, seq] as const)),
        ["rewrite-last", 0] as const,
      ]) {
        await assertFaultPaged(backend, false, fault[0], fault[1]);
      }
    });

    it("a purged log: faults beside the purged events and at the checkpoint, in pages", async () => {
      const probe = await seeded(backend, true);
      const purged = await probe.store.readPurgedEvents();
      const kept = await probe.store.readEvents();
      await probe.cleanup();
      assert.ok(purged.length > 0, "the purge removed events");
      const firstPurged = purged[0]?.seq as number;
      const lastPurged = purged.at(-1)?.seq as number;
      const checkpoint = purged[0]?.checkpoint_seq as number;
      const afterPurged = kept.find((event) => event.seq > lastPurged)?.seq as number;
      const cases: [LogFault, number][] = [
        ["purged-hash", firstPurged],
        ["purged-hash", lastPurged],
        ["purged-drop", lastPurged],
        ["edit", afterPurged],
        ["delete", afterPurged],
        ["edit", checkpoint],
        ["column", afterPurged],
        ["truncate", checkpoint],
      ];
      for (const [kind, seq] of cases) await assertFaultPaged(backend, true, kind, seq);
    });

    it("an undecodable row right after purged events is named in pages too", async () => {
      const ws = await seeded(backend, true);
      try {
        const lastPurged = (await ws.store.readPurgedEvents()).at(-1)?.seq as number;
        const seq = (await ws.store.readEvents()).find((event) => event.seq > lastPurged)?.seq as number;
        await tamperLog(ws.store, ws.url, "undecodable", seq);
        for (const pageSize of PAGE_SIZES) {
          const report = await verifyStore(ws.store, { pageSize });
          assert.equal(report.first_bad_seq, seq, `pages of ${pageSize}`);
          assert.equal(report.checked, seq - 1);
          assert.match(report.reason ?? "", /payload is not JSON/);
        }
      } finally {
        await ws.cleanup();
      }
    });
  });
}
