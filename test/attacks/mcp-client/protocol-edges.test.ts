// issue 21 hole 12: an MCP client sent a line that is not JSON, a message with `"jsonrpc":"1.0"`, a request whose
// id is an object, and tools/call with `arguments: null` or a string. The first three got no reply at all (a
// client waits forever) and the last two -32603 with a raw validation dump. What must hold (JSON-RPC 2.0): -32700
// for a parse error and -32600 for an invalid request, both with id null; -32602 naming `params.arguments` under
// the request's own id; the session keeps serving after each, and nothing is written to the store.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { attackWorkspace, stateEventsSince } from "../attack-support.js";
import { type RawSession, rawMcpSession, replyTo, toolCall } from "./raw-session.js";

describe("issue 21 hole 12: JSON-RPC protocol edges are answered, and the session goes on", () => {
  const ws = attackWorkspace();
  after(() => {
    ws.assertIntact();
    ws.cleanup();
  });

  /** Sends `bad` then a valid tools/list (id 99) and returns the session. */
  async function thenList(bad: string): Promise<RawSession> {
    const session = await rawMcpSession(ws.dir, [bad, '{"jsonrpc":"2.0","id":99,"method":"tools/list"}']);
    assert.equal(session.status, 0, session.stderr);
    assert.doesNotMatch(session.stderr, /\n\s+at /, "no stack trace");
    assert.ok(replyTo(session, 99)?.result?.tools?.length, "the next request is still served");
    return session;
  }

  /** The one reply with id null (a message whose id could not be trusted). */
  function nullReply(session: RawSession) {
    const replies = session.replies.filter((reply) => reply.id === null);
    assert.equal(replies.length, 1, JSON.stringify(session.replies).slice(0, 400));
    return replies[0];
  }

  it("a line that is not JSON gets -32700 with id null", async () => {
    const reply = nullReply(await thenList("this is not json {"));
    assert.equal(reply?.error?.code, -32700);
    assert.equal(reply?.jsonrpc, "2.0");
  });

  it('"jsonrpc":"1.0" gets -32600 naming jsonrpc', async () => {
    const reply = nullReply(await thenList('{"jsonrpc":"1.0","id":5,"method":"tools/list"}'));
    assert.equal(reply?.error?.code, -32600);
    assert.equal(reply?.error?.data?.field, "jsonrpc");
  });

  it("an object id gets -32600 naming id", async () => {
    const reply = nullReply(await thenList('{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}'));
    assert.equal(reply?.error?.code, -32600);
    assert.equal(reply?.error?.data?.field, "id");
  });

  it("a JSON value that is not an object (an array batch, a number) gets -32600", async () => {
    const reply = nullReply(await thenList("[1,2,3]"));
    assert.equal(reply?.error?.code, -32600);
  });

  for (const [label, argumentsText] of [
    ["null", "null"],
    ["a string", '"title=x"'],
    ["an array", '["x"]'],
  ] as const) {
    it(`tools/call with arguments ${label} gets -32602 naming params.arguments, not -32603`, async () => {
      const before = ws.events();
      const session = await thenList(toolCall(7, "create_wp", argumentsText));
      const reply = replyTo(session, 7);
      assert.equal(reply?.error?.code, -32602, JSON.stringify(reply));
      assert.equal(reply?.error?.data?.field, "params.arguments");
      assert.doesNotMatch(
        reply?.error?.message ?? "",
        /"code":|invalid_type|\[\s*\{/,
        "no raw validation dump",
      );
      assert.deepEqual(stateEventsSince(before, ws.events()), [], "nothing was written");
    });
  }
});
