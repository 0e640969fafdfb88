// Section 17 as a person and an agent meet it: `locus init --agents` writes the rules into AGENTS.md (and CLAUDE.md
// when present) between markers, in place on later runs; `locus prime` prints the brief for this actor and profile,
// under 2 KB, listing what a claim could take now, and every command it names exists.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AGENTS_MARKERS } from "../../src/agents/agent-brief.js";
import { locus, newWorkspace } from "./cli-process.js";

describe("locus prime and locus init --agents", () => {
  let dir = "";
  before(() => {
    dir = newWorkspace();
    for (const args of [
      ["create", "Add login", "--wp-id", "WP-1", "--priority", "1"],
      ["create", "Fix the logout button", "--wp-id", "WP-2"],
      ["create", "Not refined yet", "--wp-id", "WP-3"],
      ["update", "WP-1", "--status", "ready"],
      ["update", "WP-2", "--status", "ready"],
    ])
      assert.equal(locus(dir, args).status, 0, args.join(" "));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("init --agents writes a marked section into AGENTS.md and CLAUDE.md, keeping everything else", () => {
    writeFileSync(join(dir, "AGENTS.md"), "# Our agents\n\nRun the tests before committing.\n");
    writeFileSync(join(dir, "CLAUDE.md"), "Be brief.\n");
    const run = locus(dir, ["init", "--agents", "--json"]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).data.agent_files, ["AGENTS.md", "CLAUDE.md"]);
    const agents = readFileSync(join(dir, "AGENTS.md"), "utf8");
    assert.ok(agents.startsWith("# Our agents\n\nRun the tests before committing.\n\n"));
    assert.ok(agents.includes(AGENTS_MARKERS.start) && agents.endsWith(`${AGENTS_MARKERS.end}\n`));
    assert.match(agents, /Set LOCUS_ACTOR to your name .*default: Operator\)/);
    assert.match(readFileSync(join(dir, "CLAUDE.md"), "utf8"), /^Be brief\.\n\n<!-- locus:agents:start/);
  });

  it("a later run updates the section in place from the config, and text added after it stays", () => {
    const file = join(dir, "AGENTS.md");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n## Our own section\n`);
    const config = join(dir, ".locus", "config.json");
    writeFileSync(
      config,
      JSON.stringify({
        ...JSON.parse(readFileSync(config, "utf8")),
        default_profile: "Coder",
        lease_seconds: 600,
      }),
    );
    assert.equal(locus(dir, ["init", "--agents"]).status, 0);
    const agents = readFileSync(file, "utf8");
    assert.equal(agents.split(AGENTS_MARKERS.start).length, 2, "one section, not two");
    assert.match(agents, /default: Coder\)/);
    assert.match(agents, /under a 600 s lease/);
    assert.ok(agents.endsWith(`${AGENTS_MARKERS.end}\n\n## Our own section\n`));
  });

  it("prime: the brief for this actor and profile, under 2 KB, listing only what a claim could take", () => {
    assert.equal(locus(dir, ["claim", "WP-1"], undefined, { LOCUS_ACTOR: "ann" }).status, 0);
    const run = locus(dir, ["prime", "--json"], undefined, {
      LOCUS_ACTOR: "agent-7",
      LOCUS_PROFILE: "Coder",
    });
    assert.equal(run.status, 0, run.stderr);
    const data = JSON.parse(run.stdout).data as {
      brief: string;
      bytes: number;
      ready: string[];
      profile: string;
    };
    assert.ok(data.bytes < 2048, `${data.bytes} bytes`);
    assert.equal(data.profile, "Coder");
    assert.deepEqual(data.ready, ["WP-2"], "WP-1 is claimed, WP-3 is a stub");
    assert.match(data.brief, /You are `agent-7`, profile Coder/);
    assert.match(data.brief, /you cannot pass gates/);
    const plain = locus(dir, ["prime"], undefined, { LOCUS_ACTOR: "agent-7", LOCUS_PROFILE: "Coder" });
    assert.equal(plain.stdout, data.brief);
  });

  it("every command the brief names exists", () => {
    const brief = ["Operator", "Coder", "Analyst"]
      .map((profile) => locus(dir, ["prime", "--limit", "0"], undefined, { LOCUS_PROFILE: profile }).stdout)
      .join("\n");
    const commands = new Set(
      [...brief.matchAll(/`locus ([a-z]+(?: [a-z]+)?)/g)].map((match) => match[1] as string),
    );
    assert.ok(commands.size >= 12, [...commands].join(", "));
    for (const command of commands) {
      const words = command.split(" ").filter((word) => word !== "WP");
      const help = locus(dir, [...words, "--help"]);
      assert.equal(help.status, 0, `locus ${command} --help: ${help.stderr}`);
    }
  });
});
