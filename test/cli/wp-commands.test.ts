import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { locus, locusJson, newWorkspace } from "./cli-process.js";

// The work packet commands as real processes: JSON shapes, human output, exit codes 0/1/2.

describe("locus create/show/list/update/note/gate/close/delete", () => {
  let dir = "";
  before(() => {
    dir = newWorkspace();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("--version prints the package version and exits 0", () => {
    const run = locus(dir, ["--version"]);
    assert.equal(run.status, 0);
    const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    assert.equal(run.stdout.trim(), version);
  });

  it("create --json returns the LocusResult with the WP as stub and the options applied", () => {
    const { run, body } = locusJson(dir, [
      "create",
      "Add login",
      "--wp-id",
      "WP-login",
      "--priority",
      "1",
      "--labels",
      "auth,backend",
      "--labels",
      "api",
    ]);
    assert.equal(run.status, 0);
    assert.equal(body.success, true);
    const wp = (body.data as { wp: Record<string, unknown> }).wp;
    assert.equal(wp.wp_id, "WP-login");
    assert.equal(wp.status, "stub");
    assert.equal(wp.priority, 1);
    assert.deepEqual(wp.labels, ["auth", "backend", "api"]);
    assert.ok(Array.isArray(body.events_emitted) && (body.events_emitted as string[]).length > 0);
  });

  it("create without --json prints a readable card, without colour under NO_COLOR", () => {
    const run = locus(dir, ["create", "Write docs", "--wp-id", "WP-docs", "--type", "docs"]);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /WP-docs\s+Write docs/);
    assert.match(run.stdout, /status stub/);
    assert.doesNotMatch(run.stdout, /\u001b\[/);
  });

  it("update changes fields through the state machine and honours --expected-version", () => {
    const ok = locusJson(dir, ["update", "WP-login", "--status", "ready", "--expected-version", "1"]);
    assert.equal(ok.run.status, 0);
    const wp = (ok.body.data as { wp: { status: string; version: number } }).wp;
    assert.equal(wp.status, "ready");
    assert.equal(wp.version, 2);
    const stale = locusJson(dir, ["update", "WP-login", "--priority", "0", "--expected-version", "1"]);
    assert.equal(stale.run.status, 1);
    assert.equal((stale.body.error as { code: string }).code, "HSK-409-CONFLICT");
  });

  it("an illegal transition exits 1 with HSK-409-TRANSITION and tells what is allowed", () => {
    const run = locus(dir, ["update", "WP-docs", "--status", "done"]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /HSK-409-TRANSITION/);
    assert.match(run.stderr, /fix: from stub it can go to:/);
  });

  it("note --json returns the LocusResult with the appended note, by the actor, and WP-002", () => {
    const { run, body } = locusJson(dir, ["note", "WP-login", "needs", "a", "threat", "model"], {
      LOCUS_ACTOR: "alice",
    });
    assert.equal(run.status, 0);
    assert.equal(body.success, true);
    assert.deepEqual(body.events_emitted, ["FR-EVT-WP-002"]);
    const wp = (body.data as { wp: { notes: { content: string; author: string; note_type: string }[] } }).wp;
    const last = wp.notes[wp.notes.length - 1];
    assert.equal(last?.content, "needs a threat model");
    assert.equal(last?.author, "alice");
    assert.equal(last?.note_type, "user");
    // Only the JSON line: the human summary is not printed beside it.
    assert.equal(run.stdout.trim().split("\n").length, 1);
  });

  it("note appends a note, gate moves ready -> in_progress, show returns the full record", () => {
    assert.equal(locus(dir, ["note", "WP-login", "talked", "to", "security"]).status, 0);
    const gate = locusJson(dir, ["gate", "WP-login", "pre_work", "pass", "--result-notes", "agreed"]);
    assert.equal(gate.run.status, 0);
    assert.deepEqual((gate.body.data as { status_change: unknown }).status_change, {
      from: "ready",
      to: "in_progress",
    });
    const show = locusJson(dir, ["show", "WP-login"]);
    const data = show.body.data as {
      wp: { notes: { content: string }[]; status: string };
      micro_tasks: unknown[];
    };
    assert.equal(data.wp.status, "in_progress");
    assert.ok(data.wp.notes.some((note) => note.content === "talked to security"));
    assert.ok(Array.isArray(data.micro_tasks));
  });

  it("list and ready --json return arrays with total_count; list filters by status", () => {
    const list = locusJson(dir, ["list", "--statuses", "stub"]);
    const listed = list.body.data as { wps: { wp_id: string }[]; total_count: number };
    assert.deepEqual(
      listed.wps.map((wp) => wp.wp_id),
      ["WP-docs"],
    );
    const ready = locusJson(dir, ["ready"]);
    const data = ready.body.data as {
      ready_wps: { wp_id: string }[];
      total_count: number;
      sort_policy: string;
    };
    assert.deepEqual(
      data.ready_wps.map((wp) => wp.wp_id),
      ["WP-login"],
    );
    assert.equal(data.total_count, 1);
    assert.equal(data.sort_policy, "hybrid");
  });

  it("a Validator-less profile cannot pass a gate: exit 1, HSK-403-CAPABILITY", () => {
    const { run, body } = locusJson(dir, ["--profile", "Coder", "gate", "WP-login", "post_work", "pass"]);
    assert.equal(run.status, 1);
    assert.equal((body.error as { code: string }).code, "HSK-403-CAPABILITY");
    const human = locus(dir, ["gate", "WP-login", "post_work", "pass"], undefined, {
      LOCUS_PROFILE: "Coder",
    });
    assert.equal(human.status, 1);
    assert.match(human.stderr, /HSK-403-CAPABILITY/);
    assert.match(human.stderr, /locus\.gate/);
  });

  it("post_work pass finishes the WP, close is then idempotent, delete needs locus.delete", () => {
    assert.equal(locus(dir, ["gate", "WP-login", "post_work", "pass"]).status, 0);
    const closed = locusJson(dir, ["close", "WP-login"]);
    assert.equal(closed.run.status, 0);
    assert.equal((closed.body.data as { wp: { status: string } }).wp.status, "done");
    const denied = locusJson(dir, ["--profile", "Orchestrator", "delete", "WP-docs"]);
    assert.equal((denied.body.error as { code: string }).code, "HSK-403-CAPABILITY");
    const deleted = locusJson(dir, ["delete", "WP-docs", "--reason", "merged into WP-login"]);
    assert.equal(deleted.run.status, 0);
    assert.equal((deleted.body.data as { wp: { status: string } }).wp.status, "cancelled");
  });

  it("usage errors exit 2: unknown option, missing argument, bad number, bad enum, unknown command", () => {
    assert.equal(locus(dir, ["create", "x", "--no-such-option"]).status, 2);
    assert.equal(locus(dir, ["create"]).status, 2);
    const number = locus(dir, ["create", "x", "--priority", "high"]);
    assert.equal(number.status, 2);
    assert.match(number.stderr, /--priority must be a number/);
    const choice = locus(dir, ["gate", "WP-login", "pre_work", "maybe"]);
    assert.equal(choice.status, 2);
    assert.match(choice.stderr, /one of pass, fail, skip, pending/);
    assert.equal(locus(dir, ["frobnicate"]).status, 2);
  });

  it("a value the schema rejects exits 2 and names the flag to fix", () => {
    const run = locus(dir, ["create", "x", "--priority", "9"]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /HSK-400-INVALID-PARAMS/);
    assert.match(run.stderr, /--priority/);
  });

  it("show of an unknown WP exits 1 with HSK-404-NOT-FOUND", () => {
    const { run, body } = locusJson(dir, ["show", "WP-nope"]);
    assert.equal(run.status, 1);
    assert.equal((body.error as { code: string }).code, "HSK-404-NOT-FOUND");
  });

  it("--help documents the exit codes and the generated options", () => {
    const help = locus(dir, ["--help"]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Exit codes:/);
    assert.match(help.stdout, /2 {2}usage error/);
    const create = locus(dir, ["create", "--help"]);
    assert.match(create.stdout, /--priority <value>/);
    assert.match(create.stdout, /one of\s+feature\|bug/); // the help line may wrap before it
  });

  it("init --json prints the workspace it made; the store is SQLite in .locus/", () => {
    const fresh = mkdtempSync(join(tmpdir(), "locus-init-"));
    try {
      const { run, body } = locusJson(fresh, ["init"]);
      assert.equal(run.status, 0);
      assert.equal(run.stdout.trim().split("\n").length, 1);
      assert.equal(body.success, true);
      const data = body.data as { root: string; store: string; replica_id: unknown };
      assert.equal(data.root, realpathSync(fresh));
      assert.equal(data.store, "sqlite");
      assert.equal(typeof data.replica_id, "string");
      assert.ok(existsSync(join(fresh, ".locus", "locus.db")));
      assert.equal(locusJson(fresh, ["list"]).body.success, true);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("colour: FORCE_COLOR colours a pipe, NO_COLOR wins over it, and neither set means plain", () => {
    const ansi = /\u001b\[\d+m/;
    const forced = locus(dir, ["list"], undefined, { NO_COLOR: "", FORCE_COLOR: "1" });
    assert.equal(forced.status, 0);
    assert.match(forced.stdout, /\u001b\[1mID +P +STATUS/); // the bold table header
    assert.match(forced.stdout, /\u001b\[32mdone\u001b\[39m/); // the status colour
    const forcedError = locus(dir, ["show", "WP-nope"], undefined, { NO_COLOR: "", FORCE_COLOR: "1" });
    assert.match(forcedError.stderr, /\u001b\[31merror\u001b\[39m HSK-404-NOT-FOUND/);
    const both = locus(dir, ["list"], undefined, { NO_COLOR: "1", FORCE_COLOR: "1" });
    assert.doesNotMatch(both.stdout, ansi);
    assert.doesNotMatch(
      locus(dir, ["show", "WP-nope"], undefined, { NO_COLOR: "1", FORCE_COLOR: "1" }).stderr,
      ansi,
    );
    const zero = locus(dir, ["list"], undefined, { NO_COLOR: "", FORCE_COLOR: "0" });
    assert.doesNotMatch(zero.stdout, ansi);
    const plain = locus(dir, ["list"], undefined, { NO_COLOR: "" });
    assert.doesNotMatch(plain.stdout, ansi);
    // --json output never carries colour.
    assert.doesNotMatch(
      locus(dir, ["--json", "list"], undefined, { NO_COLOR: "", FORCE_COLOR: "1" }).stdout,
      ansi,
    );
  });

  it("outside a workspace a command fails with a hint to run locus init", () => {
    const outside = locus("/", ["list"]);
    assert.equal(outside.status, 1);
    assert.match(outside.stderr, /locus init/);
  });
});
