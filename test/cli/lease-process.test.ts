// Section 17 with real processes and the real clock, on both stores: two agents (`locus` processes) and a lease that
// expires while nobody runs anything. Nothing wakes the WP up: the next claim sees the lease has expired.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { STORE_BACKENDS } from "../support/stores.js";
import { backendEnv, locus, newWorkspace } from "./cli-process.js";

interface Body {
  success: boolean;
  data: Record<string, unknown> & {
    wp: { assignee?: string; lease?: { holder: string; expires_at?: string } };
  };
  error?: { code: string; details?: Record<string, unknown> };
}

for (const backend of STORE_BACKENDS) {
  describe(`leases between locus processes (${backend.name})`, { skip: backend.skip }, () => {
    let dir = "";
    let env: Record<string, string> = {};
    let cleanup: () => Promise<void> = async () => {};
    const as = (actor: string, args: string[]) => {
      const run = locus(dir, ["--json", "--profile", "Coder", ...args], undefined, {
        ...env,
        LOCUS_ACTOR: actor,
      });
      return { ...run, body: JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as Body };
    };
    before(async () => {
      dir = newWorkspace();
      ({ env, cleanup } = await backendEnv(backend));
      for (const args of [
        ["create", "Leased work", "--wp-id", "WP-A"],
        ["update", "WP-A", "--status", "ready"],
        ["gate", "WP-A", "pre_work", "pass"],
      ])
        assert.equal(locus(dir, args, undefined, env).status, 0, args.join(" "));
    });
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a live lease refuses the other agent's claim and MT writes, naming the holder", () => {
      // Long enough for the five processes below on a busy machine; the next test renews it with a short one.
      const claim = as("ann", ["claim", "WP-A", "--lease-seconds", "120"]);
      assert.equal(claim.status, 0, claim.stdout + claim.stderr);
      assert.equal(claim.body.data.wp.lease?.holder, "ann");
      const register = as("ann", [
        "mt",
        "register",
        "WP-A",
        "--micro-tasks",
        '[{"mt_id":"MT-001","name":"one"}]',
      ]);
      assert.equal(register.status, 0, register.stdout);
      const other = as("bob", ["claim", "WP-A"]);
      assert.equal(other.status, 1);
      assert.equal(other.body.error?.code, "HSK-409-CONFLICT");
      assert.equal(other.body.error?.details?.holder, "ann");
      const start = as("bob", ["mt", "start", "WP-A", "MT-001"]);
      assert.equal(start.status, 1);
      assert.equal(start.body.error?.details?.holder, "ann");
      // The human output says who holds it too.
      const plain = locus(dir, ["--profile", "Coder", "mt", "start", "WP-A", "MT-001"], undefined, {
        ...env,
        LOCUS_ACTOR: "bob",
      });
      assert.match(plain.stderr + plain.stdout, /leased to ann/);
    });

    it("after the lease expires the other agent's plain `locus claim` takes the WP over, and the log says from whom", async () => {
      const heartbeat = as("ann", ["claim", "WP-A", "--lease-seconds", "2"]);
      assert.equal(heartbeat.status, 0);
      const expires = Date.parse(String(heartbeat.body.data.wp.lease?.expires_at));
      await sleep(Math.max(0, expires - Date.now()) + 100);
      const taken = as("bob", ["claim"]);
      assert.equal(taken.status, 0, taken.stdout + taken.stderr);
      assert.equal(taken.body.data.claimed, "WP-A");
      assert.equal(taken.body.data.taken_over_from, "ann");
      const events = locus(dir, ["events", "--json", "--wp", "WP-A"], undefined, env)
        .stdout.trim()
        .split("\n")
        .map(
          (line) =>
            JSON.parse(line) as { event_name: string; actor_id: string; payload: Record<string, unknown> },
        );
      const takeover = events.filter((event) => event.event_name === "work_packet_updated").at(-1);
      assert.equal(takeover?.actor_id, "bob");
      assert.equal(takeover?.payload.taken_over_from, "ann");
      assert.equal(as("bob", ["mt", "start", "WP-A", "MT-001"]).status, 0);
      assert.equal(as("ann", ["mt", "start", "WP-A", "MT-001"]).body.error?.details?.holder, "bob");
    });

    it("`locus release` gives the claim up: the WP is free for the next claim at once", () => {
      const refused = as("ann", ["release", "WP-A"]);
      assert.equal(refused.status, 1);
      const released = as("bob", ["release", "WP-A"]);
      assert.equal(released.status, 0, released.stdout);
      assert.equal(released.body.data.wp.assignee, undefined);
      const next = as("ann", ["claim"]);
      assert.equal(next.body.data.claimed, "WP-A");
    });
  });
}
