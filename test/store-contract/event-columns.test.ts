// Issue 21 holes 6 and 11 on every backend (STYLE 5): the events table's unhashed columns (wp_id,
// related_wp_id, derived from the payload) edited with SQL are found by verifyStore, which names the first bad
// seq; a `wpId` read trusts only the hashed payload; a payload that is not JSON is named by its seq
// (HSK-400-INVALID-EVENT), not reported as a storage failure.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { steppingClock } from "../../src/domain/clock.js";
import { isLocusError } from "../../src/domain/errors.js";
import { verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import { parsePostgresUrl } from "../../src/store/postgres/postgres-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { ok } from "../support/drive.js";
import { STORE_BACKENDS, type StoreBackend } from "../support/stores.js";

/** Runs one UPDATE on the events table of the store at `url`, outside Locus (as a person with SQL access). */
async function tamper(url: string, set: string, seq: number): Promise<void> {
  if (url.startsWith("postgres")) {
    const { connectionString, workspace } = parsePostgresUrl(url);
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      const done = await client.query(`UPDATE events SET ${set} WHERE workspace_id = $1 AND seq = $2`, [
        workspace,
        seq,
      ]);
      assert.equal(done.rowCount, 1);
    } finally {
      await client.end();
    }
    return;
  }
  const db = new Database(url);
  try {
    assert.equal(db.prepare(`UPDATE events SET ${set} WHERE seq = ?`).run(seq).changes, 1);
  } finally {
    db.close();
  }
}

/** A store at a fresh location holding two WPs, an update of WP-1 and an edge WP-1 blocks WP-2. */
async function seeded(backend: StoreBackend) {
  const location = await backend.location();
  const store: LocusStore = await openStore(parseStoreUrl(location.url, process.cwd()));
  const engine = new LocusEngine(store, { clock: steppingClock("2026-01-01T00:00:00.000Z", 1000) });
  for (const id of ["WP-1", "WP-2"]) await ok(engine, "create_wp", { wp_id: id, title: id });
  await ok(engine, "update_wp", { wp_id: "WP-1", updates: { title: "renamed" } });
  await ok(engine, "add_dependency", { from_wp_id: "WP-1", to_wp_id: "WP-2", type: "blocks" });
  const seqOf = async (name: string) =>
    (await store.readEvents()).find((event) => event.event_name === name)?.seq as number;
  return {
    url: location.url,
    store,
    seqOf,
    async cleanup() {
      await store.close();
      await location.cleanup();
    },
  };
}

for (const backend of STORE_BACKENDS) {
  describe(`events table columns outside the hash (${backend.name})`, { skip: backend.skip }, () => {
    it("an untouched store verifies, and a wpId read returns both ends of the edge", async () => {
      const ws = await seeded(backend);
      try {
        assert.equal((await verifyStore(ws.store)).ok, true);
        const about2 = await ws.store.readEvents({ wpId: "WP-2" });
        assert.ok(about2.some((event) => event.event_name === "dependency_added"));
      } finally {
        await ws.cleanup();
      }
    });

    it("wp_id moved to another WP: verify names the seq; a wpId read does not list it", async () => {
      const ws = await seeded(backend);
      try {
        const seq = await ws.seqOf("work_packet_updated");
        await tamper(ws.url, "wp_id = 'WP-2'", seq);
        const report = await verifyStore(ws.store);
        assert.equal(report.ok, false);
        assert.equal(report.first_bad_seq, seq);
        assert.match(report.reason ?? "", /wp_id column says WP-2/);
        const about2 = await ws.store.readEvents({ wpId: "WP-2" });
        assert.ok(!about2.some((event) => event.seq === seq));
      } finally {
        await ws.cleanup();
      }
    });

    it("related_wp_id edited on an edge event: verify names the seq", async () => {
      const ws = await seeded(backend);
      try {
        const seq = await ws.seqOf("dependency_added");
        await tamper(ws.url, "related_wp_id = 'WP-9'", seq);
        const report = await verifyStore(ws.store);
        assert.equal(report.first_bad_seq, seq);
        assert.match(report.reason ?? "", /related_wp_id/);
      } finally {
        await ws.cleanup();
      }
    });

    it("a payload that is not JSON: reads fail with HSK-400-INVALID-EVENT naming the seq; verify names it", async () => {
      const ws = await seeded(backend);
      try {
        const seq = await ws.seqOf("work_packet_updated");
        await tamper(ws.url, "payload = '{not json'", seq);
        await assert.rejects(
          ws.store.readEvents(),
          (error: unknown) =>
            isLocusError(error) && error.code === "HSK-400-INVALID-EVENT" && error.details?.seq === seq,
        );
        const report = await verifyStore(ws.store);
        assert.equal(report.ok, false);
        assert.equal(report.first_bad_seq, seq);
        assert.match(report.reason ?? "", /payload is not JSON/);
      } finally {
        await ws.cleanup();
      }
    });

    it("an earlier edited event is named before a later undecodable one", async () => {
      const ws = await seeded(backend);
      try {
        const created = await ws.seqOf("work_packet_created");
        const updated = await ws.seqOf("work_packet_updated");
        await tamper(ws.url, "actor_id = 'mallory'", created);
        await tamper(ws.url, "vector_clock = 'nope'", updated);
        const report = await verifyStore(ws.store);
        assert.equal(report.first_bad_seq, created);
        assert.match(report.reason ?? "", /hash/);
      } finally {
        await ws.cleanup();
      }
    });
  });
}
