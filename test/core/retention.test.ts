import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { steppingClock } from "../../src/domain/clock.js";
import { auditWp } from "../../src/operations/audit-trail.js";
import { replayCheck, verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { freshEngine, STORE_BACKENDS, sqliteBackend } from "../support/stores.js";

// Section 16, retention: `purge_events` removes only work_query_executed events and the capability decisions of
// jobs that recorded nothing else, older than the cutoff, through one checkpoint; verify and replay still pass,
// the audit still names who allowed each change, and a purged event that is edited or dropped is caught.

const coder = { capability_profile_id: "Coder", actor_id: "coder-1" };

/** A store with old reads, an old refused gate, old changes, and then recent reads. */
async function workedStore(engine: LocusEngine): Promise<void> {
  await wpIn(engine, "WP-r", "ready");
  for (let i = 0; i < 5; i++) await ok(engine, "query_ready", { limit: 5 });
  await refused(
    engine,
    "gate_wp",
    { wp_id: "WP-r", gate: "pre_work", result: { status: "pass" } },
    "HSK-403-CAPABILITY",
    coder,
  );
  await ok(engine, "gate_wp", { wp_id: "WP-r", gate: "pre_work", result: { status: "pass" } });
  // The steps above are old; what follows is recent (the clock steps one second per job).
  for (let i = 0; i < 3; i++) await ok(engine, "get_wp_status", { wp_id: "WP-r" });
}

for (const backend of STORE_BACKENDS) {
  describe(`retention purge (${backend.name})`, { skip: backend.skip }, () => {
    it("removes old reads and decision-only jobs, keeps every state event and its decisions; verify, replay, audit pass", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await workedStore(engine);
        const before = await store.readEvents();
        const stateJobs = new Set(
          before
            .filter((e) => e.event_name !== "capability_decision" && e.event_name !== "work_query_executed")
            .map((e) => e.job_id),
        );
        const dry = await ok(engine, "purge_events", { older_than: "4s", dry_run: true });
        assert.equal(
          (await store.readEvents()).length,
          before.length + 2,
          "a dry run adds only its decisions",
        );
        const done = await ok(engine, "purge_events", { older_than: "5s" });
        assert.ok((done.removed as number) > 0);
        assert.equal(done.removed, (dry.removed as number) + 0);
        const after = await store.readEvents();
        const gone = before.filter((e) => !after.some((a) => a.seq === e.seq));
        assert.equal(gone.length, done.removed);
        // Only reads and decisions of jobs that changed nothing went; they were all older than the cutoff.
        const cutoff = done.older_than as string;
        for (const event of gone) {
          assert.ok(
            ["work_query_executed", "capability_decision"].includes(event.event_name),
            event.event_name,
          );
          assert.ok(!stateJobs.has(event.job_id), `${event.event_name} of a job that changed state`);
          assert.ok(event.timestamp < cutoff);
        }
        assert.ok(
          gone.some((e) => e.payload.decision_outcome === "deny"),
          "the old refused gate's denial went",
        );
        // Everything recent stayed, and every state event with its decisions.
        assert.ok(
          before.filter((e) => e.timestamp >= cutoff).every((e) => after.some((a) => a.seq === e.seq)),
        );
        assert.ok(
          before.filter((e) => stateJobs.has(e.job_id)).every((e) => after.some((a) => a.seq === e.seq)),
        );
        assert.equal(after.at(-1)?.event_name, "events_purged");
        assert.equal((await verifyStore(store)).ok, true);
        assert.equal((await replayCheck(store)).ok, true);
        const audit = await auditWp(store, "WP-r");
        const gate = audit.changes.find((c) => c.operation === "gate_wp");
        assert.deepEqual(gate?.decisions, [{ capability_id: "locus.gate", outcome: "allow" }]);
        // A second purge with the same cutoff finds nothing more of that age.
        const again = await ok(engine, "purge_events", { older_than: "200s" });
        assert.equal(again.removed, 0);
        assert.equal(again.checkpoint_seq, null);
        // A Coder cannot purge (it needs locus.delete), and its refusal changes nothing but its decisions.
        await refused(engine, "purge_events", { older_than: "0s" }, "HSK-403-CAPABILITY", coder);
        assert.equal((await store.readPurgedEvents()).length, done.removed);
      } finally {
        await cleanup();
      }
    });

    it("a purged event edited or dropped is caught by verify, naming the checkpoint", async () => {
      const { engine, store, cleanup } = await freshEngine(backend);
      try {
        await workedStore(engine);
        const done = await ok(engine, "purge_events", { older_than: "5s" });
        const first = "(SELECT MIN(seq) FROM purged_events WHERE {ws})";
        await tamper(
          store,
          `UPDATE purged_events SET hash = (CASE WHEN substr(hash, 1, 1) = 'f' THEN '0' ELSE 'f' END) || substr(hash, 2) WHERE {ws} AND seq = ${first}`,
        );
        const edited = await verifyStore(store);
        assert.equal(edited.ok, false);
        await tamper(
          store,
          `UPDATE purged_events SET hash = '${"a".repeat(64)}' WHERE {ws} AND seq = ${first}`,
        );
        assert.equal((await verifyStore(store)).ok, false, "a hash made up is no better");
        await tamper(
          store,
          "DELETE FROM purged_events WHERE {ws} AND seq = (SELECT MAX(seq) FROM purged_events WHERE {ws})",
        );
        const dropped = await verifyStore(store);
        assert.equal(dropped.ok, false);
        assert.ok(
          dropped.reason?.includes(`checkpoint ${done.checkpoint_seq}`) ||
            dropped.reason?.includes("missing"),
          dropped.reason,
        );
      } finally {
        await cleanup();
      }
    });
  });
}

/** Edits the store behind Locus's back (an attacker with the file or the database); `{ws}` is its workspace. */
async function tamper(store: LocusStore, sql: string): Promise<void> {
  const raw = store as unknown as {
    db?: { exec(sql: string): void };
    pool?: { query(sql: string): Promise<unknown> };
    workspace?: string;
  };
  if (raw.db !== undefined) raw.db.exec(sql.replaceAll("{ws}", "1 = 1"));
  else await raw.pool?.query(sql.replaceAll("{ws}", `workspace_id = '${raw.workspace}'`));
}

describe("retention and replicas", () => {
  it("purged events never come back through a sync; a fresh replica accepts every change of a purged store", async () => {
    const places = await Promise.all([0, 1, 2].map(() => sqliteBackend.location()));
    const open = (url: string) => {
      const store = SqliteStore.open(url);
      const clock = steppingClock("2026-01-01T00:00:00.000Z", 1000);
      return { store, url, engine: new LocusEngine(store, { clock }) };
    };
    const [source, relay, fresh] = [
      open(places[0]?.url as string),
      open(places[1]?.url as string),
      open(places[2]?.url as string),
    ];
    try {
      await workedStore(source.engine);
      await ok(relay.engine, "sync_events", { peer: source.url, direction: "pull" });
      const before = await source.store.readEvents();
      await ok(source.engine, "purge_events", { older_than: "5s" });
      const kept = new Set((await source.store.readEvents()).map((e) => e.event_uuid));
      const removed = before.filter((e) => !kept.has(e.event_uuid)).map((e) => e.event_uuid);
      assert.ok(removed.length > 0);
      // The relay still holds them and offers them back: they are known, not applied again.
      await ok(source.engine, "sync_events", { peer: relay.url, direction: "pull" });
      const after = new Set((await source.store.readEvents()).map((e) => e.event_uuid));
      assert.deepEqual(
        removed.filter((uuid) => after.has(uuid)),
        [],
      );
      assert.equal((await verifyStore(source.store)).ok, true);
      assert.equal((await replayCheck(source.store)).ok, true);
      // A replica that never met the source gets every change, each with the decisions that allowed it.
      const synced = await ok(fresh.engine, "sync_events", { peer: source.url, direction: "pull" });
      assert.deepEqual(synced.refused, []);
      const wp = (await ok(fresh.engine, "get_wp_status", { wp_id: "WP-r" })).wp as { status: string };
      assert.equal(wp.status, "in_progress");
      assert.equal((await verifyStore(fresh.store)).ok, true);
    } finally {
      for (const side of [source, relay, fresh]) await side.store.close();
      for (const place of places) await place.cleanup();
    }
  });
});
