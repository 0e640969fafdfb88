// issue 21 hole 11 (errors that hide what happened): params nested 100,000 deep came back as HSK-500-STORAGE
// ("Maximum call stack size exceeded"), and a 200 MB envelope (extra keys in work_packet_binding) was read and
// parsed whole. What must hold: nesting past the bound is HSK-413-LIMIT naming input.params, on every surface;
// `locus exec` bounds each job (limits.job_bytes, 1 MiB) before parsing it, answers the overlong line with
// HSK-413-LIMIT naming the bound, runs the next line, and stays within a few hundred MB while doing so.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { LocusEngine } from "../../../src/operations/locus-engine.js";
import { SqliteStore } from "../../../src/store/sqlite/sqlite-store.js";
import { type CliRun, jobLine, LOCUS_BIN } from "../../support/cli.js";
import { type AttackWorkspace, attackWorkspace, resultOf, stateEventsSince } from "../attack-support.js";

const W = ["locus.write"];
const nested = (depth: number) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`) as unknown;
/** A create_wp job whose labels are nested `depth` deep, written as text (JSON.stringify would overflow). */
const deepJob = (depth: number) =>
  jobLine("create_wp", { title: "deep", labels: ["PLACEHOLDER"] }, W).replace(
    '["PLACEHOLDER"]',
    `${"[".repeat(depth)}${"]".repeat(depth)}`,
  );

/** Runs `locus exec` under /usr/bin/time, feeding stdin from `write`; resolves with the run and its max RSS. */
function execStreamed(
  cwd: string,
  write: (stdin: NodeJS.WritableStream) => Promise<void>,
): Promise<CliRun & { maxRssMb: number }> {
  const child = spawn("/usr/bin/time", ["-f", "MAXRSS_KB=%M", process.execPath, LOCUS_BIN, "exec"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", LOCUS_PROFILE: "Coder" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  // The child may stop reading early (a fixed Locus does not, an old one may crash): never fail on EPIPE.
  child.stdin.on("error", () => {});
  const done = new Promise<CliRun & { maxRssMb: number }>((resolve) =>
    child.on("close", (status) => {
      const rss = Number(/MAXRSS_KB=(\d+)/.exec(stderr)?.[1] ?? Number.NaN);
      resolve({ status: status ?? -1, stdout, stderr, maxRssMb: rss / 1024 });
    }),
  );
  void write(child.stdin).finally(() => child.stdin.end());
  return done;
}

/** Writes `text` to `stream`, waiting for it to drain (bounded memory on this side too). */
const put = (stream: NodeJS.WritableStream, text: string) =>
  new Promise<void>((resolve) => (stream.write(text) ? resolve() : stream.once("drain", resolve)));

describe("issue 21 hole 11: oversized jobs are refused as limits, not storage failures", () => {
  let ws: AttackWorkspace;
  before(() => {
    ws = attackWorkspace();
    assert.equal(
      resultOf(ws.as("Coder", ["exec"], jobLine("create_wp", { wp_id: "WP-bound", title: "b" }, W))).success,
      true,
    );
  });
  after(() => {
    ws.assertIntact();
    ws.cleanup();
  });

  it("params nested 100,000 deep through locus exec: HSK-413-LIMIT naming input.params", () => {
    const before = ws.events();
    const run = ws.as("Coder", ["exec"], deepJob(100_000));
    const result = resultOf(run);
    assert.equal(run.status, 1, run.stdout.slice(0, 300));
    assert.equal(result.error?.code, "HSK-413-LIMIT", run.stdout.slice(0, 300));
    assert.equal(result.error?.details?.field, "input.params");
    assert.equal(result.error?.details?.limit, 64);
    assert.deepEqual(stateEventsSince(before, ws.events()), []);
  });

  it("nesting just inside the bound still runs; one level past it is refused", () => {
    // The job is level 1, input 2, params 3: labels may nest 61 arrays (levels 4 to 64).
    const inside = resultOf(ws.as("Coder", ["exec"], deepJob(61)));
    assert.notEqual(inside.error?.code, "HSK-413-LIMIT", JSON.stringify(inside).slice(0, 300));
    const past = resultOf(ws.as("Coder", ["exec"], deepJob(62)));
    assert.equal(past.error?.code, "HSK-413-LIMIT");
  });

  it("nested params through a JSON-valued CLI option: HSK-413-LIMIT, not a storage failure", () => {
    // 50,000 levels: the most one argument can carry (Linux caps one argument at 128 KiB).
    const run = ws.as("Coder", [
      "--json",
      "create",
      "deep",
      "--params",
      JSON.stringify({ title: "x" }).replace("}", `,"labels":${"[".repeat(50_000)}${"]".repeat(50_000)}}`),
    ]);
    const result = resultOf(run);
    assert.equal(result.error?.code, "HSK-413-LIMIT", run.stdout.slice(0, 300));
    assert.equal(result.error?.details?.field, "input.params");
  });

  it("in process: a value nested 100,000 deep is HSK-413-LIMIT before anything recurses", async () => {
    const engine = new LocusEngine(SqliteStore.open(":memory:"));
    try {
      const result = await engine.run("create_wp", { title: "deep", labels: nested(100_000) });
      assert.equal(result.success ? "" : result.error.code, "HSK-413-LIMIT");
    } finally {
      await engine.close();
    }
  });

  it("a 200 MB envelope is streamed: refused as over 1 MiB, the next line still runs, memory stays bounded", {
    skip: existsSync("/usr/bin/time") ? false : "needs /usr/bin/time to read the child's max RSS",
  }, async () => {
    const before = ws.events();
    const run = await execStreamed(ws.dir, async (stdin) => {
      await put(stdin, '{"job_kind":"locus_operation","protocol_id":"locus_update_wp_v1",');
      await put(stdin, '"work_packet_binding":{"work_packet_id":"WP-bound"');
      const filler = `"x":"${"a".repeat(1024 * 1024 - 8)}"`;
      for (let mb = 0; mb < 200; mb++) await put(stdin, `,${filler.replace('"x"', `"k${mb}"`)}`);
      await put(
        stdin,
        '},"input":{"operation":"update_wp","params":{"wp_id":"WP-bound","updates":{"title":"huge"}},',
      );
      await put(stdin, '"capabilities_requested":["locus.write"]}}\n');
      await put(stdin, `${jobLine("update_wp", { wp_id: "WP-bound", updates: { title: "after" } }, W)}\n`);
    });
    const results = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as ReturnType<typeof resultOf>);
    assert.equal(results.length, 2, run.stdout.slice(0, 500) + run.stderr.slice(0, 500));
    assert.equal(results[0]?.error?.code, "HSK-413-LIMIT", JSON.stringify(results[0]));
    assert.equal(results[0]?.error?.details?.field, "job");
    assert.equal(results[0]?.error?.details?.limit, 1024 * 1024);
    assert.ok(Number(results[0]?.error?.details?.actual) > 200 * 1024 * 1024, "the whole line was counted");
    assert.equal(results[1]?.success, true, JSON.stringify(results[1]));
    assert.equal(run.status, 1);
    assert.ok(run.maxRssMb < 300, `max RSS ${run.maxRssMb.toFixed(0)} MB`);
    assert.deepEqual(
      stateEventsSince(before, ws.events()),
      ["work_packet_updated"],
      "only the second job wrote",
    );
  });
});
