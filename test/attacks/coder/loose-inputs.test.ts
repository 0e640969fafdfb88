// issue 21 hole 8 (loose inputs): a Coder's jobs through `locus exec` carried a `__proto__` key in params, in
// `updates` and in the envelope; a job_id that is no uuid, and one job_id reused for a second job (two jobs
// mixed in the audit); NUL in actor_id; and the scoped capability `fs.read:../../etc`. Each was accepted.
// What must hold: each is refused with its contract code and `details.field` naming it, and the store keeps no
// state event of the refused job (a refusal's only trace is its capability decisions).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { jobLine } from "../../support/cli.js";
import { type AttackWorkspace, attackWorkspace, resultOf, stateEventsSince } from "../attack-support.js";

const W = ["locus.write"];

describe("issue 21 hole 8: loose inputs through locus exec are refused, naming the field", () => {
  let ws: AttackWorkspace;
  before(() => {
    ws = attackWorkspace();
    const seeded = resultOf(
      ws.as("Coder", ["exec"], jobLine("create_wp", { wp_id: "WP-seed", title: "seed" }, W)),
    );
    assert.equal(seeded.success, true, JSON.stringify(seeded));
  });
  after(() => {
    ws.assertIntact();
    ws.cleanup();
  });

  /** Runs one job line as a Coder and asserts the refusal's code and field, and that no state event was written. */
  const refused = (line: string, code: string, field: string) => {
    const before = ws.events();
    const run = ws.as("Coder", ["exec"], line);
    const result = resultOf(run);
    assert.equal(run.status, 1, run.stdout);
    assert.equal(result.success, false, run.stdout);
    assert.equal(result.error?.code, code, run.stdout);
    assert.equal(result.error?.details?.field, field, run.stdout);
    assert.deepEqual(stateEventsSince(before, ws.events()), [], "the refused job wrote no state event");
  };
  /** A job line with `__proto__` spliced in as JSON text (JSON.parse makes it an own key, as for any caller). */
  const withProto = (line: string, before: string) =>
    line.replace(before, `"__proto__":{"polluted":true},${before}`);

  it("a __proto__ key in params is an unknown param", () => {
    refused(
      withProto(jobLine("create_wp", { wp_id: "WP-proto", title: "t" }, W), '"wp_id"'),
      "HSK-400-INVALID-PARAMS",
      "params.__proto__",
    );
  });

  it("a __proto__ key in updates is an unknown field, not an empty update", () => {
    refused(
      withProto(jobLine("update_wp", { wp_id: "WP-seed", updates: { title: "x" } }, W), '"title"'),
      "HSK-400-INVALID-PARAMS",
      "params.updates.__proto__",
    );
  });

  it("a __proto__ key in the envelope (work_packet_binding) is refused", () => {
    const line = jobLine("update_wp", { wp_id: "WP-seed", updates: { title: "y" } }, W, {
      work_packet_binding: { work_packet_id: "WP-seed" },
    });
    refused(withProto(line, '"work_packet_id"'), "HSK-400-INVALID-JOB", "work_packet_binding.__proto__");
  });

  it("a job_id or trace_id that is not a uuid is refused", () => {
    const job = (extra: Record<string, unknown>) =>
      jobLine("create_wp", { wp_id: "WP-ids", title: "t" }, W, extra);
    refused(job({ job_id: "job-1; DROP" }), "HSK-400-INVALID-JOB", "job_id");
    refused(job({ trace_id: "not-a-trace" }), "HSK-400-INVALID-JOB", "trace_id");
  });

  it("one job_id names one job: reusing it for another job is HSK-409-CONFLICT", () => {
    const jobId = randomUUID();
    const first = resultOf(
      ws.as(
        "Coder",
        ["exec"],
        jobLine("create_wp", { wp_id: "WP-first", title: "first" }, W, { job_id: jobId }),
      ),
    );
    assert.equal(first.success, true, JSON.stringify(first));
    const carrying = () => ws.events().filter((event) => event.job_id === jobId);
    const firstEvents = carrying().map((event) => event.seq);
    refused(
      jobLine("create_wp", { wp_id: "WP-second", title: "second" }, W, { job_id: jobId }),
      "HSK-409-CONFLICT",
      "job_id",
    );
    // Not even the refused job's capability decisions may carry the reused id.
    assert.deepEqual(
      carrying().map((event) => event.seq),
      firstEvents,
      "only the first job's events carry its job_id",
    );
  });

  it("an idempotent repeat (same idempotency_key, same job, same job_id) still returns the first result", () => {
    const jobId = randomUUID();
    const line = jobLine("create_wp", { wp_id: "WP-idem", title: "once" }, W, {
      job_id: jobId,
      idempotency_key: `key-${jobId}`,
    });
    const first = resultOf(ws.as("Coder", ["exec"], line));
    assert.equal(first.success, true, JSON.stringify(first));
    const before = ws.events();
    const again = resultOf(ws.as("Coder", ["exec"], line));
    assert.deepEqual(again, first, "the first result, unchanged");
    assert.deepEqual(stateEventsSince(before, ws.events()), []);
  });

  it("a NUL (or any control character) in actor_id is refused", () => {
    const job = (actor: string) =>
      jobLine("create_wp", { wp_id: "WP-nul", title: "t" }, W, { actor_id: actor });
    refused(job("ev\u0000il"), "HSK-400-INVALID-JOB", "actor_id");
    refused(job("line\nbreak"), "HSK-400-INVALID-JOB", "actor_id");
    refused(job("esc\u001b[31m"), "HSK-400-INVALID-JOB", "actor_id");
  });

  it("a control character in --actor is a usage error before anything is recorded", () => {
    const before = ws.events();
    const run = ws.as("Coder", ["--actor", "a\u0001b", "create", "t"]);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--actor/);
    assert.equal(ws.events().length, before.length, "nothing recorded");
  });

  it("the scoped capability fs.read:../../etc is not in the registry (HSK-4001)", () => {
    refused(
      jobLine("create_wp", { wp_id: "WP-scope", title: "t" }, [...W, "fs.read:../../etc"]),
      "HSK-4001",
      "input.capabilities_requested",
    );
    refused(
      jobLine("create_wp", { wp_id: "WP-scope", title: "t" }, [...W, "fs.write:/etc"]),
      "HSK-4001",
      "input.capabilities_requested",
    );
  });

  it("a __proto__ key in a JSON-valued CLI option (--params) is refused the same way (exit 2)", () => {
    const before = ws.events();
    const run = ws.as("Coder", ["--json", "create", "t", "--params", '{"__proto__":{"polluted":true}}']);
    assert.equal(run.status, 2, run.stdout);
    const result = resultOf(run);
    assert.equal(result.error?.code, "HSK-400-INVALID-PARAMS");
    assert.equal(result.error?.details?.field, "params.__proto__");
    assert.deepEqual(stateEventsSince(before, ws.events()), []);
  });
});
