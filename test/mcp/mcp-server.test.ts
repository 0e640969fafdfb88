import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { OPERATIONS } from "../../src/operations/catalog.js";
import { LOCUS_BIN, newWorkspace, testEnv } from "../cli/cli-process.js";

// An MCP client from the SDK spawns `locus mcp`, as an agent host would, and drives the whole lifecycle.

interface ToolOutcome {
  isError: boolean;
  body: { success: boolean; data?: Record<string, unknown>; error?: { code: string; message: string } };
}

async function connect(cwd: string, profile?: string, actor?: string): Promise<Client> {
  const env = testEnv({
    ...(profile ? { LOCUS_PROFILE: profile } : {}),
    ...(actor ? { LOCUS_ACTOR: actor } : {}),
  });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [LOCUS_BIN, "mcp"],
    cwd,
    env: Object.fromEntries(
      Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
    stderr: "pipe",
  });
  const client = new Client({ name: "locus-test", version: "0.0.0" });
  await client.connect(transport);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolOutcome> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as { type: string; text: string }[];
  return { isError: result.isError === true, body: JSON.parse(content[0]?.text ?? "{}") };
}

async function ok(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const outcome = await call(client, name, args);
  assert.equal(outcome.isError, false, `${name}: ${JSON.stringify(outcome.body)}`);
  assert.equal(outcome.body.success, true);
  return outcome.body.data as Record<string, unknown>;
}

describe("locus mcp", () => {
  let dir = "";
  let operator: Client;
  before(async () => {
    dir = newWorkspace("locus-mcp-");
    operator = await connect(dir);
  });
  after(async () => {
    await operator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists one tool per catalog operation meant for agents, and the serialized tools/list stays under 12 KB", async () => {
    const listed = await operator.listTools();
    const names = listed.tools.map((tool) => tool.name);
    // Generated from the catalog: exactly one tool per operation not marked `mcp: false`, none listed by hand.
    const forAgents = OPERATIONS.filter((operation) => operation.mcp !== false);
    assert.ok(forAgents.length < OPERATIONS.length && forAgents.length >= 20);
    assert.deepEqual([...names].sort(), forAgents.map((operation) => operation.name).sort());
    // Workspace administration is not a tool, and calling it by name is an unknown tool.
    const hidden = await operator.callTool({
      name: "add_member",
      arguments: { actor_id: "x", role: "owner" },
    });
    assert.equal(hidden.isError, true);
    assert.match(JSON.stringify(hidden.content), /unknown tool add_member/);
    for (const name of ["create_wp", "gate_wp", "record_iteration", "query_ready", "claim_wp"])
      assert.ok(names.includes(name), name);
    const bytes = Buffer.byteLength(JSON.stringify(listed));
    assert.ok(bytes < 12 * 1024, `tools/list is ${bytes} bytes`);
    // Section 17: the claim tool tells an agent about the lease and the heartbeat; release_wp is a tool too.
    const claim = listed.tools.find((tool) => tool.name === "claim_wp");
    assert.match(String(claim?.description), /lease.*claim it again to renew before it expires/);
    assert.ok(claim?.inputSchema.properties && "lease_seconds" in claim.inputSchema.properties);
    assert.ok(names.includes("release_wp"));
    const create = listed.tools.find((tool) => tool.name === "create_wp");
    assert.deepEqual(create?.inputSchema.required, ["title"]);
    assert.ok(create?.inputSchema.properties && "priority" in create.inputSchema.properties);
  });

  it("runs the whole lifecycle through tools, with compact results", async () => {
    const created = await ok(operator, "create_wp", {
      wp_id: "WP-mcp-1",
      title: "Agent work",
      labels: ["mcp"],
    });
    const wp = created.wp as Record<string, unknown>;
    // Compact: the summary an agent acts on, not the whole record.
    assert.deepEqual(Object.keys(wp).sort(), [
      "gates",
      "labels",
      "priority",
      "status",
      "title",
      "version",
      "wp_id",
    ]);
    const full = await ok(operator, "get_wp_status", { wp_id: "WP-mcp-1", full: true });
    assert.ok("vector_clock" in (full.wp as Record<string, unknown>), "full: true returns the whole record");

    // A blocker: WP-mcp-0 blocks WP-mcp-1, so only WP-mcp-0 is ready until it is out of the way.
    await ok(operator, "create_wp", { wp_id: "WP-mcp-0", title: "Prepare the schema", labels: ["mcp"] });
    const edge = await ok(operator, "add_dependency", {
      from_wp_id: "WP-mcp-0",
      to_wp_id: "WP-mcp-1",
      type: "blocks",
    });
    assert.match((edge.dependency as { dependency_id: string }).dependency_id, /^dep_/);
    await ok(operator, "update_wp", { wp_id: "WP-mcp-1", updates: { status: "ready" }, expected_version: 1 });
    await ok(operator, "update_wp", { wp_id: "WP-mcp-0", updates: { status: "ready" } });
    const blocked = await ok(operator, "query_blocked", { labels: ["mcp"] });
    assert.deepEqual(
      (blocked.blocked_wps as { wp: { wp_id: string }; blockers: { wp_id: string }[] }[]).map((entry) => [
        entry.wp.wp_id,
        entry.blockers.map((blocker) => blocker.wp_id),
      ]),
      [["WP-mcp-1", ["WP-mcp-0"]]],
    );
    const readyIds = async () =>
      (
        (await ok(operator, "query_ready", { labels: ["mcp"], limit: 5 })).ready_wps as { wp_id: string }[]
      ).map((entry) => entry.wp_id);
    assert.deepEqual(await readyIds(), ["WP-mcp-0"]);
    // A cancelled blocker no longer blocks (section 7).
    await ok(operator, "update_wp", { wp_id: "WP-mcp-0", updates: { status: "cancelled" } });
    assert.deepEqual(await readyIds(), ["WP-mcp-1"]);
    assert.deepEqual((await ok(operator, "query_blocked", { labels: ["mcp"] })).blocked_wps, []);

    const found = await ok(operator, "search", { query: "agent work", mode: "keyword" });
    const hits = found.results as { wp_id: string; wp?: unknown }[];
    assert.equal(hits[0]?.wp_id, "WP-mcp-1");
    assert.equal(hits[0]?.wp, undefined, "compact search results carry no whole WP");

    // The atomic claim: the best ready, unassigned WP is assigned to the caller in one call.
    const claim = await ok(operator, "claim_wp", { labels: ["mcp"] });
    assert.equal(claim.claimed, "WP-mcp-1");
    assert.equal(claim.started, false, "pre_work is still pending");
    assert.equal(typeof (claim.wp as { assignee?: string }).assignee, "string");
    const none = await call(operator, "claim_wp", { labels: ["mcp"] });
    assert.equal(none.isError, true);
    assert.equal(none.body.error?.code, "HSK-404-NOT-FOUND");

    const gated = await ok(operator, "gate_wp", {
      wp_id: "WP-mcp-1",
      gate: "pre_work",
      result: { status: "pass" },
    });
    assert.equal((gated.wp as { status: string }).status, "in_progress");
    await ok(operator, "register_mts", {
      wp_id: "WP-mcp-1",
      micro_tasks: [
        {
          mt_id: "MT-001",
          name: "Do it",
          escalation_chain: [
            { level: 0, model_id: "small" },
            { level: 1, model_id: "large" },
          ],
        },
      ],
    });
    await ok(operator, "start_mt", { wp_id: "WP-mcp-1", mt_id: "MT-001" });
    const iterate = (iteration: number, outcome: string, model: string) =>
      ok(operator, "record_iteration", {
        wp_id: "WP-mcp-1",
        mt_id: "MT-001",
        iteration,
        outcome,
        model_id: model,
      });
    await iterate(1, "RETRY", "small");
    const escalated = await iterate(2, "ESCALATE", "small");
    assert.equal((escalated.mt as { level: number }).level, 1);
    await iterate(1, "SUCCESS", "large");
    const completed = await ok(operator, "complete_mt", { wp_id: "WP-mcp-1", mt_id: "MT-001" });
    assert.equal((completed.mt as { status: string }).status, "completed");
    const progress = await ok(operator, "get_mt_progress", { wp_id: "WP-mcp-1", full: true });
    const iterations = (progress.micro_tasks as { iterations: unknown[] }[])[0]?.iterations;
    assert.equal(iterations?.length, 3);
    const done = await ok(operator, "gate_wp", {
      wp_id: "WP-mcp-1",
      gate: "post_work",
      result: { status: "pass" },
    });
    assert.equal((done.wp as { status: string }).status, "done");
    const closed = await ok(operator, "close_wp", { wp_id: "WP-mcp-1" });
    assert.equal((closed.wp as { status: string }).status, "done");
  });

  it("refusals are tool errors carrying the contract code, and the server keeps serving", async () => {
    const missing = await call(operator, "get_wp_status", { wp_id: "WP-none" });
    assert.equal(missing.isError, true);
    assert.equal(missing.body.error?.code, "HSK-404-NOT-FOUND");
    const badParams = await call(operator, "create_wp", { title: "x", priority: 42 });
    assert.equal(badParams.isError, true);
    assert.equal(badParams.body.error?.code, "HSK-400-INVALID-PARAMS");
    const unknown = await call(operator, "drop_tables", {});
    assert.equal(unknown.isError, true);
    assert.equal(unknown.body.error?.code, "HSK-400-INVALID-JOB");
    await ok(operator, "list_wps", {});
  });

  it("a Coder-profile server gets HSK-403-CAPABILITY when asked to pass a gate, and writes nothing", async () => {
    await ok(operator, "create_wp", { wp_id: "WP-mcp-2", title: "Gate me" });
    await ok(operator, "update_wp", { wp_id: "WP-mcp-2", updates: { status: "ready" } });
    const coder = await connect(dir, "Coder", "agent-7");
    try {
      // A Coder may claim (locus.write) but not pass its own gate (locus.gate).
      const claim = await ok(coder, "claim_wp", { wp_id: "WP-mcp-2" });
      assert.equal((claim.wp as { assignee: string }).assignee, "agent-7");
      assert.equal(claim.started, false);
      const taken = await call(operator, "claim_wp", { wp_id: "WP-mcp-2" });
      assert.equal(taken.isError, true);
      assert.equal(taken.body.error?.code, "HSK-409-CONFLICT");
      const refused = await call(coder, "gate_wp", {
        wp_id: "WP-mcp-2",
        gate: "pre_work",
        result: { status: "pass" },
      });
      assert.equal(refused.isError, true);
      assert.equal(refused.body.error?.code, "HSK-403-CAPABILITY");
      // A job cannot raise its rights by naming a stronger profile: the server's profile still caps it.
      const status = await ok(coder, "get_wp_status", { wp_id: "WP-mcp-2" });
      assert.equal((status.wp as { status: string }).status, "ready");
    } finally {
      await coder.close();
    }
  });

  it("paged lists report next_offset when there is more", async () => {
    for (let i = 0; i < 3; i++)
      await ok(operator, "create_wp", { wp_id: `WP-page-${i}`, title: `Page ${i}` });
    const page = await ok(operator, "list_wps", { limit: 2 });
    assert.equal((page.wps as unknown[]).length, 2);
    assert.equal(page.next_offset, 2);
  });
});
