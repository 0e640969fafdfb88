// Hostile jobs through the one envelope (issue 7, LOCUS_SPEC sections 3 and 10): mutated envelopes, and every
// catalog operation's params generated from its schema's keys with wrong types, nesting, huge and unicode-edge
// strings, polluting keys and traversal paths. The only outcomes allowed: success, or a contract refusal that
// changed nothing; never a throw, an unknown code, an internal failure, a stack trace or a polluted prototype.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { CAPABILITY_REGISTRY } from "../../src/domain/capabilities.js";
import { OPERATIONS } from "../../src/operations/catalog.js";
import { FuzzWorkspace, SEED_WPS } from "./fuzz-fixture.js";
import {
  hostileString,
  hostileValue,
  POLLUTING_KEYS,
  pollutingObject,
  prototypeFingerprint,
  prototypePolluted,
} from "./hostile-values.js";

/** Cases per property; the total across test/fuzz stays above 10,000 (issue 7). */
const ENVELOPE_RUNS = Number(process.env.LOCUS_FUZZ_RUNS ?? 3_000);
const PARAMS_RUNS_PER_OPERATION = Math.ceil(ENVELOPE_RUNS / 10);

let workspace: FuzzWorkspace;
const prototypeBefore = prototypeFingerprint();
before(async () => {
  workspace = new FuzzWorkspace();
  await workspace.reset();
});
after(async () => workspace.close());

/**
 * Small real sources for the import operations (section 15): an empty Beads file, an empty Backlog.md folder, an
 * empty Task Master file and an empty gh export, so import cases reach the importers, not only their schema.
 */
const SOURCES = mkdtempSync(join(tmpdir(), "locus-fuzz-sources-"));
mkdirSync(join(SOURCES, "backlog", "tasks"), { recursive: true });
writeFileSync(join(SOURCES, "issues.jsonl"), "");
writeFileSync(join(SOURCES, "tasks.json"), '{"tasks":[]}');
writeFileSync(join(SOURCES, "gh.json"), "[]");
after(() => rmSync(SOURCES, { recursive: true, force: true }));
const IMPORT_SOURCES = ["issues.jsonl", "backlog", "tasks.json", "gh.json"].map((name) =>
  join(SOURCES, name),
);

/** Plausible values by param name, so generated jobs also get past "not found" into the operations. */
const PLAUSIBLE: Record<string, fc.Arbitrary<unknown>> = {
  wp_id: fc.constantFrom(...SEED_WPS, "WP-new-1", "WP-../../etc"),
  from_wp_id: fc.constantFrom(...SEED_WPS),
  to_wp_id: fc.constantFrom(...SEED_WPS),
  mt_id: fc.constantFrom("MT-001", "MT-002", "MT-999999"),
  actor_id: fc.constantFrom("ann", "agent-7", "no-such-member"),
  role: fc.constantFrom("viewer", "member", "admin", "owner", "root"),
  required: fc.oneof(fc.constant(false), fc.boolean()),
  title: fc.oneof(hostileString, fc.constantFrom("A plain title", "Fix the parser")),
  gate: fc.constantFrom("pre_work", "post_work"),
  result: fc.record(
    { status: fc.constantFrom("pass", "fail", "skip", "pending"), notes: hostileString },
    { requiredKeys: ["status"] },
  ),
  type: fc.constantFrom("blocks", "blocked_by", "parent-child", "related", "bug", "feature"),
  updates: fc.record(
    {
      status: fc.constantFrom("ready", "stub", "in_progress", "gated", "blocked", "done", "cancelled"),
      title: hostileString,
      labels: fc.array(hostileString, { maxLength: 5 }),
      priority: fc.integer({ min: -2, max: 6 }),
      assignee: hostileString,
      task_packet_path: fc.constantFrom(
        "../../etc/passwd",
        "/etc/passwd",
        "docs/task_packets/WP-x.md",
        "docs/../../x",
      ),
      "governance.status": fc.constantFrom("ready", "nonsense"),
    },
    { requiredKeys: [] },
  ),
  path: fc.constantFrom(
    "docs/TASK_BOARD.md",
    "../outside.md",
    "../../a/escape.md",
    "/tmp/escape.md",
    "docs/new-board.md",
  ),
  task_packet_path: fc.constantFrom("../../etc/passwd", "docs/task_packets/WP-seed-ready.md", "/etc/hosts"),
  micro_tasks: fc.array(
    fc.record({
      mt_id: fc.constantFrom("MT-001", "MT-002", "MT-1"),
      name: hostileString,
      depends_on: fc.array(fc.constantFrom("MT-001", "MT-002")),
    }),
    { maxLength: 4 },
  ),
  query: hostileString,
  expected_version: fc.integer({ min: -1, max: 5 }),
  description: fc.string({ maxLength: 50 }),
  priority: fc.integer({ min: 0, max: 4 }),
  labels: fc.array(fc.constantFrom("x", "y", "ui"), { maxLength: 3 }),
  phase: fc.constantFrom("0", "1", "2"),
  assignee: fc.constantFrom("self", "agent-1"),
  reason: fc.string({ maxLength: 50 }),
  note: fc.string({ maxLength: 50 }),
  direction: fc.constantFrom("both", "from_board", "to_board", "up", "down"),
  import_unknown: fc.boolean(),
  dry_run: fc.boolean(),
  limit: fc.integer({ min: 1, max: 50 }),
  offset: fc.integer({ min: 0, max: 5 }),
  statuses: fc.array(fc.constantFrom("ready", "in_progress", "done"), { minLength: 1, maxLength: 3 }),
  sort_by: fc.constantFrom("priority", "age", "hybrid"),
  mode: fc.constantFrom("hybrid", "keyword", "vector"),
  iteration: fc.integer({ min: 1, max: 4 }),
  model_id: fc.constantFrom("model-a", "model-b"),
  outcome: fc.constantFrom(
    "SUCCESS",
    "RETRY",
    "ESCALATE",
    "BLOCKED",
    "SKIPPED",
    "completed",
    "failed",
    "skipped",
  ),
  include_deleted: fc.boolean(),
  // The remaining keys of the catalog, so that every operation's cases also reach the operation itself.
  routing: fc.constantFrom("GOV_STRICT", "GOV_LIGHT", "GOV_NOPE"),
  reporter: fc.constantFrom("ann", ""),
  spec_session_id: fc.string({ maxLength: 20 }),
  due_at: fc.constantFrom("2026-05-01T00:00:00.000Z", "tomorrow"),
  source: fc.constantFrom("api", "cli", ...IMPORT_SOURCES),
  lora_id: fc.constantFrom("lora-1"),
  escalation_level: fc.integer({ min: 0, max: 2 }),
  started_at: fc.constantFrom("2026-01-01T00:00:00.000Z", "then"),
  completed_at: fc.constantFrom("2026-01-01T00:01:00.000Z"),
  duration_ms: fc.integer({ min: -1, max: 10_000 }),
  tokens_prompt: fc.nat(1_000),
  tokens_completion: fc.nat(1_000),
  claimed_complete: fc.boolean(),
  validation_passed: fc.boolean(),
  output_artifact_ref: fc.string({ maxLength: 30 }),
  validation_artifact_ref: fc.string({ maxLength: 30 }),
  error_summary: fc.string({ maxLength: 30 }),
  failure_category: fc.constantFrom("timeout", "test_failure"),
  final_iteration: fc.integer({ min: 0, max: 3 }),
  validation_result: fc.record({ passed: fc.boolean() }),
  dependency_id: fc.constantFrom("dep_01J00000000000000000000000", "dep_x"),
  priority_min: fc.integer({ min: 0, max: 4 }),
  priority_max: fc.integer({ min: 0, max: 4 }),
  types: fc.array(fc.constantFrom("feature", "bug", "blocks", "related", "nonsense"), { maxLength: 2 }),
  calendar_policy_id: fc.constantFrom("NORMAL", "FOCUS_MODE", "SPRINT_MODE", "NO_SUCH_POLICY"),
  max_depth: fc.integer({ min: 0, max: 5 }),
};

/**
 * Valid values for the keys whose plausible values include near misses (a traversal id, an unknown routing, a
 * path outside the workspace): the all-plausible quarter of the cases uses these, so that it reaches the
 * operation nearly every time instead of by chance (an operation with a dozen params would otherwise rarely
 * get past its schema, and the reach assertion below would fail at random).
 */
const VALID: Record<string, fc.Arbitrary<unknown>> = {
  wp_id: fc.constantFrom(...SEED_WPS, "WP-new-1"),
  title: fc.constantFrom("A plain title", "Fix the parser"),
  type: fc.constantFrom("bug", "feature"),
  routing: fc.constantFrom("GOV_STRICT", "GOV_LIGHT"),
  due_at: fc.constant("2026-05-01T00:00:00.000Z"),
  started_at: fc.constant("2026-01-01T00:00:00.000Z"),
  reporter: fc.constant("ann"),
  task_packet_path: fc.constant("docs/task_packets/WP-seed-ready.md"),
  path: fc.constantFrom("docs/TASK_BOARD.md", "docs/new-board.md"),
  mt_id: fc.constantFrom("MT-001", "MT-002"),
  actor_id: fc.constantFrom("ann", "agent-7"),
  role: fc.constantFrom("viewer", "member", "admin", "owner"),
  dependency_id: fc.constant("dep_01J00000000000000000000000"),
  calendar_policy_id: fc.constantFrom("NORMAL", "FOCUS_MODE", "SPRINT_MODE"),
  types: fc.array(fc.constantFrom("feature", "bug"), { maxLength: 2 }),
  duration_ms: fc.nat(10_000),
  expected_version: fc.integer({ min: 1, max: 5 }),
  direction: fc.constantFrom("both", "from_board", "to_board"),
};

/** An object that keeps a polluting key as an own property, as JSON.parse makes it. */
function withOwnKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

/** Params for `keys`: each key plausible, hostile or absent, sometimes an extra polluting or unknown key. */
function paramsArbitrary(keys: string[]): fc.Arbitrary<Record<string, unknown>> {
  const model = Object.fromEntries(
    keys.map((key) => {
      const plausible = PLAUSIBLE[key];
      // Mostly plausible where a plausible value is known, so cases reach the operations, not only the schema.
      return [
        key,
        plausible
          ? fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 1, arbitrary: hostileValue })
          : hostileValue,
      ];
    }),
  );
  // A quarter of the cases give every key a plausible value, so that operations with many params (record_iteration
  // has 19) are reached too, not only their schema.
  const plausibleOnly = Object.fromEntries(
    keys.flatMap((key) => {
      const valid = VALID[key] ?? PLAUSIBLE[key];
      return valid ? [[key, valid]] : [];
    }),
  );
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.record(model, { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.record(plausibleOnly) },
      ),
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...POLLUTING_KEYS, "unknown_key"), hostileValue) },
      ),
    )
    .map(([params, extra]) => (extra ? withOwnKey({ ...params }, extra[0], extra[1]) : params));
}

function job(operation: string, params: unknown, capabilities: string[]): Record<string, unknown> {
  return {
    job_kind: "locus_operation",
    protocol_id: `locus_${operation}_v1`,
    input: { operation, params, capabilities_requested: capabilities },
  };
}

function assertClean(problem: string | undefined): void {
  assert.equal(problem, undefined);
  assert.equal(prototypePolluted(prototypeBefore), false, "Object.prototype was polluted");
}

for (const operation of OPERATIONS) {
  const shape = (operation.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  test(`fuzz params of ${operation.name} (${PARAMS_RUNS_PER_OPERATION} cases)`, async () => {
    const mark = workspace.mark();
    await fc.assert(
      fc.asyncProperty(paramsArbitrary(Object.keys(shape)), async (params) => {
        await workspace.nextCase();
        assertClean(await workspace.check(job(operation.name, params, [...operation.capabilities])));
      }),
      { numRuns: PARAMS_RUNS_PER_OPERATION },
    );
    // Some cases got through the params schema into the operation: a success, or a refusal it decided.
    const { successes, codes } = workspace.reachedSince(mark);
    const decided = codes.filter((code) => code !== "HSK-400-INVALID-PARAMS" && code !== "HSK-413-LIMIT");
    process.stdout.write(`${operation.name}: ${successes} successes, ${codes.join(" ")}\n`);
    assert.ok(
      successes + decided.length > 0,
      `${operation.name}: every case stopped at the schema (${codes})`,
    );
  });
}

const ENVELOPE_FIELDS = [
  "job_id",
  "job_kind",
  "protocol_id",
  "capability_profile_id",
  "actor_id",
  "trace_id",
  "idempotency_key",
  "work_packet_binding",
  "input",
];
const INPUT_FIELDS = ["schema_version", "op_id", "operation", "params", "capabilities_requested"];

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    field: fc.constantFrom(...ENVELOPE_FIELDS),
    value: hostileValue,
  }),
  fc.record({
    kind: fc.constant("set_input" as const),
    field: fc.constantFrom(...INPUT_FIELDS),
    value: hostileValue,
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    field: fc.constantFrom(...ENVELOPE_FIELDS, ...INPUT_FIELDS),
  }),
  fc.record({ kind: fc.constant("pollute" as const), value: pollutingObject }),
  fc.record({
    kind: fc.constant("capabilities" as const),
    value: fc.array(
      fc.oneof(
        fc.constantFrom(...CAPABILITY_REGISTRY, "fs.read:../../etc", "fs.write:/", "locus.*"),
        hostileString,
      ),
      { maxLength: 6 },
    ),
  }),
  fc.record({
    kind: fc.constant("binding" as const),
    value: fc.oneof(fc.constantFrom(...SEED_WPS, "WP-../../etc"), hostileString),
  }),
  fc.record({
    kind: fc.constant("profile" as const),
    value: fc.constantFrom(
      "Analyst",
      "Coder",
      "Validator",
      "Orchestrator",
      "Operator",
      "__proto__",
      "constructor",
      "toString",
    ),
  }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(base: Record<string, unknown>, change: Mutation): unknown {
  const input = { ...(base.input as Record<string, unknown>) };
  const next: Record<string, unknown> = { ...base, input };
  switch (change.kind) {
    case "set":
      return withOwnKey(next, change.field, change.value);
    case "set_input":
      withOwnKey(input, change.field, change.value);
      return next;
    case "delete":
      delete next[change.field];
      delete input[change.field];
      return next;
    case "pollute":
      for (const key of Object.keys(change.value))
        withOwnKey(Math.random() < 0.5 ? next : input, key, change.value[key]);
      return next;
    case "capabilities":
      input.capabilities_requested = change.value;
      return next;
    case "binding":
      next.work_packet_binding = { work_packet_id: change.value };
      return next;
    case "profile":
      next.capability_profile_id = change.value;
      return next;
  }
}

test(`fuzz the job envelope (${ENVELOPE_RUNS} cases)`, async () => {
  const operation = fc.constantFrom(...OPERATIONS);
  const hostileJob = fc.oneof(
    { weight: 1, arbitrary: hostileValue },
    {
      weight: 6,
      arbitrary: fc
        .tuple(operation, fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .chain(([op, changes]) =>
          paramsArbitrary(Object.keys((op.params as unknown as { shape?: object }).shape ?? {})).map(
            (params) =>
              changes.reduce<unknown>(
                (acc, change) =>
                  typeof acc === "object" && acc !== null
                    ? mutate(acc as Record<string, unknown>, change)
                    : acc,
                job(op.name, params, [...op.capabilities]),
              ),
          ),
        ),
    },
  );
  const mark = workspace.mark();
  await fc.assert(
    fc.asyncProperty(hostileJob, async (raw) => {
      await workspace.nextCase();
      assertClean(await workspace.check(raw));
    }),
    { numRuns: ENVELOPE_RUNS },
  );
  assert.equal(workspace.shallow(mark, 5), undefined);
});

test("the job fuzzers together reached successes and most contract refusal codes", () => {
  assert.equal(workspace.shallow(new Map(), 8), undefined);
});

test("no fuzzed path wrote outside the workspace root", () => {
  assert.deepEqual(workspace.escapes(), []);
});
