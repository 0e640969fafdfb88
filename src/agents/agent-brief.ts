// Section 17: what an agent starting work here is told. `locus prime` prints the brief (the rules for this actor and
// profile, and the top of its ready list); `locus init --agents` writes the rules into a marked section of AGENTS.md.
// Pure text from facts the caller reads: nothing here touches the store, files or the process.

/** What the brief says about this workspace and who asks. */
export interface BriefFacts {
  /** Who asks (LOCUS_ACTOR); absent in AGENTS.md, which every agent reads. */
  actor?: string;
  /** The profile in force for this agent, and what it grants. */
  profile: string;
  grants: readonly string[];
  /** The default lease of a claim (config `lease_seconds`). */
  leaseSeconds: number;
}

/** A ready WP as the brief lists it. */
export interface BriefWp {
  wp_id: string;
  title: string;
  priority: number;
  status: string;
  pre_work: string;
}

/** The markers around Locus's section in AGENTS.md (and CLAUDE.md): everything outside them is left alone. */
export const AGENTS_MARKERS = {
  start: "<!-- locus:agents:start (written by `locus init --agents`; edits inside are replaced) -->",
  end: "<!-- locus:agents:end -->",
} as const;

/** The default bound of a brief: it must fit an agent's context comfortably (section 17). */
export const BRIEF_MAX_BYTES = 2048;

const has = (facts: BriefFacts, capability: string) => facts.grants.includes(capability);

/** The heartbeat interval suggested for a lease: half of it, so one late beat does not lose the claim. */
const heartbeatSeconds = (seconds: number) => Math.max(1, Math.floor(seconds / 2));

/** The rules: identity, then the loop (claim, renew, report, ask for a gate, release), as far as the grants allow. */
export function agentRules(facts: BriefFacts): string {
  const who =
    facts.actor === undefined
      ? `Set LOCUS_ACTOR to your name and LOCUS_PROFILE to the profile you were given (this workspace's default: ${facts.profile}). Run \`locus prime\` when you start.`
      : `You are \`${facts.actor}\`, profile ${facts.profile} (${facts.grants.join(", ")}).`;
  const lines = ["## Working with Locus", "", who, ""];
  if (!has(facts, "locus.write")) {
    lines.push(
      "You can read, not claim or report: `locus ready`, `locus show WP`, `locus blocked`, `locus search TEXT`.",
    );
    return lines.join("\n");
  }
  const lease = facts.leaseSeconds === 0 ? "a claim without expiry" : `a ${facts.leaseSeconds} s lease`;
  const renew =
    facts.leaseSeconds === 0
      ? "2. Renew: nothing to renew here (leases do not expire); release what you stop working on."
      : `2. Renew: \`locus claim WP\` again every ~${heartbeatSeconds(facts.leaseSeconds)} s (the heartbeat); an expired lease lets another agent take the WP over.`;
  const gate = has(facts, "locus.gate")
    ? "you hold locus.gate: `locus gate WP pre_work pass` starts work, `locus gate WP post_work pass` finishes it; have someone else review your own work first."
    : 'you cannot pass gates. A claim with `started: false` waits for pre_work: `locus note WP "ready for pre_work review"` and ask a gate holder. When every MT is final: `locus update WP --status gated --note "post_work review please"`.';
  lines.push(
    `1. Claim: \`locus claim --json\` takes the best ready, free WP under ${lease} (\`locus claim WP\` for that one).`,
    renew,
    '3. Report each iteration: `locus mt register WP --micro-tasks \'[{"mt_id":"MT-001","name":"..."}]\'`, `locus mt start WP MT-001`, `locus mt iterate WP MT-001 N SUCCESS|RETRY|ESCALATE|BLOCKED --model-id M`, `locus mt complete WP MT-001`.',
    `4. Gates: ${gate}`,
    '5. Release when you stop or are stuck: `locus release WP --note "why"`.',
    "",
    "Add `--json` to any command. A refusal names its code (HSK-...) and a fix; HSK-409-CONFLICT on a WP names who holds it.",
  );
  return lines.join("\n");
}

/** `locus prime`: the rules and the top of the ready list (what a claim could take now). */
export function agentBrief(facts: BriefFacts, ready: readonly BriefWp[], total: number): string {
  const list =
    total === 0
      ? ["Nothing is ready and free now: `locus blocked` shows what waits on what."]
      : ready.map(
          (wp) =>
            `- ${wp.wp_id} P${wp.priority} ${wp.status}${wp.pre_work === "pending" ? " (pre_work pending)" : ""}: ${wp.title.length > 80 ? `${wp.title.slice(0, 77)}...` : wp.title}`,
        );
  const more = total > ready.length ? [`(${total - ready.length} more: \`locus ready --free\`)`] : [];
  return [agentRules(facts), "", `## Ready and free now (${total})`, "", ...list, ...more, ""].join("\n");
}

/**
 * Puts `section` between the markers of `text`: replaced in place when the markers are there (the rest kept byte
 * for byte), else appended after a blank line. A file with only a start marker gets a fresh section at its end.
 */
export function upsertMarkedSection(text: string, section: string): string {
  const block = `${AGENTS_MARKERS.start}\n${section.trimEnd()}\n${AGENTS_MARKERS.end}`;
  const start = text.indexOf(AGENTS_MARKERS.start);
  const end = start < 0 ? -1 : text.indexOf(AGENTS_MARKERS.end, start);
  if (start >= 0 && end >= 0)
    return text.slice(0, start) + block + text.slice(end + AGENTS_MARKERS.end.length);
  if (text === "") return `${block}\n`;
  const separator = text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n";
  return `${text}${separator}${block}\n`;
}
