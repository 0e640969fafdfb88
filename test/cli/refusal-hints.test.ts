import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fixFor, type ResultError } from "../../src/cli/cli-output.js";
import { ERROR_CODES } from "../../src/domain/errors.js";
import { locus, tempWorkspace } from "../support/cli.js";

// Issue 18: every refusal's `fix:` hint is true for the refusal it follows. Each contract code of section 10 is
// provoked for real (a CLI command, or `locus exec` for the codes only jobs reach), its hint derived by the one
// function the CLI prints it with (fixFor), and what the hint says is then checked: the option it names exists,
// the move it offers is accepted, the profile it names grants the capability, the version it quotes is the WP's.

const CODES = Object.keys(ERROR_CODES);

describe("refusal hints", () => {
  let dir: string;
  const seen = new Set<string>();
  const errorOf = (args: string[], input?: string): ResultError => {
    const run = locus(dir, input === undefined ? [...args, "--json"] : args, input);
    const line = run.stdout.trim().split("\n").at(-1) as string;
    const result = JSON.parse(line) as { success: boolean; error: ResultError };
    assert.equal(result.success, false, `${args.join(" ")} should be refused: ${line}`);
    seen.add(result.error.code);
    return result.error;
  };
  const job = (operation: string, params: object, extra: object = {}, capabilities = ["locus.read"]) =>
    `${JSON.stringify({ job_kind: "locus_operation", protocol_id: `locus_${operation}_v1`, ...extra, input: { operation, params, capabilities_requested: capabilities } })}\n`;
  const create = (title: string) =>
    JSON.parse(locus(dir, ["create", title, "--json"]).stdout).data.wp.wp_id as string;

  before(() => {
    dir = tempWorkspace();
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    // Every code of the contract was provoked and its hint checked.
    assert.deepEqual([...seen].sort(), [...CODES].sort());
  });

  it("HSK-400-INVALID-PARAMS names an option the command has, also inside a list", () => {
    const wp = create("params");
    const flat = errorOf(["create", "x", "--priority", "9"]);
    assert.match(fixFor(flat), /--priority/);
    assert.match(locus(dir, ["create", "--help"]).stdout, /--priority/);
    assert.equal(locus(dir, ["update", wp, "--status", "ready"]).status, 0);
    const nested = errorOf(["mt", "register", wp, "--micro-tasks", '[{"mt_id":"MT-001"}]']);
    assert.match(fixFor(nested), /--micro-tasks \(item 0: name\)/);
    assert.doesNotMatch(fixFor(nested), /--micro-tasks-0/);
    assert.match(locus(dir, ["mt", "register", "--help"]).stdout, /--micro-tasks/);
    // A WP filter on a session log search: the hint says to drop it, and without it the search runs.
    const scoped = errorOf(["search", "params", "--scope", "session_log", "--assignee", "bob"]);
    assert.match(fixFor(scoped), /^drop --assignee: /);
    const found = locus(dir, ["search", "params", "--scope", "session_log"]);
    assert.equal(found.status, 0, found.stderr);
    assert.match(found.stdout, /created "params"/);
  });

  it("HSK-409-TRANSITION offers moves that are then accepted, and says what a gate or close needs", () => {
    const wp = create("moves");
    const done = errorOf(["update", wp, "--status", "done"]);
    const moves = /it can go to: (.+)$/.exec(fixFor(done))?.[1]?.split(", ") ?? [];
    assert.deepEqual(moves, ["ready", "cancelled"]);
    assert.equal(locus(dir, ["update", wp, "--status", moves[0] as string]).status, 0);
    const started = errorOf(["update", wp, "--status", "in_progress"]);
    assert.match(fixFor(started), /pass the pre_work gate first/);
    assert.doesNotMatch(fixFor(started), /can go to: .*in_progress/);
    const close = errorOf(["close", create("close me")]);
    assert.match(fixFor(close), /close finishes a WP that is in_progress or gated.*this one is stub/);
    assert.doesNotMatch(fixFor(close), /README/);
  });

  it("HSK-403-CAPABILITY names a profile that does grant it, or lists the known profiles", () => {
    const wp = create("gate me");
    assert.equal(locus(dir, ["update", wp, "--status", "ready"]).status, 0);
    const coder = errorOf(["gate", wp, "pre_work", "pass", "--profile", "Coder"]);
    const granting = /granted together by (.+): choose/.exec(fixFor(coder))?.[1]?.split(", ") ?? [];
    assert.deepEqual(granting, ["Validator", "Orchestrator", "Operator"]);
    assert.equal(locus(dir, ["gate", wp, "pre_work", "pass", "--profile", granting[0] as string]).status, 0);
    // Several capabilities missing at once: the hint names only profiles that grant all of them.
    const noteByValidator = errorOf(["note", wp, "hello", "--profile", "Validator"]);
    const writers = /granted together by (.+): choose/.exec(fixFor(noteByValidator))?.[1]?.split(", ") ?? [];
    assert.ok(
      writers.length > 0 && !writers.includes("Validator") && !writers.includes("Analyst"),
      fixFor(noteByValidator),
    );
    assert.equal(locus(dir, ["note", wp, "hello", "--profile", writers[0] as string]).status, 0);
    const unknown = errorOf(["ready", "--profile", "Nope"]);
    assert.match(fixFor(unknown), /known profiles: Analyst, Coder, Validator, Orchestrator, Operator/);
  });

  it("HSK-404 and HSK-409 hints point at what exists and quote the real version", () => {
    const missing = errorOf(["show", "WP-does-not-exist"]);
    assert.match(fixFor(missing), /`locus list` shows work packets/);
    const wp = create("versioned");
    const stale = errorOf(["update", wp, "--title", "new", "--expected-version", "7"]);
    assert.match(fixFor(stale), /now version 1/);
    const other = create("other");
    assert.equal(locus(dir, ["dep", "add", wp, "blocks", other]).status, 0);
    const cycle = errorOf(["dep", "add", other, "blocks", wp]);
    assert.match(
      fixFor(cycle),
      new RegExp(`cycle ${other} -> ${wp} -> ${other}|cycle ${wp} -> ${other} -> ${wp}`),
    );
  });

  it("section 17: a live lease, a release and a deferral say who holds it until when, and the way out works", () => {
    const wp = create("leased");
    assert.equal(locus(dir, ["update", wp, "--status", "ready"]).status, 0);
    assert.equal(locus(dir, ["gate", wp, "pre_work", "pass"]).status, 0);
    assert.equal(locus(dir, ["--actor", "ann", "claim", wp, "--lease-seconds", "600"]).status, 0);
    const claim = errorOf(["--actor", "bob", "--profile", "Coder", "claim", wp]);
    assert.match(
      fixFor(claim),
      /ann's lease ends at .* unless renewed; after that `locus claim WP` takes it over/,
    );
    const registered = locus(dir, [
      "--actor",
      "ann",
      "mt",
      "register",
      wp,
      "--micro-tasks",
      '[{"mt_id":"MT-001","name":"a"}]',
    ]);
    assert.equal(registered.status, 0);
    const start = errorOf(["--actor", "bob", "--profile", "Coder", "mt", "start", wp, "MT-001"]);
    assert.match(fixFor(start), /ann holds it until .*--profile Orchestrator/);
    assert.equal(
      locus(dir, ["--actor", "bob", "--profile", "Orchestrator", "mt", "start", wp, "MT-001"]).status,
      0,
    );
    const release = errorOf(["--actor", "bob", "--profile", "Coder", "release", wp]);
    assert.match(fixFor(release), /ann holds it: ask them to `locus release` it/);
    assert.equal(locus(dir, ["--actor", "ann", "release", wp]).status, 0);
    assert.equal(locus(dir, ["update", wp, "--defer-until", "2999-01-01T00:00:00Z"]).status, 0);
    const deferred = errorOf(["--actor", "bob", "claim", wp]);
    assert.match(
      fixFor(deferred),
      /deferred until 2999-01-01T00:00:00.000Z: `locus update WP --clear defer_until`/,
    );
    assert.equal(locus(dir, ["update", wp, "--clear", "defer_until"]).status, 0);
    assert.equal(locus(dir, ["--actor", "bob", "claim", wp]).status, 0);
  });

  it("path, size and storage refusals say what bound was met", () => {
    const unsafe = errorOf(["board", "sync", "--path", "../outside.md"]);
    assert.match(fixFor(unsafe), /inside the workspace folder/);
    const big = errorOf(["create", "big", "--description", "a".repeat(40_000)]);
    assert.match(fixFor(big), /limit/);
    const peer = errorOf(["sync", "/nonexistent/peer.db", "--direction", "pull"]);
    assert.match(fixFor(peer), /nothing was committed/);
  });

  it("codes only a job reaches get hints too", () => {
    const badJob = errorOf(["exec"], job("nope", {}));
    assert.match(fixFor(badJob), /LocusJob.*input\.operation/);
    const badCapability = errorOf(["exec"], job("list_wps", {}, {}, ["locus.fly"]));
    assert.match(fixFor(badCapability), /capabilities are locus\.read, locus\.write/);
    const binding = errorOf(
      ["exec"],
      job("get_wp_status", { wp_id: "WP-none" }, { work_packet_binding: { work_packet_id: "WP-none" } }),
    );
    assert.match(fixFor(binding), /bound work packet does not exist/);
    // An event that fails the registry: verify names it (the code comes from a tampered row; the hint is the same).
    const event: ResultError = {
      code: "HSK-400-INVALID-EVENT",
      message: "stored event seq 3: its payload is not JSON",
    };
    seen.add(event.code);
    assert.match(fixFor(event), /refused whole and nothing was applied/);
  });

  it("every code has a hint that is not empty", () => {
    for (const code of CODES) assert.notEqual(fixFor({ code, message: "m", details: {} }), "", code);
  });
});
