// Issue 21 hole 14: a WP that could never finish. MT-002 depends on MT-001; MT-001 failed. MT-002 could not start
// (it waits for MT-001) and could not be skipped from `pending` ("pending to skipped" was refused), so the WP never
// had every MT final and its post_work gate could never pass: the WP was stuck short of `done` for good.
// Must hold: an MT that cannot start can be skipped (pending or blocked -> skipped, by locus.write through
// complete_mt), after which a Validator passes post_work and the WP is `done`; the log of it verifies,
// replays, exports and imports into an empty workspace, where the WP is `done` too.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { locus, tempWorkspace } from "../../support/cli.js";
import { type AttackWorkspace, attackWorkspace, resultOf } from "../attack-support.js";

const WP = "WP-stuck";

describe("attack: a dependent of a failed MT keeps its WP from ever finishing", () => {
  let ws: AttackWorkspace;

  before(() => {
    ws = attackWorkspace();
    const setup: [string, string[]][] = [
      ["Coder", ["create", "Stuck work", "--wp-id", WP]],
      ["Coder", ["update", WP, "--status", "ready"]],
      ["Validator", ["gate", WP, "pre_work", "pass"]],
      [
        "Coder",
        [
          "mt",
          "register",
          WP,
          "--micro-tasks",
          JSON.stringify([
            { mt_id: "MT-001", name: "A" },
            { mt_id: "MT-002", name: "B", depends_on: ["MT-001"] },
          ]),
        ],
      ],
      ["Coder", ["mt", "start", WP, "MT-001"]],
      ["Coder", ["mt", "complete", WP, "MT-001", "--outcome", "failed"]],
    ];
    for (const [profile, args] of setup) {
      const run = ws.as(profile, [...args, "--json"]);
      assert.equal(run.status, 0, `${args.join(" ")}: ${run.stdout}${run.stderr}`);
    }
  });
  after(() => ws.cleanup());

  it("the dependent cannot start, but it can be skipped from pending, and post_work then passes", () => {
    const start = resultOf(ws.as("Coder", ["mt", "start", WP, "MT-002", "--json"]));
    assert.equal(start.error?.code, "HSK-409-TRANSITION", "MT-002 still waits for the failed MT-001");

    const skip = ws.as("Coder", ["mt", "complete", WP, "MT-002", "--outcome", "skipped", "--json"]);
    assert.equal(skip.status, 0, `pending -> skipped: ${skip.stdout}${skip.stderr}`);

    // Skipping is work (locus.write), not a gate decision: a Validator alone cannot skip, a Coder cannot pass.
    const gateByCoder = resultOf(ws.as("Coder", ["gate", WP, "post_work", "pass", "--json"]));
    assert.equal(gateByCoder.error?.code, "HSK-403-CAPABILITY");
    const gate = ws.as("Validator", ["gate", WP, "post_work", "pass", "--json"]);
    assert.equal(gate.status, 0, `post_work: ${gate.stdout}${gate.stderr}`);

    const shown = resultOf(ws.as("Coder", ["show", WP, "--json"])).data?.wp as { status: string };
    assert.equal(shown.status, "done");
    ws.assertIntact();
  });

  it("the same log exports and re-imports into an empty workspace, the WP done there too", () => {
    const file = join(ws.dir, "export.jsonl");
    const exported = ws.as("Operator", ["export", "--out", file]);
    assert.equal(exported.status, 0, exported.stderr);
    const target = tempWorkspace();
    try {
      const env = { LOCUS_PROFILE: "Operator" };
      const imported = locus(target, ["import", file], undefined, env);
      assert.equal(imported.status, 0, `import: ${imported.stdout}${imported.stderr}`);
      const shown = resultOf(locus(target, ["show", WP, "--json"], undefined, env)).data?.wp as {
        status: string;
      };
      assert.equal(shown.status, "done");
      assert.equal(locus(target, ["replay"], undefined, env).status, 0);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});
