import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { locus, locusJson, newWorkspace } from "./cli-process.js";

// `locus mt ...` and `locus dep ...` as real processes, plus ready/blocked reacting to dependencies.

describe("locus mt and dep command families", () => {
  let dir = "";
  before(() => {
    dir = newWorkspace();
    for (const id of ["WP-a", "WP-b", "WP-c"]) {
      assert.equal(locus(dir, ["create", `Work ${id}`, "--wp-id", id]).status, 0);
      assert.equal(locus(dir, ["update", id, "--status", "ready"]).status, 0);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("dep add stores an edge; ready and blocked reflect it; dep chain names the blocker", () => {
    const added = locusJson(dir, ["dep", "add", "WP-a", "blocks", "WP-b"]);
    assert.equal(added.run.status, 0);
    const dependency = (added.body.data as { dependency: { dependency_id: string; type: string } })
      .dependency;
    assert.equal(dependency.type, "blocks");
    assert.match(dependency.dependency_id, /^dep_/);
    const ready = locusJson(dir, ["ready"]).body.data as { ready_wps: { wp_id: string }[] };
    assert.deepEqual(ready.ready_wps.map((wp) => wp.wp_id).sort(), ["WP-a", "WP-c"]);
    const blocked = locusJson(dir, ["blocked"]).body.data as {
      blocked_wps: { wp: { wp_id: string }; blockers: { wp_id: string }[] }[];
    };
    assert.deepEqual(
      blocked.blocked_wps.map((entry) => [entry.wp.wp_id, entry.blockers.map((b) => b.wp_id)]),
      [["WP-b", ["WP-a"]]],
    );
    const chain = locusJson(dir, ["dep", "chain", "WP-b"]).body.data as {
      blocking_chain: { wp_id: string }[];
    };
    assert.deepEqual(
      chain.blocking_chain.map((wp) => wp.wp_id),
      ["WP-a"],
    );
  });

  it("a cycle is refused with exit 1 and HSK-409-CYCLE naming the path", () => {
    assert.equal(locus(dir, ["dep", "add", "WP-b", "blocks", "WP-c"]).status, 0);
    const cycle = locus(dir, ["dep", "add", "WP-c", "blocks", "WP-a"]);
    assert.equal(cycle.status, 1);
    assert.match(cycle.stderr, /HSK-409-CYCLE/);
    assert.match(cycle.stderr, /WP-a -> WP-b -> WP-c|cycle/);
  });

  it("dep tree prints the tree for people and a nested tree in JSON", () => {
    const human = locus(dir, ["dep", "tree", "WP-a"]);
    assert.equal(human.status, 0);
    assert.match(human.stdout, /WP-a[\s\S]*blocks WP-b[\s\S]*blocks WP-c/);
    const tree = locusJson(dir, ["dep", "tree", "WP-a"]).body.data as {
      tree: { wp_id: string; children: { wp_id: string }[] };
    };
    assert.equal(tree.tree.children[0]?.wp_id, "WP-b");
  });

  it("dep rm removes by from/type/to; removing again reports removed:false", () => {
    const removed = locusJson(dir, [
      "dep",
      "rm",
      "--from-wp-id",
      "WP-b",
      "--to-wp-id",
      "WP-c",
      "--type",
      "blocks",
    ]);
    assert.equal((removed.body.data as { removed: boolean }).removed, true);
    const again = locusJson(dir, [
      "dep",
      "rm",
      "--from-wp-id",
      "WP-b",
      "--to-wp-id",
      "WP-c",
      "--type",
      "blocks",
    ]);
    assert.equal(again.run.status, 0);
    assert.equal((again.body.data as { removed: boolean }).removed, false);
  });

  it("dep rm <dependency_id> removes by the positional id; the same id again reports removed:false", () => {
    const added = locusJson(dir, ["dep", "add", "WP-c", "related", "WP-a"]);
    assert.equal(added.run.status, 0, added.run.stdout);
    const id = (added.body.data as { dependency: { dependency_id: string } }).dependency.dependency_id;
    const removed = locusJson(dir, ["dep", "rm", id]);
    assert.equal(removed.run.status, 0);
    assert.equal((removed.body.data as { removed: boolean }).removed, true);
    assert.deepEqual(removed.body.events_emitted, ["FR-EVT-DEP-002"]);
    const tree = locusJson(dir, ["show", "WP-a"]).body.data as {
      dependencies: { incoming: { dependency_id: string }[] };
    };
    assert.ok(!tree.dependencies.incoming.some((edge) => edge.dependency_id === id));
    const again = locusJson(dir, ["dep", "rm", id]);
    assert.equal(again.run.status, 0);
    assert.equal((again.body.data as { removed: boolean }).removed, false);
    assert.deepEqual(again.body.events_emitted, []);
    // Neither an id nor from/type/to: a usage error that names what to give.
    const bad = locus(dir, ["dep", "rm"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /HSK-400-INVALID-PARAMS: give dependency_id/);
  });

  it("mt register/start/iterate/complete/progress walk an MT with an escalation", () => {
    assert.equal(locus(dir, ["gate", "WP-a", "pre_work", "pass"]).status, 0);
    const chain = [
      { level: 0, model_id: "small" },
      { level: 1, model_id: "large" },
    ];
    const registered = locusJson(dir, [
      "mt",
      "register",
      "WP-a",
      "--micro-tasks",
      JSON.stringify([{ mt_id: "MT-001", name: "Schema", escalation_chain: chain }]),
    ]);
    assert.equal(registered.run.status, 0);
    assert.equal(locus(dir, ["mt", "start", "WP-a", "MT-001"]).status, 0);
    assert.equal(
      locus(dir, ["mt", "iterate", "WP-a", "MT-001", "1", "RETRY", "--model-id", "small"]).status,
      0,
    );
    const escalated = locusJson(dir, [
      "mt",
      "iterate",
      "WP-a",
      "MT-001",
      "2",
      "ESCALATE",
      "--model-id",
      "small",
    ]);
    assert.equal(
      (escalated.body.data as { mt: { escalation: { current_level: number } } }).mt.escalation.current_level,
      1,
    );
    assert.ok((escalated.body.events_emitted as string[]).includes("FR-EVT-MT-005"));
    assert.equal(
      locus(dir, ["mt", "iterate", "WP-a", "MT-001", "1", "SUCCESS", "--model-id", "large"]).status,
      0,
    );
    assert.equal(locus(dir, ["mt", "complete", "WP-a", "MT-001"]).status, 0);
    const progress = locusJson(dir, ["mt", "progress", "WP-a"]).body.data as {
      summary: Record<string, number>;
      micro_tasks: { iterations: unknown[] }[];
    };
    assert.equal(progress.summary.completed, 1);
    assert.equal(progress.micro_tasks[0]?.iterations.length, 3);
    const human = locus(dir, ["mt", "progress", "WP-a"]);
    assert.match(human.stdout, /MT-001\s+completed/);
  });

  it("mt iterate without the required --model-id exits 2 naming the flag", () => {
    const run = locus(dir, ["mt", "iterate", "WP-a", "MT-001", "9", "RETRY"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--model-id/);
  });

  it("mt register with bad JSON exits 2 and shows the expected form", () => {
    const run = locus(dir, ["mt", "register", "WP-a", "--micro-tasks", "[{oops"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--micro-tasks takes JSON/);
  });
});
