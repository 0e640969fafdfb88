import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { exportEvents } from "../../src/cli/event-transfer.js";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { steppingClock } from "../../src/domain/clock.js";
import { OPERATIONS } from "../../src/operations/catalog.js";
import { stateFingerprint, verifyStore } from "../../src/operations/flight-recorder.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { parseWorkspaceConfig } from "../../src/operations/workspace-config.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import type { LocusStore } from "../../src/store/store-port.js";
import { ok, refused, wpIn } from "../support/drive.js";
import { STORE_BACKENDS } from "../support/stores.js";

// Issue 6 acceptance: two workspaces in one database cannot read or change each other's WPs through any
// operation. Workspace A and workspace B share a database (PostgreSQL: one database, two `?workspace=`;
// SQLite: two files side by side, for the same expectations). Both hold WP-S1 and WP-S2; only A holds WP-A1
// and WP-A2, its MTs and its edges. Every catalog operation is run from B against A's ids, then A's whole
// footprint (state, events, chain head, Bronze, board state, search rows) must be what it was.

const BOARD_PATH = "docs/TASK_BOARD.md";
const A_ONLY = ["WP-A1", "WP-A2"];
const SHARED = ["WP-S1", "WP-S2"];
/** Empty sources of each tracker, for the import operations' cases. */
const SOURCES = mkdtempSync(join(tmpdir(), "locus-isolation-sources-"));
mkdirSync(join(SOURCES, "backlog", "tasks"), { recursive: true });
writeFileSync(join(SOURCES, "issues.jsonl"), "");
writeFileSync(join(SOURCES, "tasks.json"), '{"tasks":[]}');
writeFileSync(join(SOURCES, "gh.json"), "[]");
after(() => rmSync(SOURCES, { recursive: true, force: true }));
const EMPTY_SOURCES = {
  beads: join(SOURCES, "issues.jsonl"),
  backlog: join(SOURCES, "backlog"),
  taskmaster: join(SOURCES, "tasks.json"),
  github: join(SOURCES, "gh.json"),
};

/** Text written only in A: no result from B may contain it. */
const A_WORD = "Alphaonly";
const A_TITLES = [`${A_WORD} shared`, `${A_WORD} zebra`, `${A_WORD} second`];

interface Workspace {
  root: string;
  store: LocusStore;
  engine: LocusEngine;
}

function engineFor(store: LocusStore, root: string): LocusEngine {
  return new LocusEngine(store, {
    clock: steppingClock("2026-01-01T00:00:00.000Z", 1000),
    config: parseWorkspaceConfig({ search: { provider: "hash" } }),
    workspaceRoot: root,
  });
}

async function openWorkspace(url: string): Promise<Workspace> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "locus-isolation-")));
  mkdirSync(join(root, "docs", "task_packets"), { recursive: true });
  const store = await openStore(parseStoreUrl(url, root));
  return { root, store, engine: engineFor(store, root) };
}

/** Everything of a workspace that another workspace must not change, as one comparable string. */
async function footprint(store: LocusStore): Promise<string> {
  const events = await store.readEvents();
  return store.transaction(async (tx) => {
    const search = tx.search;
    assert.ok(search, "both backends have a search index");
    return canonicalJson({
      state: stateFingerprint(await store.loadState()),
      events: events.map((e) => e.hash),
      purged: await store.readPurgedEvents(),
      head: await tx.chainHead(),
      bronze: (await tx.bronzeSnapshots()).map((b) => [b.bronze_id, b.content_hash]),
      board: [...(await tx.getBoardState(BOARD_PATH)).entries()],
      search: {
        state: await search.state(),
        texts: [...(await search.documentTexts([...A_ONLY, ...SHARED])).entries()],
      },
    });
  });
}

type Expectation = "ok" | "HSK-404-NOT-FOUND";
type Case = {
  params: Record<string, unknown>;
  expect: Expectation;
  check?: (data: Record<string, unknown>) => void;
};

/**
 * For each catalog operation, the jobs B runs against A's ids. A new operation without an entry fails the test,
 * so the catalog loop below stays complete.
 */
function crossWorkspaceCases(aDependencyId: string): Record<string, Case[]> {
  const notFound = (params: Record<string, unknown>): Case => ({ params, expect: "HSK-404-NOT-FOUND" });
  const fine = (params: Record<string, unknown>, check?: Case["check"]): Case =>
    check === undefined ? { params, expect: "ok" } : { params, expect: "ok", check };
  // remove_dependency is idempotent (a missing edge is "removed: false"); from B, A's edges are missing.
  const nothingRemoved: Case["check"] = (data) => assert.equal(data.removed, false);
  return {
    update_wp: [notFound({ wp_id: "WP-A1", updates: { title: "taken over" } })],
    gate_wp: [notFound({ wp_id: "WP-A2", gate: "pre_work", result: { status: "pass" } })],
    close_wp: [notFound({ wp_id: "WP-A1" })],
    delete_wp: [notFound({ wp_id: "WP-A1", reason: "from B" })],
    register_mts: [notFound({ wp_id: "WP-A1", micro_tasks: [{ mt_id: "MT-009", name: "intruder" }] })],
    // MT-001 exists on A's WP-S1 only; B's WP-S1 (same id, in_progress) has none.
    start_mt: [notFound({ wp_id: "WP-A1", mt_id: "MT-001" }), notFound({ wp_id: "WP-S1", mt_id: "MT-001" })],
    record_iteration: [
      notFound({ wp_id: "WP-A1", mt_id: "MT-001", iteration: 1, model_id: "m", outcome: "SUCCESS" }),
      notFound({ wp_id: "WP-S1", mt_id: "MT-001", iteration: 1, model_id: "m", outcome: "SUCCESS" }),
    ],
    complete_mt: [
      notFound({ wp_id: "WP-A1", mt_id: "MT-001" }),
      notFound({ wp_id: "WP-S1", mt_id: "MT-001" }),
    ],
    add_dependency: [
      notFound({ from_wp_id: "WP-B1", to_wp_id: "WP-A1", type: "blocks" }),
      notFound({ from_wp_id: "WP-A1", to_wp_id: "WP-A2", type: "related" }),
    ],
    remove_dependency: [
      fine({ dependency_id: aDependencyId }, nothingRemoved),
      fine({ from_wp_id: "WP-S1", to_wp_id: "WP-S2", type: "blocks" }, nothingRemoved),
    ],
    query_ready: [fine({}), fine({ labels: ["alpha"] })],
    // B claims only its own ready work; naming A's WP finds nothing.
    claim_wp: [
      notFound({ wp_id: "WP-A2" }),
      fine({}, (data) =>
        assert.ok(["WP-S1", "WP-S2", "WP-B1"].includes(String(data.claimed)), String(data.claimed)),
      ),
    ],
    release_wp: [notFound({ wp_id: "WP-A1" })],
    query_blocked: [fine({})],
    get_wp_status: [notFound({ wp_id: "WP-A1" }), fine({ wp_id: "WP-S1" })],
    get_mt_progress: [notFound({ wp_id: "WP-A1" }), notFound({ wp_id: "WP-S1", mt_id: "MT-001" })],
    get_dependency_tree: [notFound({ wp_id: "WP-A1" }), fine({ wp_id: "WP-S1" })],
    get_blocking_chain: [notFound({ wp_id: "WP-A2" }), fine({ wp_id: "WP-S2" })],
    list_wps: [fine({}), fine({ include_deleted: true })],
    sync_task_board: [fine({ direction: "to_board" })],
    // B syncs with its own replica folder: nothing of A is read or written.
    sync_events: [fine({ direction: "both" })],
    search: [
      fine({ query: A_WORD }),
      fine({ query: A_WORD, mode: "keyword" }),
      fine({ query: "zebra crossing", mode: "vector" }),
    ],
    // Members are per workspace: B adds and lists its own; A's member is unknown to B.
    add_member: [fine({ actor_id: "bravo-agent", role: "member" })],
    list_members: [
      fine({ all: true }, (data) =>
        assert.deepEqual(
          (data.members as { actor_id: string }[]).map((m) => m.actor_id),
          ["bravo-agent"],
        ),
      ),
    ],
    remove_member: [notFound({ actor_id: "alpha-agent" })],
    // B switching its own requirement off leaves A's alone (A's members stay A's).
    require_members: [fine({ required: false })],
    // Imports into B from B's own (empty) sources: nothing of A is read, reported or changed.
    import_beads: [fine({ source: EMPTY_SOURCES.beads })],
    import_backlog: [fine({ source: EMPTY_SOURCES.backlog, dry_run: true })],
    import_taskmaster: [fine({ source: EMPTY_SOURCES.taskmaster })],
    import_github: [fine({ source: EMPTY_SOURCES.github, dry_run: true })],
    // B purges all of its own reads; A's log (checked after every case) loses nothing.
    purge_events: [fine({ older_than: "0s" }, (data) => assert.ok((data.removed as number) > 0))],
    // Last (see the loop): B may create its own WP-A2, which never becomes A's.
    create_wp: [fine({ wp_id: "WP-A2", title: "Bravo's own WP-A2" })],
  };
}

for (const backend of STORE_BACKENDS) {
  describe(`workspace isolation (${backend.name})`, { skip: backend.skip }, () => {
    let a: Workspace;
    let b: Workspace;
    let cleanupLocation: () => Promise<void>;
    let aDependencyId = "";

    before(async () => {
      const location = await backend.location();
      cleanupLocation = location.cleanup;
      a = await openWorkspace(location.url);
      b = await openWorkspace(location.sibling);
      // A: shared ids and its own, with MTs, edges, labels and a board.
      await wpIn(a.engine, "WP-S1", "in_progress", { title: `${A_WORD} shared one`, labels: ["alpha"] });
      await wpIn(a.engine, "WP-S2", "ready", { title: `${A_WORD} shared two`, labels: ["alpha"] });
      await wpIn(a.engine, "WP-A1", "in_progress", { title: `${A_WORD} zebra crossing`, labels: ["alpha"] });
      await wpIn(a.engine, "WP-A2", "ready", { title: `${A_WORD} second`, labels: ["alpha"] });
      for (const wpId of ["WP-S1", "WP-A1"]) {
        await ok(a.engine, "register_mts", {
          wp_id: wpId,
          micro_tasks: [{ mt_id: "MT-001", name: "A's task" }],
        });
      }
      const edge = await ok(a.engine, "add_dependency", {
        from_wp_id: "WP-A1",
        to_wp_id: "WP-A2",
        type: "blocks",
      });
      aDependencyId = (edge.dependency as { dependency_id: string }).dependency_id;
      await ok(a.engine, "add_dependency", { from_wp_id: "WP-S1", to_wp_id: "WP-S2", type: "blocks" });
      await ok(a.engine, "sync_task_board", { direction: "to_board" });
      await ok(a.engine, "add_member", { actor_id: "alpha-agent", role: "member" });
      // B: the same shared ids with its own content, no MTs, no edges; and one WP of its own.
      await wpIn(b.engine, "WP-S1", "in_progress", { title: "Bravo shared one" });
      await wpIn(b.engine, "WP-S2", "ready", { title: "Bravo shared two" });
      await wpIn(b.engine, "WP-B1", "ready", { title: "Bravo own" });
    });

    after(async () => {
      await a?.store.close();
      await b?.store.close();
      for (const root of [a?.root, b?.root]) if (root) rmSync(root, { recursive: true, force: true });
      await cleanupLocation?.();
    });

    it("every catalog operation run from B against A's ids is refused or sees only B, and A is unchanged", async () => {
      const aBefore = await footprint(a.store);
      const aBoard = readFileSync(join(a.root, BOARD_PATH), "utf8");
      const cases = crossWorkspaceCases(aDependencyId);
      const ordered = [...OPERATIONS].sort(
        (x, y) => Number(x.name === "create_wp") - Number(y.name === "create_wp"),
      );
      for (const operation of ordered) {
        const list = cases[operation.name];
        assert.ok(list && list.length > 0, `no cross-workspace case for ${operation.name}: add one`);
        for (const { params, expect, check } of list) {
          if (expect !== "ok") {
            await refused(b.engine, operation.name, params, expect);
            continue;
          }
          const data = await ok(b.engine, operation.name, params);
          check?.(data);
          const text = JSON.stringify(data);
          assert.ok(
            !text.includes(A_WORD),
            `${operation.name} from B returned A's text: ${text.slice(0, 300)}`,
          );
          if (operation.name !== "create_wp") {
            for (const id of A_ONLY) assert.ok(!text.includes(id), `${operation.name} from B returned ${id}`);
          }
        }
        assert.equal(await footprint(a.store), aBefore, `${operation.name} from B changed workspace A`);
      }
      // A binding to A's WP is no binding in B (section 3 step 3).
      await refused(b.engine, "get_wp_status", { wp_id: "WP-S1" }, "HSK-404-WP-BINDING", {
        work_packet_binding: { work_packet_id: "WP-A1" },
      });
      assert.equal(await footprint(a.store), aBefore);
      assert.equal(readFileSync(join(a.root, BOARD_PATH), "utf8"), aBoard);
      assert.ok((await verifyStore(a.store)).ok);
      assert.ok((await verifyStore(b.store)).ok);
    });

    it("B's reads list exactly B's WPs, with B's content under the shared ids", async () => {
      const listed = await ok(b.engine, "list_wps", { include_deleted: true, limit: 100 });
      const ids = (listed.wps as { wp_id: string }[]).map((wp) => wp.wp_id).sort();
      assert.deepEqual(ids, ["WP-A2", "WP-B1", "WP-S1", "WP-S2"]); // WP-A2: B's own, created above
      const status = await ok(b.engine, "get_wp_status", { wp_id: "WP-S1" });
      assert.equal((status.wp as { title: string }).title, "Bravo shared one");
      const mine = await ok(b.engine, "get_wp_status", { wp_id: "WP-A2" });
      assert.equal((mine.wp as { title: string }).title, "Bravo's own WP-A2");
      const aCopy = await ok(a.engine, "get_wp_status", { wp_id: "WP-A2" });
      assert.equal((aCopy.wp as { title: string }).title, `${A_WORD} second`);
      // A's edge S1 -> S2 does not block B's WP-S2.
      const blocked = await ok(b.engine, "query_blocked", {});
      assert.equal(JSON.stringify(blocked).includes("WP-S2"), false);
      const ready = await ok(b.engine, "query_ready", { limit: 100 });
      assert.ok((ready.ready_wps as { wp_id: string }[]).some((wp) => wp.wp_id === "WP-S2"));
      const found = await ok(b.engine, "search", { query: "Bravo", mode: "keyword" });
      const hits = (found.results as { wp_id: string }[]).map((r) => r.wp_id).sort();
      assert.deepEqual(hits, ["WP-A2", "WP-B1", "WP-S1", "WP-S2"]);
      assert.ok(!JSON.stringify(found).includes(A_WORD));
    });

    it("events, export, Bronze, board state and port reads of B hold nothing of A", async () => {
      const aIds = new Set(A_ONLY);
      const bEvents = await exportEvents(b.store);
      const aEvents = await a.store.readEvents();
      const aHashes = new Set(aEvents.map((e) => e.hash));
      assert.ok(bEvents.length > 0);
      for (const event of bEvents) {
        assert.equal(aHashes.has(event.hash), false, `B's log holds A's event seq ${event.seq}`);
        // B's own search queries name A_WORD (work_query_executed); A's titles must appear nowhere.
        const payload = JSON.stringify(event.payload);
        assert.ok(!A_TITLES.some((t) => payload.includes(t)), `B's event ${event.seq} carries A's text`);
      }
      assert.equal(bEvents[0]?.seq, 1, "B's chain starts at its own seq 1");
      assert.deepEqual(await b.store.readEvents({ wpId: "WP-A1" }), []);
      await b.store.transaction(async (tx) => {
        assert.equal(await tx.getWp("WP-A1"), undefined);
        assert.deepEqual(await tx.getWps(["WP-A1", "WP-S1"]).then((w) => w.map((x) => x.title)), [
          "Bravo shared one",
        ]);
        assert.deepEqual(await tx.getMts("WP-S1"), []);
        assert.deepEqual(await tx.dependenciesOf("WP-S2"), { incoming: [], outgoing: [] });
        assert.equal(await tx.getDependency(aDependencyId), undefined);
        assert.deepEqual(await tx.bronzeSnapshots("WP-A1"), []);
        for (const snapshot of await tx.bronzeSnapshots()) {
          assert.ok(!A_TITLES.some((t) => JSON.stringify(snapshot.snapshot).includes(t)));
        }
        const board = await tx.getBoardState(BOARD_PATH);
        assert.ok(board.size > 0, "B's sync recorded B's board state");
        assert.deepEqual(
          [...board.keys()].filter((id) => aIds.has(id) && id !== "WP-A2"),
          [],
        );
        assert.ok(!(await tx.listBoardWps()).some((w) => w.wp_id === "WP-A1"));
      });
      // Writing board state in B (same board path) does not touch A's.
      const aBefore = await footprint(a.store);
      await b.store.transaction((tx) =>
        tx.putBoardState(BOARD_PATH, [{ wp_id: "WP-S1", board_status: "DONE", token: "DONE" }]),
      );
      assert.equal(await footprint(a.store), aBefore);
      const aBoard = await a.store.transaction((tx) => tx.getBoardState(BOARD_PATH, ["WP-S1"]));
      assert.notEqual(aBoard.get("WP-S1")?.token, "DONE");
      assert.ok(!readFileSync(join(b.root, BOARD_PATH), "utf8").includes(A_WORD));
    });
  });
}
