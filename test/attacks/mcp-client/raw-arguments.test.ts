// issue 21 holes 8 and 11 through MCP: a client writing JSON-RPC lines to `locus mcp` sent a `__proto__` key in a
// tool call's arguments (the SDK's schema dropped it, and the WP was created), params nested 100,000 deep, and
// a message over the size bound (the SDK's buffer ended the whole session at 10 MB). What must hold: the
// envelope sees the arguments as sent and refuses `__proto__` as an unknown param (HSK-400-INVALID-PARAMS,
// params.__proto__), nesting is HSK-413-LIMIT, an oversized call is answered HSK-413-LIMIT under its own id,
// and the session goes on.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { LOCUS_BIN } from "../../support/cli.js";
import { attackWorkspace, stateEventsSince } from "../attack-support.js";

interface Reply {
  id: number | string;
  result?: { content: { text: string }[]; isError?: boolean };
  error?: { code: number; message: string };
}

/** Writes `lines` to a fresh `locus mcp` and returns its replies by id, once stdin is closed and it exits. */
function mcpSession(cwd: string, lines: string[]): Promise<Map<number | string, Reply>> {
  const child = spawn(process.execPath, [LOCUS_BIN, "mcp"], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", LOCUS_PROFILE: "Coder" },
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stdin.on("error", () => {});
  child.stdin.end(`${lines.join("\n")}\n`);
  return new Promise((resolve) =>
    child.on("close", () => {
      const replies = stdout
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as Reply);
      resolve(new Map(replies.map((reply) => [reply.id, reply])));
    }),
  );
}

const call = (id: number, name: string, argumentsText: string) =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":${argumentsText}}}`;
const bodyOf = (reply: Reply | undefined) =>
  JSON.parse(reply?.result?.content[0]?.text ?? "{}") as {
    success: boolean;
    error?: { code: string; details?: { field?: string } };
  };

describe("issue 21 holes 8 and 11: an MCP client's raw arguments reach the envelope as sent", () => {
  const ws = attackWorkspace();
  after(() => {
    ws.assertIntact();
    ws.cleanup();
  });

  it("__proto__ in arguments, nested params and an oversized call are refused; the session goes on", async () => {
    const before = ws.events();
    const replies = await mcpSession(ws.dir, [
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"attacker","version":"1"}}}',
      '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      call(2, "create_wp", '{"title":"smuggled","__proto__":{"polluted":true}}'),
      call(3, "create_wp", `{"title":"deep","labels":${"[".repeat(100_000)}${"]".repeat(100_000)}}`),
      call(4, "create_wp", `{"title":"${"x".repeat(2 * 1024 * 1024)}"}`),
      call(5, "query_ready", "{}"),
    ]);
    const proto = bodyOf(replies.get(2));
    assert.equal(replies.get(2)?.result?.isError, true, JSON.stringify(replies.get(2)));
    assert.equal(proto.error?.code, "HSK-400-INVALID-PARAMS");
    assert.equal(proto.error?.details?.field, "params.__proto__");
    const deep = bodyOf(replies.get(3));
    assert.equal(deep.error?.code, "HSK-413-LIMIT", JSON.stringify(replies.get(3)).slice(0, 300));
    assert.equal(deep.error?.details?.field, "input.params");
    const huge = bodyOf(replies.get(4));
    assert.equal(huge.error?.code, "HSK-413-LIMIT", JSON.stringify(replies.get(4)).slice(0, 300));
    assert.equal(bodyOf(replies.get(5)).success, true, "the session went on after the refusals");
    assert.deepEqual(stateEventsSince(before, ws.events()), ["work_query_executed"], "no WP was created");
  });
});
