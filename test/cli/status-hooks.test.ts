// Section 17: status hooks from config, run by real `locus` processes on both stores. A hook hears each committed
// status change through its environment; a failing or hanging hook never blocks or undoes the job, and is recorded
// as a `diagnostic` event.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { STORE_BACKENDS } from "../support/stores.js";
import { backendEnv, locus, newWorkspace } from "./cli-process.js";

const HOOKS = [
  `printf '%s %s %s %s\\n' "$LOCUS_WP_ID" "$LOCUS_FROM" "$LOCUS_TO" "$LOCUS_ACTOR" >> hook.log`,
  'echo "the chat server is down" >&2; exit 3',
  "sleep 30",
];

for (const backend of STORE_BACKENDS) {
  describe(`status hooks (${backend.name})`, { skip: backend.skip }, () => {
    let dir = "";
    let env: Record<string, string> = {};
    let cleanup: () => Promise<void> = async () => {};
    const run = (args: string[], actor = "ann") =>
      locus(dir, args, undefined, { ...env, LOCUS_ACTOR: actor });
    const diagnostics = () =>
      run(["events", "--json"])
        .stdout.trim()
        .split("\n")
        .map(
          (line) =>
            JSON.parse(line) as { event_name: string; actor_id: string; payload: Record<string, string> },
        )
        .filter((event) => event.event_name === "diagnostic");
    before(async () => {
      dir = newWorkspace();
      ({ env, cleanup } = await backendEnv(backend));
      const config = join(dir, ".locus", "config.json");
      const current = JSON.parse(readFileSync(config, "utf8"));
      writeFileSync(
        config,
        JSON.stringify({ ...current, hooks: { on_status_change: HOOKS, timeout_ms: 500 } }),
      );
      assert.equal(run(["create", "Hooked work", "--wp-id", "WP-1"]).status, 0);
    });
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it("each hook hears the change; a failing and a hanging hook neither block nor undo the job, and are recorded", () => {
      const started = Date.now();
      const update = run(["update", "WP-1", "--status", "ready", "--json"]);
      const elapsed = Date.now() - started;
      assert.equal(update.status, 0, update.stdout + update.stderr);
      assert.equal(JSON.parse(update.stdout).data.wp.status, "ready");
      assert.ok(elapsed < 10_000, `the command took ${elapsed} ms with a 30 s hook (timeout 500 ms)`);
      assert.equal(readFileSync(join(dir, "hook.log"), "utf8"), "WP-1 stub ready ann\n");
      const recorded = diagnostics();
      const failed = recorded.find((event) => event.payload.code === "status_hook_failed");
      assert.match(
        String(failed?.payload.message),
        /hooks\.on_status_change\[1\] for WP-1 stub -> ready: exited 3; stderr: the chat server is down/,
      );
      assert.equal(failed?.payload.subject, "WP-1");
      assert.equal(failed?.actor_id, "ann");
      const timeout = recorded.find((event) => event.payload.code === "status_hook_timeout");
      assert.match(String(timeout?.payload.message), /on_status_change\[2\] .*killed after 500 ms/);
      assert.equal(
        (JSON.parse(run(["show", "WP-1", "--json"]).stdout).data.wp as { status: string }).status,
        "ready",
      );
      assert.equal(run(["events", "verify"]).status, 0);
    });

    it("a write that keeps the status runs no hook; a gate decision that moves it does", () => {
      const before = diagnostics().length;
      assert.equal(run(["update", "WP-1", "--title", "Renamed"]).status, 0);
      assert.equal(readFileSync(join(dir, "hook.log"), "utf8"), "WP-1 stub ready ann\n");
      assert.equal(diagnostics().length, before);
      assert.equal(run(["gate", "WP-1", "pre_work", "pass"], "val").status, 0);
      assert.equal(
        readFileSync(join(dir, "hook.log"), "utf8"),
        "WP-1 stub ready ann\nWP-1 ready in_progress val\n",
      );
      assert.ok(existsSync(join(dir, "hook.log")));
    });
  });
}
