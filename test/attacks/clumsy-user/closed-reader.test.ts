// Issue 21 hole 5 (the output side): `locus exec` wrote results with no backpressure and rethrew any stdout error,
// so a slow or closed reader ended it in an uncaught `write ENOBUFS`/EPIPE with a stack trace. A person pipes
// Locus into `head` all the time: `locus exec < jobs | head -c 100`, `locus events --json | head -1`.
// Must hold: no stack trace; `exec` finishes the job it is running, runs no further job, says on stderr how many
// ran, and exits 1 (not every job ran); those jobs are kept whole; event streams stop quietly with exit 0; a slow
// reader gets every result.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { jobLine } from "../../support/cli.js";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";
import { hasStackTrace, runPiped } from "../piped-process.js";

const JOBS = 400;
const write = ["locus.write"];
/** A create_wp job whose result is about 20 KB (its description), so the results fill a pipe many times over. */
const createJob = (index: number): string =>
  jobLine(
    "create_wp",
    { wp_id: `WP-r${index}`, title: `reader ${index}`, description: "d".repeat(20_000) },
    write,
  );
const jobs = `${Array.from({ length: JOBS }, (_, index) => createJob(index)).join("\n")}\n`;

/** The WPs the store holds, from `locus list`. */
function wpCount(ws: AttackWorkspace): number {
  const list = ws.as("Operator", ["--json", "list", "--limit", "1000"]);
  return Number(resultOf(list).data?.total_count);
}

describe("attack: a person pipes `locus` into a reader that stops early", () => {
  let ws: AttackWorkspace;
  before(() => {
    ws = attackWorkspace();
  });
  after(() => ws.cleanup());

  it("`locus exec < jobs | head -c 100`: stops after the running job, exits 1, keeps what ran, no stack trace", async () => {
    const run = await runPiped(ws.dir, ["exec"], jobs, { closeAfterBytes: 100 });
    assert.equal(hasStackTrace(run.stderr), false, run.stderr);
    assert.equal(run.signal, null);
    assert.equal(run.status, 1, run.stderr);
    // A batch larger than one job's bound is streamed, so its total is not known when the reader leaves.
    const said = /stdout closed \(EPIPE\) after (\d+)(?: of (\d+))? jobs/.exec(run.stderr);
    assert.ok(said, `stderr names how many jobs ran: ${run.stderr}`);
    const ran = Number(said[1]);
    if (said[2] !== undefined) assert.equal(Number(said[2]), JOBS);
    assert.ok(ran >= 1 && ran < JOBS, `ran ${ran} of ${JOBS}`);
    // The jobs that ran are kept whole, the others were never started.
    assert.equal(wpCount(ws), ran);
    ws.assertIntact();
  });

  it("`locus events --json | head -1`: stops quietly with exit 0", async () => {
    const run = await runPiped(ws.dir, ["events", "--json"], "", { closeAfterBytes: 1 });
    assert.equal(hasStackTrace(run.stderr), false, run.stderr);
    assert.equal(run.signal, null);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, "");
  });

  it("`locus export | head -c 10`: stops quietly with exit 0", async () => {
    const run = await runPiped(ws.dir, ["export"], "", { closeAfterBytes: 10 });
    assert.equal(hasStackTrace(run.stderr), false, run.stderr);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, "");
  });

  it("a slow reader (nothing read for 3 s) gets every result, in order", async () => {
    // Small results, many of them: without backpressure they queued in memory and were flushed in one writev
    // of more buffers than the system takes (ENOBUFS).
    const count = 2_000;
    const small = Array.from({ length: count }, (_, index) =>
      jobLine("create_wp", { wp_id: `WP-s${index}`, title: `slow ${index}` }, write),
    );
    const run = await runPiped(ws.dir, ["exec"], `${small.join("\n")}\n`, { pauseMs: 3_000 });
    assert.equal(hasStackTrace(run.stderr), false, run.stderr);
    assert.equal(run.status, 0, run.stderr);
    const results = run.stdout.trimEnd().split("\n");
    assert.equal(results.length, count);
    assert.ok(results.every((line) => JSON.parse(line).success === true));
  });
});
