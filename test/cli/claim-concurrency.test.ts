import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { locus, locusAsync, locusJson, newWorkspace } from "./cli-process.js";

// Section 4: claims are compare-and-set on the WP version, so agents claiming at once never share a WP.

const COUNT = 16;

/** A JSON Lines batch for `locus exec`: create `count` WPs and make them ready, pre_work passed for odd ones. */
function seedJobs(count: number): string {
  const job = (operation: string, params: Record<string, unknown>, capability: string) =>
    JSON.stringify({
      job_kind: "locus_operation",
      protocol_id: `locus_${operation}_v1`,
      input: { operation, params, capabilities_requested: [capability] },
    });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const wpId = `WP-claim-${String(i).padStart(2, "0")}`;
    lines.push(job("create_wp", { wp_id: wpId, title: `Claimable ${i}`, priority: i % 3 }, "locus.write"));
    lines.push(job("update_wp", { wp_id: wpId, updates: { status: "ready" } }, "locus.write"));
    if (i % 2 === 1)
      lines.push(job("gate_wp", { wp_id: wpId, gate: "pre_work", result: { status: "pass" } }, "locus.gate"));
  }
  return `${lines.join("\n")}\n`;
}

describe("locus claim", () => {
  let dir = "";
  before(() => {
    dir = newWorkspace();
    const seeded = locus(dir, ["exec"], seedJobs(COUNT));
    assert.equal(seeded.status, 0, seeded.stdout.slice(0, 500));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(`${COUNT} processes claiming at once get ${COUNT} distinct WPs and no error`, async () => {
    const runs = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        locusAsync(dir, ["--json", "--profile", "Coder", "claim"], { LOCUS_ACTOR: `agent-${i}` }),
      ),
    );
    const claims = runs.map((run, i) => {
      assert.equal(run.status, 0, `agent-${i}: ${run.stdout} ${run.stderr}`);
      const body = JSON.parse(run.stdout.trim()) as {
        success: boolean;
        data: { claimed: string; started: boolean; wp: { assignee: string; status: string } };
      };
      assert.equal(body.success, true);
      assert.equal(body.data.wp.assignee, `agent-${i}`);
      return body.data;
    });
    assert.equal(new Set(claims.map((claim) => claim.claimed)).size, COUNT);
    // "start" follows section 5: only WPs whose pre_work gate passed move to in_progress.
    for (const claim of claims) {
      const odd = Number(claim.claimed.slice(-2)) % 2 === 1;
      assert.equal(claim.started, odd, claim.claimed);
      assert.equal(claim.wp.status, odd ? "in_progress" : "ready");
    }
    // The store agrees: every WP has exactly the assignee its claimer was told.
    const listed = locusJson(dir, ["list", "--limit", "100"]).body.data as {
      wps: { wp_id: string; assignee?: string }[];
    };
    const owners = new Map(listed.wps.map((wp) => [wp.wp_id, wp.assignee]));
    claims.forEach((claim, i) => {
      assert.equal(owners.get(claim.claimed), `agent-${i}`);
    });
  });

  it("a 17th claim finds nothing and exits 1 with HSK-404-NOT-FOUND", () => {
    const { run, body } = locusJson(dir, ["claim"], { LOCUS_ACTOR: "late-agent" });
    assert.equal(run.status, 1);
    assert.equal((body.error as { code: string }).code, "HSK-404-NOT-FOUND");
  });

  it("claim --wp refuses a WP someone else holds", () => {
    const { run, body } = locusJson(dir, ["claim", "--wp", "WP-claim-00"], { LOCUS_ACTOR: "someone-else" });
    assert.equal(run.status, 1);
    assert.equal((body.error as { code: string }).code, "HSK-409-CONFLICT");
  });

  it("claim WP positional: the holder's repeat renews its lease (section 17); a stub WP is refused", () => {
    const holder = locusJson(dir, ["claim", "WP-claim-01"], { LOCUS_ACTOR: "agent-x" });
    // WP-claim-01 is held by one of the 16 agents: anyone else is refused with the holder named.
    assert.equal(holder.run.status, 1);
    const refusal = holder.body.error as { code: string; details: { assignee: string } };
    assert.equal(refusal.code, "HSK-409-CONFLICT");
    const owner = refusal.details.assignee;
    const again = locusJson(dir, ["claim", "WP-claim-01"], { LOCUS_ACTOR: owner });
    assert.equal(again.run.status, 0, again.run.stdout);
    const data = again.body.data as {
      claimed: string;
      started: boolean;
      lease: { holder: string; expires_at: string };
    };
    assert.equal(data.claimed, "WP-claim-01");
    assert.equal(data.started, true);
    assert.equal(data.lease.holder, owner);
    // The heartbeat: one WP-002 moving the lease's expiry, nothing else.
    assert.deepEqual(again.body.events_emitted, ["FR-EVT-WP-002"]);

    assert.equal(locus(dir, ["create", "Not refined", "--wp-id", "WP-claim-stub"]).status, 0);
    const stub = locusJson(dir, ["claim", "--wp", "WP-claim-stub"], { LOCUS_ACTOR: "agent-y" });
    assert.equal(stub.run.status, 1);
    assert.equal((stub.body.error as { code: string }).code, "HSK-409-CONFLICT");
    assert.match((stub.body.error as { message: string }).message, /is stub/);
  });
});
