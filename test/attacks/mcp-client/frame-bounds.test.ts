// issue 21 hole 7: an MCP client sent a 50 MB message; the server ended silently (exit 0, no reply) and the
// requests in flight were lost; a truncated JSON message got no error reply. What must hold: the frame is bounded
// (limits.job_bytes) and read without being held whole; an oversized message is answered (its own id when its
// first bytes name one, else id null) with HSK-413-LIMIT in the data; a truncated message gets -32700; every
// request sent before, between or after them is answered, also the ones still running when stdin closes.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { attackWorkspace, stateEventsSince } from "../attack-support.js";
import { rawMcpSession, replyTo, toolCall } from "./raw-session.js";

const MB = 1024 * 1024;

/** A line of `total` bytes of `fill` after `prefix`, written in 1 MB pieces (the client never holds it whole). */
function bigLine(prefix: string, total: number, suffix = ""): () => Iterable<string> {
  return function* () {
    yield prefix;
    const piece = "x".repeat(MB);
    for (let sent = 0; sent < total; sent += MB) yield piece;
    yield suffix;
  };
}

describe("issue 21 hole 7: MCP frames are bounded, answered, and the session goes on", () => {
  const ws = attackWorkspace();
  after(() => {
    ws.assertIntact();
    ws.cleanup();
  });

  it("a 50 MB tool call, a 50 MB line without an id and a truncated message are each answered; nothing is lost", async () => {
    const before = ws.events();
    const session = await rawMcpSession(ws.dir, [
      toolCall(1, "create_wp", '{"title":"before the flood"}'),
      bigLine(
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_wp","arguments":{"title":"',
        50 * MB,
        '"}}}',
      ),
      bigLine("", 50 * MB),
      '{"jsonrpc":"2.0","id":3,"method":"tools/li',
      toolCall(4, "create_wp", '{"title":"after the flood"}'),
      '{"jsonrpc":"2.0","id":5,"method":"tools/list"}',
    ]);
    assert.equal(session.status, 0, session.stderr);
    assert.doesNotMatch(session.stderr, /\n\s+at /, "no stack trace");

    const body = (id: number) => JSON.parse(replyTo(session, id)?.result?.content?.[0]?.text ?? "{}");
    assert.equal(body(1).success, true, "the call before the flood was answered");
    assert.equal(
      replyTo(session, 2)?.result?.isError,
      true,
      JSON.stringify(replyTo(session, 2)).slice(0, 300),
    );
    assert.equal(body(2).error.code, "HSK-413-LIMIT");
    const anonymous = session.replies.filter((reply) => reply.id === null);
    assert.deepEqual(
      anonymous.map((reply) => [reply.error?.code, reply.error?.data?.code ?? null]),
      [
        [-32600, "HSK-413-LIMIT"],
        [-32700, null],
      ],
      "the oversized line without an id, then the truncated message, each got an answer with id null",
    );
    assert.equal(body(4).success, true, "the call after the flood was answered");
    assert.ok(replyTo(session, 5)?.result?.tools?.length, "tools/list after the flood was answered");
    const created = stateEventsSince(before, ws.events()).filter((name) => name === "work_packet_created");
    assert.equal(created.length, 2, "exactly the two small calls created WPs");
  });

  it("requests still running when stdin closes are all answered before the server exits", async () => {
    const calls = Array.from({ length: 20 }, (_, index) =>
      toolCall(100 + index, "create_wp", `{"title":"burst ${index}"}`),
    );
    const session = await rawMcpSession(ws.dir, calls);
    assert.equal(session.status, 0, session.stderr);
    for (let index = 0; index < 20; index += 1) {
      const reply = replyTo(session, 100 + index);
      assert.ok(reply?.result, `call ${100 + index} was answered`);
    }
  });
});
