// Issue 18, messages a newcomer meets: a refusal names what was actually wrong. An unknown MT is named as
// unknown (not as the WP's state); update_wp's fields put beside wp_id are told they belong under `updates`;
// `locus show` shows the whole WP: its description and every note.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { jobLine, locus, tempWorkspace } from "../support/cli.js";

const dir = tempWorkspace();
after(() => rmSync(dir, { recursive: true, force: true }));
const created = JSON.parse(
  locus(dir, [
    "create",
    "Write the guide",
    "--description",
    "First line.\nSecond line of the plan.",
    "--json",
  ]).stdout,
);
const wpId = created.data.wp.wp_id as string;

describe("refusals that name what was wrong (issue 18)", () => {
  it("`mt start` of an MT that does not exist says so, even while the WP is not in progress", () => {
    const run = locus(dir, ["mt", "start", wpId, "MT-009", "--json"]);
    assert.equal(run.status, 1);
    const { error } = JSON.parse(run.stdout);
    assert.equal(error.code, "HSK-404-NOT-FOUND");
    assert.equal(error.details.field, "mt_id");
    assert.match(error.message, /micro-task MT-009 does not exist/);
  });

  it("`status` beside `wp_id` in an update_wp job is told it belongs under `updates`", () => {
    const run = locus(dir, ["exec"], jobLine("update_wp", { wp_id: wpId, status: "ready" }, ["locus.write"]));
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1) as string);
    assert.equal(result.error.code, "HSK-400-INVALID-PARAMS");
    assert.equal(result.error.details.field, "params.status");
    assert.equal(result.error.details.belongs_under, "params.updates");
    assert.match(
      result.error.message,
      /status belongs under params\.updates, as \{"updates": \{"status": \.\.\.\}\}/,
    );
  });

  it("an unknown key that is no field of updates gets the plain message", () => {
    const run = locus(dir, ["exec"], jobLine("update_wp", { wp_id: wpId, colour: "red" }, ["locus.write"]));
    const result = JSON.parse(run.stdout.trim().split("\n").at(-1) as string);
    assert.equal(result.error.code, "HSK-400-INVALID-PARAMS");
    assert.doesNotMatch(result.error.message, /belongs under/);
  });
});

describe("locus show is the whole WP (issue 18)", () => {
  it("prints the description and every note, not only the last three", () => {
    for (let i = 1; i <= 5; i++) assert.equal(locus(dir, ["note", wpId, `note number ${i}`]).status, 0);
    const shown = locus(dir, ["show", wpId]).stdout;
    assert.match(shown, /description:\n {4}First line\.\n {4}Second line of the plan\./);
    for (let i = 1; i <= 5; i++) assert.match(shown, new RegExp(`note number ${i}`));
    const updated = locus(dir, ["update", wpId, "--priority", "1"]).stdout;
    assert.match(updated, /2 earlier note\(s\): locus show/);
  });
});

describe("events tail shows the work (issue 18)", () => {
  it("state changes by default, the audit records with --all, and -n counts what is shown", () => {
    locus(dir, ["list"]); // a query: recorded as work_query_executed
    const tail = locus(dir, ["events", "tail"]).stdout;
    assert.match(tail, /work_packet_created/);
    assert.match(tail, /work_packet_updated/);
    assert.doesNotMatch(tail, /capability_decision|work_query_executed/);
    const all = locus(dir, ["events", "tail", "--all", "-n", "100"]).stdout;
    assert.match(all, /capability_decision/);
    assert.match(all, /work_query_executed/);
    const two = locus(dir, ["events", "tail", "-n", "2"]).stdout.trim().split("\n");
    assert.equal(two.length, 2);
    for (const line of two) assert.match(line, /work_packet_updated/);
  });
});

describe("dep rm takes the edge as dep add does (issue 18)", () => {
  it("`dep rm FROM TYPE TO` removes the edge and says so; `dep rm ID` still works", () => {
    const other = JSON.parse(locus(dir, ["create", "Second", "--json"]).stdout).data.wp.wp_id as string;
    const added = locus(dir, ["dep", "add", wpId, "blocks", other]);
    assert.equal(added.status, 0, added.stderr);
    assert.doesNotMatch(added.stdout, /^removed/);
    const removed = locus(dir, ["dep", "rm", wpId, "blocks", other]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`^removed dep_\\w+ {2}${wpId} blocks ${other}`));
    const again = locus(dir, ["dep", "rm", wpId, "blocks", other]);
    assert.match(again.stdout, /no such dependency: nothing removed/);
    const byId = JSON.parse(locus(dir, ["dep", "add", wpId, "related", other, "--json"]).stdout).data
      .dependency;
    assert.match(locus(dir, ["dep", "rm", byId.dependency_id]).stdout, /^removed /);
  });
});

describe("option help says what a param is (issue 18)", () => {
  it("each option of a command has a line of its own, not only its name", () => {
    const help = locus(dir, ["create", "--help"]).stdout;
    assert.match(help, /--wp-id <value> +the work packet's id, e.g\. WP-1/);
    assert.match(help, /--priority <value> +0 \(most urgent\) to 4 \(default 2\)/);
    assert.match(help, /--labels <a,b> +labels, e\.g\. --labels auth,backend/);
    // A description in the operation's own schema wins over the shared one.
    assert.match(locus(dir, ["sync", "--help"]).stdout, /--direction <value> +pull, push or both/);
  });
});

describe("board sync speaks to people (issue 18)", () => {
  it("an unadopted board gets a readable summary and the command that adopts it", () => {
    const boardDir = tempWorkspace();
    after(() => rmSync(boardDir, { recursive: true, force: true }));
    mkdirSync(join(boardDir, "docs"));
    writeFileSync(
      join(boardDir, "docs", "TASK_BOARD.md"),
      "# Task Board\n\n## Ready for Dev\n- **[WP-1-login]** - [READY_FOR_DEV] Login page\n",
    );
    const dry = locus(boardDir, ["board", "sync", "--dry-run"]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run, nothing written: docs\/TASK_BOARD\.md: /);
    assert.match(dry.stdout, /1 entry the store does not know:\n {2}line 4 WP-1-login \(Ready for Dev\)/);
    assert.match(dry.stdout, /adopt them with: locus board sync --import-unknown/);
    assert.ok(dry.stdout.length < 1_000, "a summary, not the whole report");
    const adopted = locus(boardDir, ["board", "sync", "--import-unknown"]);
    assert.match(adopted.stdout, /1 adopted/);
    assert.doesNotMatch(adopted.stdout, /does not know/);
  });
});

describe("a refused board move (issue 18)", () => {
  it("exits 1 and reads as REFUSED in locus events, unlike an applied one", () => {
    const boardDir = tempWorkspace();
    after(() => rmSync(boardDir, { recursive: true, force: true }));
    assert.equal(locus(boardDir, ["create", "Guarded", "--wp-id", "WP-7"]).status, 0);
    assert.equal(locus(boardDir, ["update", "WP-7", "--status", "ready"]).status, 0);
    assert.equal(locus(boardDir, ["board", "sync"]).status, 0);
    const file = join(boardDir, "docs", "TASK_BOARD.md");
    const board = readFileSync(file, "utf8");
    const entry = board.split("\n").find((line) => line.includes("[WP-7]")) as string;
    // Moved by hand to In Progress: refused, the pre-work gate has not passed.
    writeFileSync(
      file,
      `${board.replace(`${entry}\n`, "")}\n## In Progress\n${entry.replace("READY_FOR_DEV", "IN_PROGRESS")}\n`,
    );
    const refused = locus(boardDir, ["board", "sync"]);
    assert.equal(refused.status, 1, refused.stdout);
    assert.match(refused.stdout, /1 move\(s\) refused, put back where the store says:\n {2}line \d+ WP-7: /);
    const events = locus(boardDir, ["events"]).stdout;
    assert.match(events, /task_board_status_changed +\S+ +WP-7 +READY -> IN_PROGRESS REFUSED/);
  });
});

describe("search for people (issue 18)", () => {
  it("a query whose words no WP holds finds nothing, and says how to ask for the closest in meaning", () => {
    const nonsense = locus(dir, ["search", "xyzzy"]);
    assert.equal(nonsense.status, 0, nonsense.stderr);
    assert.equal(
      nonsense.stdout.trim(),
      "(no work packet matches)\nno work packet (within the filters) holds a word of the query or is close to it in meaning; --mode vector lists the closest anyway",
    );
    const json = JSON.parse(locus(dir, ["search", "xyzzy", "--json"]).stdout);
    assert.deepEqual(json.data.results, []);
    const meaning = locus(dir, ["search", "xyzzy", "--mode", "vector"]);
    assert.match(meaning.stdout, /no WP holds these words: the list is only the closest in meaning/);
    const exact = locus(dir, ["search", "xyzzy", "--mode", "keyword"]);
    assert.equal(exact.stdout.trim(), "(no work packet matches)");
    const found = locus(dir, ["search", "guide"]);
    assert.match(found.stdout, /Write the guide/);
    assert.doesNotMatch(found.stdout, /\*\*|closest in meaning/);
  });
});
