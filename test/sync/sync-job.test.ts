// sync_events as a job (section 3 and 13): a keyed repeat answers with the first result and writes nothing; a
// dry run counts and judges without changing either store; the capability is locus.sync (a folder also needs
// fs.read / fs.write); the result lists pulled, pushed, applied, conflicts and refused; a replica that is a
// copy of this store is refused. And on the command line: `locus sync` with no peer uses locus-replicas/, a bad
// --direction is a usage mistake (exit 2) that creates nothing.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { attackWorkspace, resultOf } from "../attacks/attack-support.js";
import { sqliteBackend } from "../support/stores.js";
import { assertSound, openReplicas, type Replica, sync } from "./sync-support.js";

const set = await openReplicas([sqliteBackend, sqliteBackend]);
after(() => set.close());
const [a, b] = set.replicas as [Replica, Replica];
const count = async (replica: Replica) => (await replica.store.loadState()).wps.size;
const head = async (replica: Replica) => (await replica.store.transaction((tx) => tx.chainHead())).seq;

describe("sync_events as a job", () => {
  it("a dry run counts and judges, and changes neither store", async () => {
    for (let i = 0; i < 3; i++) await a.engine.run("create_wp", { title: `a ${i}` });
    const [aHead, bWps] = [await head(a), await count(b)];
    const result = await b.engine.run("sync_events", { peer: a.url, dry_run: true });
    assert.ok(result.success, JSON.stringify(result));
    assert.equal(result.data.pulled, 6);
    assert.equal(result.data.dry_run, true);
    assert.equal(await count(b), bWps);
    assert.equal(await head(a), aHead);
  });

  it("a keyed repeat returns the first result and pulls nothing again", async () => {
    const job = { idempotency_key: "sync-once-1234" };
    const first = await b.engine.run("sync_events", { peer: a.url, direction: "pull" }, job);
    assert.ok(first.success);
    assert.equal(await count(b), 3);
    const before = await head(b);
    const again = await b.engine.run("sync_events", { peer: a.url, direction: "pull" }, job);
    assert.deepEqual(again, first);
    assert.equal(await head(b), before);
  });

  it("a Reviewer without locus.sync is refused before anything moves", async () => {
    const result = await b.engine.run("sync_events", { peer: a.url }, { capability_profile_id: "Reviewer" });
    if (result.success) assert.fail("a profile without locus.sync synced");
    assert.equal(result.error.code, "HSK-403-CAPABILITY");
  });

  it("a copy of this store's file is refused (two stores may not share a replica id)", async () => {
    const copy = join(set.root, "copy.db");
    (a.store as SqliteStore).rawConnectionForTests().pragma("wal_checkpoint(TRUNCATE)");
    copyFileSync(a.url, copy);
    const result = await a.engine.run("sync_events", { peer: copy });
    if (result.success) assert.fail("synced with a copy of itself");
    assert.equal(result.error.code, "HSK-400-INVALID-PARAMS");
    assert.match(result.error.message, /copy/);
  });

  it("hybrid logical time: after receiving events from a clock ahead, this store stamps its own after them", async () => {
    const ahead = new LocusEngine(b.store, { clock: () => new Date("2031-01-01T00:00:00.000Z") });
    const future = await ahead.run("create_wp", { title: "written by a clock five years ahead" });
    assert.ok(future.success);
    await sync(a, b.url, "pull");
    const local = await a.engine.run("create_wp", { title: "written here afterwards" });
    if (!local.success) assert.fail(JSON.stringify(local.error));
    const stamped = (local.data.wp as { created_at: string }).created_at;
    assert.ok(
      stamped > "2031-01-01T00:00:00.000Z",
      `a local event at ${stamped} would fold before what it follows`,
    );
    await assertSound(a);
  });

  it("every event is applied at most once, whatever path brings it", async () => {
    await a.engine.run("create_wp", { title: "travels two ways" });
    const folder = `${set.folder}/`;
    await sync(a, folder, "push");
    await sync(b, a.url, "pull");
    const twice = await sync(b, folder, "pull");
    assert.equal(twice.applied, 0);
    assert.equal(await count(b), await count(a));
  });
});

describe("locus sync on the command line", () => {
  const ws = attackWorkspace();
  after(ws.cleanup);

  it("with no peer, syncs the workspace's locus-replicas/ folder", () => {
    ws.as("Operator", ["create", "publish me"]);
    const run = ws.as("Operator", ["sync", "--json"]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.equal(resultOf(run).data?.transport, "folder");
    assert.ok(existsSync(join(ws.dir, "locus-replicas")));
    // People get a summary, not a dump: what moved, then conflicts and refusals (none here).
    const human = ws.as("Operator", ["sync"]);
    assert.match(human.stdout, /^pulled 0 events \(0 applied here\), pushed \d+\n/);
    assert.match(human.stdout, /no merge conflicts\nnothing refused/);
  });

  it("the Task Board shows the work a sync brought in", () => {
    const other = attackWorkspace();
    after(other.cleanup);
    const arrived = resultOf(other.as("Operator", ["create", "Arrived from a teammate", "--json"]));
    const wpId = (arrived.data as { wp: { wp_id: string } }).wp.wp_id;
    assert.equal(ws.as("Operator", ["board", "sync"]).status, 0); // this workspace keeps a board
    const run = ws.as("Operator", ["sync", join(other.dir, ".locus", "locus.db"), "--json"]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.equal(resultOf(run).data?.task_board_updated, true);
    assert.ok(
      readFileSync(join(ws.dir, "docs", "TASK_BOARD.md"), "utf8").includes(wpId),
      "the board lists it",
    );
    ws.assertIntact();
  });

  it("a bad --direction is a usage mistake: exit 2, naming it, nothing recorded", () => {
    const syncs = () => ws.events().filter((e) => e.event_name.startsWith("sync_")).length;
    const before = syncs();
    const run = ws.as("Operator", ["sync", "--direction", "sideways"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /direction/);
    assert.equal(syncs(), before);
  });
});
