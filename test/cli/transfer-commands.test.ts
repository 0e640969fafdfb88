import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
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
    assert.equal(imported.body.wps, 2);
    assert.equal(imported.body.dependencies, 1);
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
