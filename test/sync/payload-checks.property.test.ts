import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { EVENT_REGISTRY, validateEventPayload } from "../../src/domain/events/event-registry.js";
import { schemaFault } from "../../src/domain/events/log-governance.js";
import {
  fitsPayloadSchemaFast,
  generatedFolder,
  PAYLOAD_CHECKS_FILE,
} from "../../src/domain/events/payload-checks.js";
import { payloadJsonSchemas, schemasDigest } from "../../src/domain/events/payload-checks-build.js";
import type { StoredEvent } from "../../src/domain/events/stored-event.js";
import { ok } from "../support/drive.js";
import { freshEngine, sqliteBackend } from "../support/stores.js";

// Issue 12: incoming events are checked first by the generated payload checks (payload-checks.ts), which may only
// ever accept what zod accepts. Checked on real payloads of every kind the engine writes, and on those payloads
// changed at random (keys dropped or added, values of other types, strings past their limits, astral text).

/** Events of a WP's whole life, a dependency, a delete and queries, written through the engine. */
async function realEvents(): Promise<StoredEvent[]> {
  const { engine, store, cleanup } = await freshEngine(sqliteBackend);
  try {
    const create = (wp_id: string) =>
      ok(engine, "create_wp", {
        wp_id,
        title: `Payload checks ${wp_id} \u00e9\ud83d\ude00`,
        description: "Two sentences. Of work.",
        labels: ["sync", "checks"],
        priority: 2,
      });
    await create("WP-A");
    await create("WP-B");
    await create("WP-C");
    await ok(engine, "update_wp", { wp_id: "WP-A", updates: { status: "ready" }, note: "ready now" });
    await ok(engine, "add_dependency", { from_wp_id: "WP-B", to_wp_id: "WP-A", type: "blocks" });
    await ok(engine, "remove_dependency", { from_wp_id: "WP-B", to_wp_id: "WP-A", type: "blocks" });
    await ok(engine, "gate_wp", { wp_id: "WP-A", gate: "pre_work", result: { status: "pass" } });
    const mt = { wp_id: "WP-A", mt_id: "MT-001" };
    await ok(engine, "register_mts", { wp_id: "WP-A", micro_tasks: [{ mt_id: "MT-001", name: "only" }] });
    await ok(engine, "start_mt", mt);
    await ok(engine, "record_iteration", { ...mt, iteration: 1, model_id: "m", outcome: "SUCCESS" });
    await ok(engine, "complete_mt", { ...mt, outcome: "completed" });
    await ok(engine, "gate_wp", { wp_id: "WP-A", gate: "post_work", result: { status: "pass" } });
    await ok(engine, "close_wp", { wp_id: "WP-A" });
    await ok(engine, "delete_wp", { wp_id: "WP-C", reason: "checks" });
    await ok(engine, "query_ready", { limit: 5 });
    return await store.readEvents({ afterSeq: 0, limit: 1_000 });
  } finally {
    await cleanup();
  }
}

const zodAccepts = (name: string, payload: unknown): boolean => {
  try {
    validateEventPayload(name, payload);
    return true;
  } catch {
    return false;
  }
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const clone = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

/** The paths to every value inside `value` (keys and indexes). */
function pathsOf(value: Json, at: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(at);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) pathsOf(value[i] as Json, [...at, i], out);
  } else if (value !== null && typeof value === "object")
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...at, key], out);
  return out;
}

/** Astral and control text, long strings and look-alike values: what a hostile replica might send. */
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer({ min: 1, max: 600 }).map((n) => "\ud83d\ude00".repeat(n)),
  fc.integer({ min: 1, max: 2_100 }).map((n) => "x".repeat(n)),
  fc.constantFrom(
    "",
    "WP-",
    "MT-1",
    "brz_",
    "2026-13-01T00:00:00Z",
    "2026-01-01T00:00:00.000Z",
    "not-a-uuid",
  ),
  fc.constantFrom(-1, 0, 1.5, 2 ** 53, -(2 ** 53), 1e308),
);

/** Changes the value at one path: dropped, replaced, or a key added beside it. */
function mutate(payload: Json, path: (string | number)[], how: number, value: Json): Json {
  const copy = clone(payload);
  if (path.length === 0) return how === 0 ? value : copy;
  let parent = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (how === 0) parent[last] = value;
  else if (how === 1 && !Array.isArray(parent)) delete parent[last];
  else if (!Array.isArray(parent)) parent[`${String(last)}_extra`] = value;
  else (parent as unknown as Json[]).push(value);
  return copy;
}

describe("generated payload checks (issue 12)", () => {
  it("are made from the registry's schemas as they are now", () => {
    const folder = generatedFolder(import.meta.url);
    assert.ok(folder, "tests run from the build");
    const first = readFileSync(join(folder, PAYLOAD_CHECKS_FILE), "utf8").split("\n")[0];
    assert.equal(first, `// locus payload checks, schemas sha256 ${schemasDigest(payloadJsonSchemas())}`);
  });

  it("accept every real payload of every kind the engine writes, and each is judged the same as by zod", async () => {
    const events = await realEvents();
    const kinds = new Set(events.map((event) => event.event_name));
    assert.ok(kinds.size >= 13, `thirteen kinds at least: ${[...kinds].join(", ")}`);
    for (const event of events) {
      assert.ok(
        fitsPayloadSchemaFast(event.event_name, event.payload),
        `${event.event_name} seq ${event.seq}`,
      );
      assert.equal(schemaFault(event), undefined);
    }
    // A wrong FR id is still a fault when the payload passes the fast check.
    const [first] = events as [StoredEvent];
    assert.equal(schemaFault({ ...first, event_id: "FR-EVT-NOT-001" })?.code, "HSK-400-INVALID-EVENT");
    assert.equal(fitsPayloadSchemaFast("not_an_event", first.payload), false);
  });

  it("accept a changed payload only when zod accepts it", async () => {
    const samples = (await realEvents()).map((event) => ({
      name: event.event_name,
      payload: clone(event.payload),
    }));
    const cases = fc.constantFrom(...samples).chain(({ name, payload }) =>
      fc.record({
        name: fc.constant(name),
        payload: fc.constant(payload),
        path: fc.constantFrom(...pathsOf(payload)),
        how: fc.integer({ min: 0, max: 2 }),
        value: hostileValue,
      }),
    );
    let changedAccepted = 0;
    fc.assert(
      fc.property(cases, ({ name, payload, path, how, value }) => {
        const changed = mutate(payload, path, how, value);
        if (!fitsPayloadSchemaFast(name, changed)) return;
        changedAccepted++;
        assert.ok(zodAccepts(name, changed), `${name}: the fast check accepted what zod refuses`);
      }),
      { numRuns: 4_000 },
    );
    assert.ok(changedAccepted > 0, "some changes are still valid payloads");
  });

  it("accept nothing zod refuses among arbitrary values, for every registered event", () => {
    const names = Object.keys(EVENT_REGISTRY);
    fc.assert(
      fc.property(fc.constantFrom(...names), hostileValue, (name, value) => {
        if (fitsPayloadSchemaFast(name, value)) assert.ok(zodAccepts(name, value), name);
      }),
      { numRuns: 2_000 },
    );
  });
});
