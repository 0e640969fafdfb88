// `locus exec`'s JSON Lines reader under random bytes and random JSON text (issue 7, LOCUS_SPEC section 11): the
// splitter never throws, and each piece it yields becomes exactly one valid LocusResult (a refusal with a
// contract code when it is not a job), never a stack trace. In process with the real splitter and the real
// envelope for thousands of cases; then a few real `locus exec` processes for the whole path (exit 0, 1 or 2).
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, test } from "node:test";
import fc from "fast-check";
import { splitJobs } from "../../src/cli/exec-command.js";
import { ALL_ERROR_CODES } from "../../src/domain/errors.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { jobLine, locusAsync, tempWorkspace } from "../support/cli.js";
import { hostileString } from "./hostile-values.js";

const READER_RUNS = Math.ceil(Number(process.env.LOCUS_FUZZ_RUNS ?? 3_000) / 2);
const PROCESS_RUNS = 12;

/** What is wrong with `value` as a LocusResult (section 3), or undefined. */
function resultProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "not an object";
  const r = value as Record<string, unknown>;
  if (typeof r.job_id !== "string" || typeof r.trace_id !== "string") return "job_id or trace_id missing";
  if (!Array.isArray(r.events_emitted) || !r.events_emitted.every((e) => typeof e === "string"))
    return "events_emitted is not a list of ids";
  if (typeof r.duration_ms !== "number") return "duration_ms missing";
  if (r.success === true) return typeof r.data === "object" && r.data !== null ? undefined : "data missing";
  if (r.success !== false) return "success is not a boolean";
  const error = r.error as { code?: unknown; message?: unknown } | undefined;
  if (!error || !(ALL_ERROR_CODES as string[]).includes(error.code as string))
    return `unknown code ${String(error?.code)}`;
  if (typeof error.message !== "string") return "error message missing";
  if (/\n\s+at .+[:(]/.test(JSON.stringify(value))) return "stack trace in the result";
  return undefined;
}

const W = ["locus.write"];
const R = ["locus.read"];
/** A job line that could succeed, so that the readers also pass real jobs through. */
const goodLine = fc.oneof(
  fc.constant(jobLine("query_ready", {}, R)),
  hostileString.map((title) => jobLine("create_wp", { title }, W)),
  fc.constant(jobLine("create_wp", { title: "plain" }, W)),
);
/** A line of JSON Lines input: JSON of any shape, text, a job, a job cut short, a job with garbage appended. */
const line = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 40 }),
  goodLine,
  fc.tuple(goodLine, fc.nat()).map(([job, cut]) => job.slice(0, cut % job.length)),
  fc.tuple(goodLine, fc.string({ maxLength: 5 })).map(([job, tail]) => job + tail),
);
const input = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.array(line, { maxLength: 6 }), fc.constantFrom("\n", "\r\n", "\n\n", " \n"))
      .map(([lines, newline]) => lines.join(newline)),
  },
  // Random bytes, decoded as `locus exec` decodes stdin (UTF-8, invalid sequences replaced).
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("utf8")),
  },
  // One job pretty-printed over several lines: a single document, not JSON Lines.
  { weight: 1, arbitrary: goodLine.map((job) => JSON.stringify(JSON.parse(job), null, 2)) },
);

test(`fuzz the JSON Lines reader in process: one valid LocusResult per piece (${READER_RUNS} cases)`, async () => {
  const engine = new LocusEngine(SqliteStore.open(":memory:"));
  let successes = 0;
  let notJson = 0;
  try {
    await fc.assert(
      fc.asyncProperty(input, async (text) => {
        const jobs = splitJobs(text);
        const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
        assert.ok(jobs.length <= Math.max(lines.length, 1), "more pieces than non-empty lines");
        if (lines.length === 0) assert.equal(jobs.length, 0, "blank input is a usage error (exit 2), no job");
        for (const { raw } of jobs) {
          assert.ok(raw.length > 0 && raw === raw.trim(), "pieces are trimmed and non-empty");
          let job: unknown;
          try {
            job = JSON.parse(raw);
          } catch {
            notJson += 1; // exec answers HSK-400-INVALID-JOB for this line, the next line still runs
            continue;
          }
          const result = await engine.execute(job);
          assert.equal(resultProblem(result), undefined, raw.slice(0, 200));
          if (result.success) successes += 1;
        }
      }),
      { numRuns: READER_RUNS },
    );
  } finally {
    await engine.close();
  }
  assert.ok(successes > 0 && notJson > 0, `${successes} jobs succeeded, ${notJson} lines were not JSON`);
});

const dir = tempWorkspace();
after(() => rmSync(dir, { recursive: true, force: true }));

test(`fuzz locus exec as a process: every stdout line a LocusResult, or exit 2 (${PROCESS_RUNS} runs)`, async () => {
  const samples = fc.sample(input, { numRuns: PROCESS_RUNS, seed: Number(process.env.LOCUS_FUZZ_SEED ?? 7) });
  for (const text of samples) {
    const run = await locusAsync(dir, ["exec"], text);
    const label = JSON.stringify(text.slice(0, 200));
    for (const output of [run.stdout, run.stderr]) {
      assert.doesNotMatch(output, /\n\s+at .+[:(]/, `stack trace for ${label}`);
    }
    const pieces = splitJobs(text).length;
    if (pieces === 0) {
      assert.equal(run.status, 2, `blank input ${label}`);
      assert.equal(run.stdout, "");
      continue;
    }
    const results = run.stdout
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { success: boolean });
    assert.equal(results.length, pieces, `one result per job for ${label}`);
    for (const result of results) assert.equal(resultProblem(result), undefined, label);
    assert.equal(run.status, results.every((r) => r.success) ? 0 : 1, `exit code for ${label}`);
  }
});
