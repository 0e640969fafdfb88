import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { locus, locusJson, newWorkspace } from "./cli-process.js";

// Events, export and import as real processes: a workspace moved by export/import keeps its chain exactly.

describe("locus events / export / import", () => {
  let source = "";
  let target = "";
  const scratch = mkdtempSync(join(tmpdir(), "locus-transfer-"));
  before(() => {
    source = newWorkspace();
    target = newWorkspace();
    const jobs = ["WP-x", "WP-y"].map((id) =>
      JSON.stringify({
        job_kind: "locus_operation",
        protocol_id: "locus_create_wp_v1",
        input: {
          operation: "create_wp",
          params: { wp_id: id, title: id },
          capabilities_requested: ["locus.write"],
        },
      }),
    );
    assert.equal(locus(source, ["exec"], `${jobs.join("\n")}\n`).status, 0);
    assert.equal(locus(source, ["update", "WP-x", "--status", "ready"]).status, 0);
    assert.equal(locus(source, ["dep", "add", "WP-x", "blocks", "WP-y"]).status, 0);
  });
  after(() => {
    for (const dir of [source, target, scratch]) rmSync(dir, { recursive: true, force: true });
  });

  it("locus events --json still prints JSON Lines; events tail prints the last n", () => {
    const all = locus(source, ["events", "--json"]).stdout.trim().split("\n");
    assert.ok(all.length >= 4);
    assert.equal(JSON.parse(all[0] as string).seq, 1);
    const tail = locus(source, ["--json", "events", "tail", "-n", "2"]).stdout.trim().split("\n");
    assert.equal(tail.length, 2);
    assert.equal(JSON.parse(tail[1] as string).seq, JSON.parse(all[all.length - 1] as string).seq);
  });

  it("export then import into an empty workspace reproduces the chain and the state exactly", () => {
    const file = join(scratch, "export.jsonl");
    const exported = locusJson(source, ["export", "--out", file]);
    assert.equal(exported.run.status, 0);
    const imported = locusJson(target, ["import", file]);
    assert.equal(imported.run.status, 0, imported.run.stderr);
    const importedData = imported.body.data as { wps: number; dependencies: number };
    assert.equal(importedData.wps, 2);
    assert.equal(importedData.dependencies, 1);
    assert.equal(locus(target, ["events", "export"]).stdout, readFileSync(file, "utf8"));
    assert.equal(locus(target, ["events", "verify"]).status, 0);
    assert.equal(locus(target, ["replay"]).status, 0);
    const ready = (workspace: string) =>
      locusJson(workspace, ["ready"]).body.data as { ready_wps: unknown[] };
    assert.deepEqual(ready(target).ready_wps, ready(source).ready_wps);
    // The imported workspace keeps working: a new write chains onto the imported head.
    assert.equal(locus(target, ["update", "WP-y", "--status", "ready"]).status, 0);
    assert.equal(locus(target, ["events", "verify"]).status, 0);
  });

  it("import refuses a non-empty workspace with HSK-409-CONFLICT and writes nothing", () => {
    const file = join(scratch, "export.jsonl");
    const before = locus(source, ["events", "--json"]).stdout;
    const { run, body } = locusJson(source, ["import", file]);
    assert.equal(run.status, 1);
    assert.equal((body.error as { code: string }).code, "HSK-409-CONFLICT");
    assert.equal(locus(source, ["events", "--json"]).stdout, before);
  });

  it("import refuses a tampered export, naming the first bad seq, and writes nothing", () => {
    const lines = readFileSync(join(scratch, "export.jsonl"), "utf8").trim().split("\n");
    const event = JSON.parse(lines[1] as string) as { actor_id: string };
    event.actor_id = "mallory";
    lines[1] = JSON.stringify(event);
    const tampered = join(scratch, "tampered.jsonl");
    writeFileSync(tampered, `${lines.join("\n")}\n`);
    const fresh = newWorkspace();
    try {
      const { run, body } = locusJson(fresh, ["import", tampered]);
      assert.equal(run.status, 1);
      const error = body.error as { code: string; details: { first_bad_seq: number } };
      assert.equal(error.code, "HSK-400-INVALID-EVENT");
      assert.equal(error.details.first_bad_seq, 2);
      assert.equal(locus(fresh, ["events", "--json"]).stdout, "");
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("import of a file that is not JSON Lines exits 2 naming the line", () => {
    const bad = join(scratch, "bad.jsonl");
    writeFileSync(bad, "{not json}\n");
    const run = locus(target, ["import", bad]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /line 1/);
  });
});

/** A JSON Lines batch of `count` create_wp jobs for `locus exec`. */
function createJobs(count: number, prefix: string): string {
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      job_kind: "locus_operation",
      protocol_id: "locus_create_wp_v1",
      input: {
        operation: "create_wp",
        params: { wp_id: `${prefix}-${i}`, title: `${prefix} ${i}` },
        capabilities_requested: ["locus.write"],
      },
    }),
  );
  return `${lines.join("\n")}\n`;
}

/** How many events the log holds (from `events verify`; `events --json` of 1,000+ events outgrows spawnSync's buffer). */
function eventCount(dir: string): number {
  return (locusJson(dir, ["events", "verify"]).body.data as { checked: number }).checked;
}

/** Every line of stdout parses as JSON and carries no progress drawing. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  assert.doesNotMatch(stdout, /\r|\[#/);
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("locus replay, replay --rebuild, and progress on stderr", () => {
  let dir = "";
  // 600 creates leave 1,200 events (each with its capability decision): more than one page of the replay reader.
  const COUNT = 600;
  before(() => {
    dir = newWorkspace("locus-replay-");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("exec of a JSON Lines batch draws progress on stderr with LOCUS_PROGRESS=1; stdout stays JSON Lines", () => {
    const run = locus(dir, ["exec"], createJobs(COUNT, "WP-batch"), { LOCUS_PROGRESS: "1" });
    assert.equal(run.status, 0, run.stderr);
    const results = jsonLines(run.stdout);
    assert.equal(results.length, COUNT);
    assert.ok(results.every((result) => result.success === true));
    assert.match(run.stderr, new RegExp(`\\rexec \\[#{30}\\] ${COUNT}/${COUNT}\\n$`));
    // Not a terminal and no override: no bar at all.
    const quiet = locus(dir, ["exec"], createJobs(2, "WP-quiet"));
    assert.equal(quiet.status, 0);
    assert.equal(quiet.stderr, "");
    assert.equal(jsonLines(quiet.stdout).length, 2);
    // LOCUS_PROGRESS=0 wins even where a bar would be drawn.
    assert.equal(locus(dir, ["exec"], createJobs(2, "WP-off"), { LOCUS_PROGRESS: "0" }).stderr, "");
    assert.equal(locus(dir, ["dep", "add", "WP-batch-0", "blocks", "WP-batch-1"]).status, 0);
  });

  it("replay --json prints one report on stdout, progress only on stderr", () => {
    const events = eventCount(dir);
    assert.ok(events > 1_000, `${events} events`);
    const plain = locus(dir, ["--json", "replay"]);
    assert.equal(plain.status, 0, plain.stdout);
    assert.equal(plain.stderr, "");
    const run = locus(dir, ["--json", "replay"], undefined, { LOCUS_PROGRESS: "1" });
    assert.equal(run.status, 0);
    const [result, ...rest] = jsonLines(run.stdout);
    assert.equal(rest.length, 0);
    assert.equal(result?.success, true);
    assert.deepEqual(result?.data, {
      ok: true,
      events,
      wps: COUNT + 4,
      mts: 0,
      dependencies: 1,
      mismatches: [],
    });
    assert.match(run.stderr, new RegExp(`replaying \\[#{30}\\] ${events}/${events}\\n$`));
  });

  it("replay finds a live table that drifted from the log (exit 1); replay --rebuild restores it", () => {
    const db = new Database(join(dir, ".locus", "locus.db"));
    try {
      assert.equal(db.prepare("DELETE FROM dependencies").run().changes, 1);
    } finally {
      db.close();
    }
    const drifted = locusJson(dir, ["replay"]);
    assert.equal(drifted.run.status, 1);
    const driftedData = drifted.body.data as { ok: boolean; mismatches: string[] };
    assert.equal(driftedData.ok, false);
    assert.match(String(driftedData.mismatches[0]), /^dependency dep_\w+ missing from live state$/);
    const human = locus(dir, ["replay"]);
    assert.equal(human.status, 1);
    assert.match(human.stdout, /replay DIFFERS from the live state/);

    const events = eventCount(dir);
    const rebuilt = locus(dir, ["--json", "replay", "--rebuild"], undefined, { LOCUS_PROGRESS: "1" });
    assert.equal(rebuilt.status, 0, rebuilt.stdout);
    const report = jsonLines(rebuilt.stdout)[0]?.data as { ok: boolean; dependencies: number } | undefined;
    assert.equal(report?.ok, true);
    assert.equal(report?.dependencies, 1);
    // --rebuild reads the log twice: once to rebuild, once to check.
    assert.match(rebuilt.stderr, new RegExp(`rebuilding \\[#{30}\\] ${2 * events}/${2 * events}\\n$`));
    assert.equal(locus(dir, ["replay"]).status, 0);
    const shown = locusJson(dir, ["show", "WP-batch-1"]).body.data as {
      dependencies: { incoming: { from_wp_id: string; type: string }[] };
    };
    assert.deepEqual(
      shown.dependencies.incoming.map((edge) => [edge.from_wp_id, edge.type]),
      [["WP-batch-0", "blocks"]],
    );
  });
});
