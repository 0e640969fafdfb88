import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LOCUS_BIN, locus, tempWorkspace } from "../support/cli.js";
import { addMember } from "./http-support.js";

// Section 14, identity that is not self-declared: once a workspace requires members, the CLI and MCP act only
// with a member token, as that member, with its grants; flags naming another profile or actor are refused.

const wpCount = (dir: string, token: string) =>
  (
    JSON.parse(
      locus(dir, ["list", "--json", "--include-deleted"], undefined, { LOCUS_TOKEN: token }).stdout,
    ) as {
      data: { wps: unknown[] };
    }
  ).data.wps.length;

describe("a workspace that requires members", () => {
  let dir: string;
  let owner: string;
  let coder: string;

  before(() => {
    dir = tempWorkspace();
    const early = locus(dir, ["member", "require", "true"]);
    assert.equal(early.status, 1, "not without an owner: nobody could use the workspace");
    assert.match(early.stderr, /HSK-409-CONFLICT/);
    assert.match(early.stderr, /fix: `locus member add NAME --role owner` first/);
    owner = addMember(dir, "olga", "owner");
    coder = addMember(dir, "cal", "member");
    const on = locus(dir, ["member", "require", "true"]);
    assert.equal(on.status, 0, on.stderr);
    assert.match(on.stdout, /members required/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("without a token, or with an unknown one, nothing runs and nothing is created", () => {
    const before = wpCount(dir, owner);
    for (const env of [{}, { LOCUS_TOKEN: "locus_unknown" }] as Record<string, string>[]) {
      const run = locus(dir, ["create", "sneaky"], undefined, env);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /HSK-403-CAPABILITY/);
    }
    const byFlag = locus(dir, ["create", "sneaky", "--profile", "Operator", "--actor", "olga"]);
    assert.equal(byFlag.status, 1);
    assert.equal(wpCount(dir, owner), before);
  });

  test("the token says who acts: the member is the reporter, and flags naming someone else are refused", () => {
    const made = locus(dir, ["create", "by cal", "--json"], undefined, { LOCUS_TOKEN: coder });
    assert.equal(made.status, 0, made.stderr);
    assert.equal(JSON.parse(made.stdout).data.wp.reporter, "cal");
    const before = wpCount(dir, owner);
    const asOther = locus(dir, ["create", "as olga", "--actor", "olga"], undefined, { LOCUS_TOKEN: coder });
    assert.equal(asOther.status, 1);
    assert.match(asOther.stderr, /may not name olga/);
    const raised = locus(dir, ["create", "raised", "--profile", "Operator"], undefined, {
      LOCUS_TOKEN: coder,
    });
    assert.equal(raised.status, 1);
    assert.match(raised.stderr, /--profile/);
    assert.equal(wpCount(dir, owner), before);
  });

  test("a member cannot gate or switch the requirement off; an owner can", () => {
    const wp = JSON.parse(
      locus(dir, ["create", "to gate", "--json"], undefined, { LOCUS_TOKEN: owner }).stdout,
    ).data.wp.wp_id as string;
    assert.equal(
      locus(dir, ["update", wp, "--status", "ready"], undefined, { LOCUS_TOKEN: owner }).status,
      0,
    );
    const gate = locus(dir, ["gate", wp, "pre_work", "pass"], undefined, { LOCUS_TOKEN: coder });
    assert.equal(gate.status, 1);
    assert.match(gate.stderr, /HSK-403-CAPABILITY/);
    assert.match(gate.stderr, /fix: a member's grants come from its role/);
    const off = locus(dir, ["member", "require", "false"], undefined, { LOCUS_TOKEN: coder });
    assert.equal(off.status, 1);
    const offByOwner = locus(dir, ["member", "require", "false"], undefined, { LOCUS_TOKEN: owner });
    assert.equal(offByOwner.status, 0, offByOwner.stderr);
    assert.equal(locus(dir, ["ready"]).status, 0, "no token needed once it is off");
    assert.equal(locus(dir, ["member", "require", "true"], undefined, { LOCUS_TOKEN: owner }).status, 0);
  });

  test("locus mcp acts as the member of LOCUS_TOKEN: a coder's token cannot pass a gate through a tool", async () => {
    const wp = JSON.parse(
      locus(dir, ["create", "mcp gate", "--json"], undefined, { LOCUS_TOKEN: owner }).stdout,
    ).data.wp.wp_id as string;
    assert.equal(
      locus(dir, ["update", wp, "--status", "ready"], undefined, { LOCUS_TOKEN: owner }).status,
      0,
    );
    const env = Object.fromEntries(
      Object.entries({ ...process.env, NO_COLOR: "1", LOCUS_TOKEN: coder }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    const client = new Client({ name: "locus-test", version: "0.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [LOCUS_BIN, "mcp"],
        cwd: dir,
        env,
        stderr: "pipe",
      }),
    );
    try {
      const gate = await client.callTool({
        name: "gate_wp",
        arguments: { wp_id: wp, gate: "pre_work", result: { status: "pass" } },
      });
      assert.equal(gate.isError, true);
      assert.match(JSON.stringify(gate.content), /HSK-403-CAPABILITY/);
      const created = await client.callTool({ name: "create_wp", arguments: { title: "from mcp" } });
      assert.equal(created.isError, undefined, JSON.stringify(created.content));
    } finally {
      await client.close();
    }
    const status = JSON.parse(locus(dir, ["show", wp, "--json"], undefined, { LOCUS_TOKEN: owner }).stdout)
      .data.wp.governance.gates.pre_work.status;
    assert.equal(status, "pending");
  });
});
