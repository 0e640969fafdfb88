import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { LocusError } from "../../src/domain/errors.js";
import { stateFingerprint, verifyStore } from "../../src/operations/flight-recorder.js";
import type { BoardWpState, LocusStore } from "../../src/store/store-port.js";
import { STORE_BACKENDS } from "../support/stores.js";
import { makeDep, makeWp, sealEvents } from "./contract-support.js";

// STYLE 5: the store contract. Every backend runs these cases with the same expectations (section 9).
async function withStore(backend: (typeof STORE_BACKENDS)[number], fn: (store: LocusStore) => Promise<void>) {
  const { store, cleanup } = await backend.create();
  try {
    await fn(store);
  } finally {
    await cleanup();
  }
}

for (const backend of STORE_BACKENDS) {
  describe(`store contract (${backend.name})`, { skip: backend.skip }, () => {
    it("chain head starts empty and follows appended events; readEvents filters by seq, WP and limit", () =>
      withStore(backend, async (store) => {
        assert.deepEqual(await store.transaction((tx) => tx.chainHead()), { seq: 0, hash: "", sequence: 0 });
        await store.transaction(async (tx) => {
          const events = sealEvents(await tx.chainHead(), store.replicaId, 3, "WP-A");
          await tx.appendEvents(events);
          const head = await tx.chainHead();
          assert.equal(head.seq, 3);
          assert.equal(head.hash, events[2]?.hash);
          await tx.appendEvents(sealEvents(head, store.replicaId, 2, "WP-B"));
        });
        const head = await store.transaction((tx) => tx.chainHead());
        assert.equal(head.seq, 5);
        assert.equal(head.sequence, 5);
        const all = await store.readEvents();
        assert.deepEqual(
          all.map((e) => e.seq),
          [1, 2, 3, 4, 5],
        );
        assert.equal(typeof all[0]?.seq, "number");
        assert.equal(typeof all[0]?.sequence, "number");
        assert.deepEqual(
          (await store.readEvents({ afterSeq: 3 })).map((e) => e.seq),
          [4, 5],
        );
        assert.deepEqual(
          (await store.readEvents({ wpId: "WP-B" })).map((e) => e.seq),
          [4, 5],
        );
        assert.deepEqual(
          (await store.readEvents({ limit: 2 })).map((e) => e.seq),
          [1, 2],
        );
        // 8 (issue 21 hole 9): the board render check reads one committed event's hash by seq.
        await store.transaction(async (tx) => {
          assert.equal(await tx.eventHashAt(2), all[1]?.hash);
          assert.equal(await tx.eventHashAt(6), undefined);
          assert.equal(await tx.eventHashAt(0), undefined);
        });
        assert.deepEqual((await verifyStore(store)).ok, true);
        // Events of another replica advance seq and hash, not this replica's sequence.
        await store.transaction(async (tx) => {
          const [foreign] = sealEvents({ ...(await tx.chainHead()), sequence: 40 }, "rep_other", 1);
          await tx.appendEvents(foreign ? [foreign] : []);
        });
        assert.deepEqual(
          { ...(await store.transaction((tx) => tx.chainHead())), hash: "" },
          { seq: 6, hash: "", sequence: 5 },
        );
      }));

    it("a failed transaction leaves nothing: records, events, Bronze and idempotency all roll back", () =>
      withStore(backend, async (store) => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.putWp(makeWp("WP-A"));
            await tx.putWp(makeWp("WP-B"));
            await tx.putDependency(makeDep("WP-A", "WP-B", "blocks"));
            await tx.appendEvents(sealEvents(await tx.chainHead(), store.replicaId, 2));
            await tx.putIdempotent("k", { request_hash: "h", result: { a: 1 } });
            throw new LocusError("HSK-409-CONFLICT", "refused on purpose");
          }),
          (error: unknown) => error instanceof LocusError && error.code === "HSK-409-CONFLICT",
        );
        const state = await store.loadState();
        assert.equal(state.wps.size + state.deps.size + state.mts.size, 0);
        assert.equal((await store.readEvents()).length, 0);
        await store.transaction(async (tx) => {
          assert.deepEqual(await tx.chainHead(), { seq: 0, hash: "", sequence: 0 });
          assert.equal(await tx.getIdempotent("k"), undefined);
          assert.equal(await tx.getWp("WP-A"), undefined);
        });
      }));

    it("a driver failure surfaces as HSK-500-STORAGE and commits nothing", () =>
      withStore(backend, async (store) => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.putWp(makeWp("WP-A"));
            await tx.putIdempotent("dup", { request_hash: "h", result: {} });
            await tx.putIdempotent("dup", { request_hash: "h", result: {} });
          }),
          (error: unknown) => error instanceof LocusError && error.code === "HSK-500-STORAGE",
        );
        assert.equal((await store.loadState()).wps.size, 0);
        // The store still works after the failure.
        await store.transaction((tx) => tx.putWp(makeWp("WP-A")));
        assert.equal((await store.loadState()).wps.size, 1);
      }));

    it("WPs, MTs, dependencies, Bronze and idempotency records round-trip exactly", () =>
      withStore(backend, async (store) => {
        const wp = makeWp("WP-1.2-x_y", { labels: ["b", "a"], assignee: "ann", phase: "1", priority: 0 });
        const other = makeWp("WP-2", { status: "in_progress" });
        const dep = makeDep("WP-1.2-x_y", "WP-2", "blocks");
        const mt = {
          wp_id: "WP-2",
          mt_id: "MT-001",
          name: "first",
          status: "pending",
          iterations: [],
        } as unknown as Parameters<import("../../src/store/store-port.js").StoreTransaction["putMt"]>[0];
        await store.transaction(async (tx) => {
          await tx.putWp(wp);
          await tx.putWp(other);
          await tx.putDependency(dep);
          await tx.putMt(mt);
          await tx.putIdempotent("key-1", { request_hash: "abc", result: { success: true, n: [1, 2] } });
          const snapshot = {
            bronze_id: "brz_1",
            content_type: "work_packet/handshake_v1" as const,
            content_hash: "h",
            created_at: wp.created_at,
            wp_id: wp.wp_id,
            version: 1,
            operation: "create",
            snapshot: wp,
            vector_clock: wp.vector_clock,
          };
          await tx.putBronze(snapshot);
          await tx.putBronze({ ...snapshot, bronze_id: "brz_2", version: 2, previous_bronze_id: "brz_1" });
        });
        await store.transaction(async (tx) => {
          assert.equal(JSON.stringify(await tx.getWp(wp.wp_id)), JSON.stringify(wp));
          assert.deepEqual((await tx.getWps(["WP-2", "WP-missing", wp.wp_id])).map((w) => w.wp_id).sort(), [
            wp.wp_id,
            "WP-2",
          ]);
          assert.deepEqual(await tx.getMt("WP-2", "MT-001"), mt);
          assert.deepEqual(await tx.getMts("WP-2"), [mt]);
          assert.deepEqual(await tx.getDependency(dep.dependency_id), dep);
          assert.deepEqual(await tx.findDependency(dep.from_wp_id, dep.to_wp_id, "blocks"), dep);
          assert.equal(await tx.findDependency(dep.from_wp_id, dep.to_wp_id, "related"), undefined);
          assert.deepEqual(await tx.dependenciesOf("WP-2"), { incoming: [dep], outgoing: [] });
          assert.deepEqual(await tx.dependenciesOf(wp.wp_id), { incoming: [], outgoing: [dep] });
          assert.equal(await tx.edgeCount("WP-2"), 1);
          assert.deepEqual(await tx.getIdempotent("key-1"), {
            request_hash: "abc",
            result: { success: true, n: [1, 2] },
          });
          assert.equal(await tx.lastBronzeId(wp.wp_id), "brz_2");
          assert.deepEqual(
            (await tx.bronzeSnapshots(wp.wp_id)).map((b) => b.bronze_id),
            ["brz_1", "brz_2"],
          );
          const blockers = await tx.openBlockers(["WP-2", wp.wp_id]);
          assert.deepEqual(blockers.get("WP-2"), [{ dependency: dep, status: "ready" }]);
          assert.equal(blockers.has(wp.wp_id), false);
          await tx.removeDependency(dep.dependency_id);
          await tx.removeDependency("dep_missing");
          assert.deepEqual(await tx.dependenciesOf("WP-2"), { incoming: [], outgoing: [] });
          assert.equal((await tx.openBlockers(["WP-2"])).size, 0);
        });
      }));

    it("findPath and reachableEdges follow typed edges in both directions, bounded", () =>
      withStore(backend, async (store) => {
        const edges = [
          makeDep("WP-A", "WP-B", "blocks"),
          makeDep("WP-B", "WP-C", "blocks"),
          makeDep("WP-A", "WP-C", "related"),
          makeDep("WP-C", "WP-D", "blocks"),
          makeDep("WP-X", "WP-D", "blocks"),
        ];
        await store.transaction(async (tx) => {
          for (const id of ["WP-A", "WP-B", "WP-C", "WP-D", "WP-X"]) await tx.putWp(makeWp(id));
          for (const edge of edges) await tx.putDependency(edge);
        });
        await store.transaction(async (tx) => {
          assert.deepEqual(await tx.findPath("WP-A", "WP-D", "blocks"), ["WP-A", "WP-B", "WP-C", "WP-D"]);
          assert.deepEqual(await tx.findPath("WP-A", "WP-C", "related"), ["WP-A", "WP-C"]);
          assert.equal(await tx.findPath("WP-D", "WP-A", "blocks"), undefined);
          const down = await tx.reachableEdges("WP-A", ["blocks"], "down", 100);
          assert.deepEqual(
            down.map((d) => d.dependency_id),
            [edges[0], edges[1], edges[3]].map((d) => d?.dependency_id),
          );
          const up = await tx.reachableEdges("WP-D", ["blocks"], "up", 100);
          assert.deepEqual(
            up.map((d) => d.dependency_id),
            [edges[0], edges[1], edges[3], edges[4]].map((d) => d?.dependency_id),
          );
          assert.equal((await tx.reachableEdges("WP-D", ["blocks"], "up", 2)).length, 2);
          const mixed = await tx.reachableEdges("WP-A", ["blocks", "related"], "down", 100);
          assert.equal(mixed.length, 4);
        });
      }));

    it("replaceState rebuilds the tables and readiness indexes to equal the given state", () =>
      withStore(backend, async (store) => {
        await store.transaction(async (tx) => {
          await tx.putWp(makeWp("WP-OLD"));
          for (const id of ["WP-A", "WP-B", "WP-C"]) await tx.putWp(makeWp(id));
          await tx.putDependency(makeDep("WP-A", "WP-B", "blocks"));
        });
        const target = await store.loadState();
        target.wps.delete("WP-OLD");
        const extra = makeDep("WP-C", "WP-A", "blocks");
        target.deps.set(extra.dependency_id, extra);
        await store.replaceState(target);
        const after = await store.loadState();
        assert.equal(canonicalJson(stateFingerprint(after)), canonicalJson(stateFingerprint(target)));
        const ready = await store.transaction((tx) =>
          tx.queryWps({
            statuses: ["ready"],
            readiness: "ready",
            include_deleted: false,
            sort: "hybrid",
            now_ms: Date.parse("2026-01-02T00:00:00.000Z"),
            offset: 0,
            limit: 10,
          }),
        );
        assert.deepEqual(
          ready.wps.map((wp) => wp.wp_id),
          ["WP-C"],
        );
      }));

    it("board state round-trips per board path: insert, replace, filter by WP ids, rollback", () =>
      withStore(backend, async (store) => {
        const board = "docs/TASK_BOARD.md";
        const other = "docs/OTHER_BOARD.md";
        const entry = (wpId: string, token: string): BoardWpState => ({
          wp_id: wpId,
          board_status: token === "DONE" ? "DONE" : "READY",
          token,
        });
        await store.transaction(async (tx) => {
          assert.equal((await tx.getBoardState(board)).size, 0);
          await tx.putBoardState(board, [entry("WP-1", "READY_FOR_DEV"), entry("WP-2", "READY_FOR_DEV")]);
          await tx.putBoardState(other, [entry("WP-1", "DONE")]);
          await tx.putBoardState(board, []); // nothing to record is no error
        });
        await store.transaction(async (tx) => {
          assert.deepEqual([...(await tx.getBoardState(board)).entries()].sort(), [
            ["WP-1", entry("WP-1", "READY_FOR_DEV")],
            ["WP-2", entry("WP-2", "READY_FOR_DEV")],
          ]);
          assert.deepEqual([...(await tx.getBoardState(other)).values()], [entry("WP-1", "DONE")]);
          // Replace one entry; the filter returns only the asked ids that exist.
          await tx.putBoardState(board, [entry("WP-2", "DONE")]);
          assert.deepEqual(
            [...(await tx.getBoardState(board, ["WP-2", "WP-missing"])).entries()],
            [["WP-2", entry("WP-2", "DONE")]],
          );
          assert.equal((await tx.getBoardState(board, [])).size, 0);
        });
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.putBoardState(board, [entry("WP-1", "DONE"), entry("WP-3", "DONE")]);
            throw new LocusError("HSK-409-CONFLICT", "refused on purpose");
          }),
        );
        const after = await store.transaction((tx) => tx.getBoardState(board));
        assert.deepEqual([...after.entries()].sort(), [
          ["WP-1", entry("WP-1", "READY_FOR_DEV")],
          ["WP-2", entry("WP-2", "DONE")],
        ]);
      }));

    it("subscribe reports commits that append events, from this and from another connection", async () => {
      const { url, cleanup } = await backend.location();
      const { openStore, parseStoreUrl } = await import("../../src/store/open-store.js");
      const listener = await openStore(parseStoreUrl(url, process.cwd()));
      const writer = await openStore(parseStoreUrl(url, process.cwd()));
      try {
        assert.ok(listener.subscribe, "every backend implements subscribe");
        let calls = 0;
        let wake: () => void = () => {};
        const unsubscribe = await listener.subscribe(() => {
          calls += 1;
          wake();
        });
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
        });
        await writer.transaction(async (tx) =>
          tx.appendEvents(sealEvents(await tx.chainHead(), writer.replicaId, 1)),
        );
        await Promise.race([
          woken,
          new Promise((_, reject) => setTimeout(() => reject(new Error("no notification")), 5000)),
        ]);
        assert.ok(calls >= 1);
        await unsubscribe();
      } finally {
        await listener.close();
        await writer.close();
        await cleanup();
      }
    });
  });
}
