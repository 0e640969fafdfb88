import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { BUILT_IN_PROFILES } from "../domain/capabilities.js";
import {
  AGENTS_MARKERS,
  agentBrief,
  agentRules,
  BRIEF_MAX_BYTES,
  upsertMarkedSection,
} from "./agent-brief.js";

// Section 17: the brief is short and true for the profile it is written for; the AGENTS.md section is replaced in
// place between its markers and nothing else in the file changes.

const facts = (profile: string, leaseSeconds = 1800) => ({
  actor: "agent-7",
  profile,
  grants: BUILT_IN_PROFILES[profile] as string[],
  leaseSeconds,
});
const longWp = (i: number) => ({
  wp_id: `WP-${"x".repeat(40)}-${i}`,
  title: "A very long title ".repeat(10),
  priority: 1,
  status: "ready",
  pre_work: "pending",
});

describe("agentBrief", () => {
  it("stays under 2 KB for every built-in profile with five long ready WPs", () => {
    for (const profile of Object.keys(BUILT_IN_PROFILES)) {
      const brief = agentBrief(facts(profile), [0, 1, 2, 3, 4].map(longWp), 300);
      assert.ok(Buffer.byteLength(brief) < BRIEF_MAX_BYTES, `${profile}: ${Buffer.byteLength(brief)} bytes`);
    }
  });

  it("says what the profile may do: a Coder asks for gates, an Operator passes them, an Analyst only reads", () => {
    const coder = agentRules(facts("Coder"));
    assert.match(coder, /you cannot pass gates/);
    assert.match(coder, /locus update WP --status gated/);
    assert.doesNotMatch(coder, /locus gate WP/);
    const operator = agentRules(facts("Operator"));
    assert.match(operator, /you hold locus.gate: `locus gate WP pre_work pass`/);
    const analyst = agentRules(facts("Analyst"));
    assert.match(analyst, /You can read, not claim or report/);
    assert.doesNotMatch(analyst, /locus claim/);
  });

  it("gives the heartbeat from the lease, and none when leases do not expire", () => {
    assert.match(
      agentRules(facts("Coder", 600)),
      /under a 600 s lease.*\n2\. Renew: `locus claim WP` again every ~300 s/,
    );
    assert.match(agentRules(facts("Coder", 0)), /nothing to renew here/);
  });

  it("lists the ready WPs, marks a pending pre_work, and says when nothing is free", () => {
    const brief = agentBrief(facts("Coder"), [{ ...longWp(1), wp_id: "WP-1", title: "Login" }], 3);
    assert.match(
      brief,
      /## Ready and free now \(3\)\n\n- WP-1 P1 ready \(pre_work pending\): Login\n\(2 more: `locus ready --free`\)/,
    );
    assert.match(agentBrief(facts("Coder"), [], 0), /Nothing is ready and free now/);
  });

  it("AGENTS.md rules name no actor: each agent sets its own", () => {
    const { actor: _actor, ...shared } = facts("Coder");
    assert.match(agentRules(shared), /Set LOCUS_ACTOR to your name .* default: Coder\)\. Run `locus prime`/);
  });
});

describe("upsertMarkedSection", () => {
  it("appends a section to a file without one, then replaces it in place", () => {
    const first = upsertMarkedSection("# Project\n\nOur rules.\n", "rules v1");
    assert.equal(
      first,
      `# Project\n\nOur rules.\n\n${AGENTS_MARKERS.start}\nrules v1\n${AGENTS_MARKERS.end}\n`,
    );
    const edited = `${first}\n## More of ours\n`;
    const second = upsertMarkedSection(edited, "rules v2");
    assert.equal(second, edited.replace("rules v1", "rules v2"));
    assert.equal(
      upsertMarkedSection(second, "rules v2"),
      second,
      "a second run with the same rules changes nothing",
    );
    assert.equal(upsertMarkedSection("", "r"), `${AGENTS_MARKERS.start}\nr\n${AGENTS_MARKERS.end}\n`);
  });

  it("keeps every byte outside the markers, whatever surrounds them", () => {
    const text = fc.string().filter((s) => !s.includes("<!-- locus:agents"));
    fc.assert(
      fc.property(text, text, fc.string(), fc.string(), (before, after, oldRules, newRules) => {
        const file = `${before}${AGENTS_MARKERS.start}\n${oldRules}\n${AGENTS_MARKERS.end}${after}`;
        const updated = upsertMarkedSection(file, newRules);
        assert.ok(updated.startsWith(before));
        assert.ok(updated.endsWith(`${AGENTS_MARKERS.end}${after}`));
        assert.ok(updated.includes(`${AGENTS_MARKERS.start}\n${newRules.trimEnd()}\n${AGENTS_MARKERS.end}`));
      }),
    );
  });
});
