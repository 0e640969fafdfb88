import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { ERROR_CODES } from "../../src/domain/errors.js";
import { CATALOG } from "../../src/operations/catalog.js";
import { locus, locusAsync, tempWorkspace } from "../support/cli.js";
import { addMember, call, postLarge, readStream, type ServerProcess, startServer } from "./http-support.js";

// Section 14, the team server as a real `locus serve` process: members and tokens, the routes generated from the
// catalog, statuses from contract codes, the live stream, and hostile requests.

const CONTRACT_CODES = new Set<string>(Object.keys(ERROR_CODES));

const errorOf = (body: Record<string, unknown>) =>
  body.error as { code: string; message: string; details?: { field?: string } };

/** WPs as the CLI sees them (id, version, status): what a refused request must leave as it was. */
const wpState = (dir: string) =>
  (
    JSON.parse(locus(dir, ["list", "--json", "--include-deleted"]).stdout) as {
      data: { wps: { wp_id: string; version: number; status: string }[] };
    }
  ).data.wps
    .map((wp) => `${wp.wp_id}@${wp.version}:${wp.status}`)
    .sort();

describe("locus serve", () => {
  let dir: string;
  let server: ServerProcess;
  let owner: string;
  let coder: string;
  let gatekeeper: string;
  let viewer: string;

  before(async () => {
    dir = tempWorkspace();
    owner = addMember(dir, "olivia", "owner");
    coder = addMember(dir, "cody", "member");
    gatekeeper = addMember(dir, "gail", "member", "--can-gate");
    viewer = addMember(dir, "vic", "viewer");
    server = await startServer(dir);
  });
  after(async () => server?.stop());

  test("without a token, or with an unknown one, every route is 401 and nothing runs", async () => {
    const before = wpState(dir);
    for (const [path, body] of [
      ["/v1/ops/create_wp", { title: "no token" }],
      ["/v1/jobs", {}],
      ["/v1/events", undefined],
      ["/v1/openapi.json", undefined],
    ] as const) {
      for (const token of [undefined, "locus_not-a-member-token", "x y"]) {
        const res = await call(`${server.url}${path}`, token, body);
        assert.equal(res.status, 401, `${path} ${token}`);
        assert.equal(errorOf(res.body).code, "HSK-403-CAPABILITY");
        assert.equal(errorOf(res.body).details?.field, "authorization");
      }
    }
    assert.deepEqual(wpState(dir), before);
  });

  test("the member is the actor of its jobs, and a job naming another actor is refused", async () => {
    const made = await call(`${server.url}/v1/ops/create_wp`, coder, { title: "made over HTTP" });
    assert.equal(made.status, 200);
    const wpId = (made.body.data as { wp: { wp_id: string } }).wp.wp_id;
    const events = await call(`${server.url}/v1/events?since=0&limit=10000`, owner);
    const created = events.text
      .trim()
      .split("\n")
      .map(
        (line) => JSON.parse(line) as { event_name: string; actor_id: string; payload: { wp_id?: string } },
      )
      .find((event) => event.event_name === "work_packet_created" && event.payload.wp_id === wpId);
    assert.equal(created?.actor_id, "cody");

    const before = wpState(dir);
    const forged = await call(`${server.url}/v1/jobs`, coder, {
      job_kind: "locus_operation",
      protocol_id: "locus_create_wp_v1",
      actor_id: "olivia",
      input: {
        operation: "create_wp",
        params: { title: "as someone else" },
        capabilities_requested: ["locus.write"],
      },
    });
    assert.equal(forged.status, 403);
    assert.equal(errorOf(forged.body).details?.field, "actor_id");
    assert.deepEqual(wpState(dir), before);
  });

  test("grants come from the role: a viewer cannot write, a coder cannot gate or raise its profile, --can-gate can", async () => {
    const made = await call(`${server.url}/v1/ops/create_wp`, owner, { title: "to be gated" });
    const wpId = (made.body.data as { wp: { wp_id: string } }).wp.wp_id;
    assert.equal(
      (await call(`${server.url}/v1/ops/update_wp`, owner, { wp_id: wpId, updates: { status: "ready" } }))
        .status,
      200,
    );
    const before = wpState(dir);

    const viewerWrite = await call(`${server.url}/v1/ops/create_wp`, viewer, { title: "viewer write" });
    assert.equal(viewerWrite.status, 403);
    assert.equal(errorOf(viewerWrite.body).code, "HSK-403-CAPABILITY");
    const viewerRead = await call(`${server.url}/v1/ops/list_wps`, viewer, {});
    assert.equal(viewerRead.status, 200);

    const gate = { wp_id: wpId, gate: "pre_work", result: { status: "pass" } };
    const coderGate = await call(`${server.url}/v1/ops/gate_wp`, coder, gate);
    assert.equal(coderGate.status, 403);
    // Naming the Operator profile in the job does not raise a member's grants (section 3: intersection).
    const raised = await call(`${server.url}/v1/jobs`, coder, {
      job_kind: "locus_operation",
      protocol_id: "locus_gate_wp_v1",
      capability_profile_id: "Operator",
      input: { operation: "gate_wp", params: gate, capabilities_requested: ["locus.read", "locus.gate"] },
    });
    assert.equal(raised.status, 403);
    assert.deepEqual(wpState(dir), before);

    const passed = await call(`${server.url}/v1/ops/gate_wp`, gatekeeper, gate);
    assert.equal(passed.status, 200, JSON.stringify(passed.body));
  });

  test("a removed member's token stops working at once", async () => {
    const token = addMember(dir, "temp-agent", "member");
    assert.equal((await call(`${server.url}/v1/ops/list_wps`, token, {})).status, 200);
    const removed = locus(dir, ["member", "remove", "temp-agent"]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, /no longer works/);
    const after = await call(`${server.url}/v1/ops/list_wps`, token, {});
    assert.equal(after.status, 401);
  });

  test("statuses follow the contract codes; bodies over 1 MiB are 413, bad JSON 400, unknown routes 404, no stack traces", async () => {
    const missing = await call(`${server.url}/v1/ops/get_wp_status`, owner, { wp_id: "WP-NOPE" });
    assert.equal(missing.status, 404);
    assert.equal(errorOf(missing.body).code, "HSK-404-NOT-FOUND");
    const badParams = await call(`${server.url}/v1/ops/create_wp`, owner, { title: 5 });
    assert.equal(badParams.status, 400);
    assert.equal(errorOf(badParams.body).code, "HSK-400-INVALID-PARAMS");
    const made = await call(`${server.url}/v1/ops/create_wp`, owner, { title: "illegal move" });
    const wpId = (made.body.data as { wp: { wp_id: string } }).wp.wp_id;
    const illegal = await call(`${server.url}/v1/ops/update_wp`, owner, {
      wp_id: wpId,
      updates: { status: "done" },
    });
    assert.equal(illegal.status, 409);
    assert.equal(errorOf(illegal.body).code, "HSK-409-TRANSITION");

    const before = wpState(dir);
    const huge = await postLarge(`${server.url}/v1/jobs`, owner, `{"pad":"${"a".repeat(1024 * 1024)}"}`);
    assert.equal(huge.status, 413);
    assert.equal(errorOf(JSON.parse(huge.text)).code, "HSK-413-LIMIT");
    const broken = await call(`${server.url}/v1/jobs`, owner, '{"job_kind":');
    assert.equal(broken.status, 400);
    assert.equal(errorOf(broken.body).code, "HSK-400-INVALID-JOB");
    const notObject = await call(`${server.url}/v1/ops/create_wp`, owner, "[1,2]");
    assert.equal(notObject.status, 400);
    const nowhere = await call(`${server.url}/v2/anything`, owner);
    assert.equal(nowhere.status, 404);
    assert.equal(errorOf(nowhere.body).code, "HSK-404-NOT-FOUND");
    for (const res of [huge, broken, notObject, nowhere]) assert.doesNotMatch(res.text, /at .*\.js:\d+/);
    assert.deepEqual(wpState(dir), before);
  });

  test("the OpenAPI document and the routes are the catalog: one POST /v1/ops route per operation", async () => {
    const doc = await call(`${server.url}/v1/openapi.json`, viewer);
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, "3.1.0");
    const paths = doc.body.paths as Record<string, { post?: { operationId: string } }>;
    for (const operation of CATALOG.values()) {
      const name = operation.name;
      if (operation.http === false) {
        // An operation that reads the caller's files (an import) is not offered, by route or by job.
        assert.equal(paths[`/v1/ops/${name}`], undefined, name);
        assert.equal(
          (await call(`${server.url}/v1/ops/${name}`, owner, { source: "/etc/passwd" })).status,
          404,
        );
        const asJob = await call(`${server.url}/v1/jobs`, owner, {
          job_kind: "locus_operation",
          protocol_id: `locus_${name}_v1`,
          input: {
            operation: name,
            params: { source: "/etc/passwd" },
            capabilities_requested: [...operation.capabilities],
          },
        });
        assert.equal(asJob.status, 400, name);
        assert.equal(errorOf(asJob.body).details?.field, "input.operation");
        continue;
      }
      assert.equal(paths[`/v1/ops/${name}`]?.post?.operationId, name, name);
      // Each advertised route exists: a viewer gets a coded answer from it, never the 404 of an unknown route.
      const res = await call(`${server.url}/v1/ops/${name}`, viewer, {});
      assert.ok(res.status !== 404 || errorOf(res.body).message.startsWith("no route") === false, name);
      assert.ok(
        CONTRACT_CODES.has(errorOf(res.body)?.code ?? "HSK-400-INVALID-PARAMS") || res.status === 200,
        name,
      );
    }
    assert.ok(paths["/v1/jobs"] && paths["/v1/events"] && paths["/v1/stream"]);
  });

  test("the stream delivers a commit made by another process, and resumes after Last-Event-ID", async () => {
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const reading = readStream(`${server.url}/v1/stream`, viewer, 2, 10_000, {}, opened);
    await open;
    const cli = await locusAsync(dir, ["create", "made by the CLI while a browser watches", "--json"]);
    assert.equal(cli.status, 0, cli.stderr);
    const seen = await reading;
    const names = seen.map((event) => event.data.event_name);
    assert.ok(names.includes("work_packet_created"), JSON.stringify(names));
    const created = seen.find((event) => event.data.event_name === "work_packet_created") as { id: number };

    // Resume: everything after the last id seen, nothing before it.
    const first = seen[0] as { id: number };
    const resumed = await readStream(`${server.url}/v1/stream`, viewer, 1, 5_000, {
      "last-event-id": String(first.id),
    });
    assert.equal(resumed[0]?.id, first.id + 1);
    assert.ok(created.id >= first.id);
  });

  test("an idempotent repeat of add_member never shows the token again", async () => {
    const job = {
      job_kind: "locus_operation",
      protocol_id: "locus_add_member_v1",
      idempotency_key: "add-ci-bot",
      input: {
        operation: "add_member",
        params: { actor_id: "ci-bot", role: "member" },
        capabilities_requested: ["locus.write", "locus.gate"],
      },
    };
    const first = await call(`${server.url}/v1/jobs`, owner, job);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const token = (first.body.data as { token: string }).token;
    assert.match(token, /^locus_/);
    const again = await call(`${server.url}/v1/jobs`, owner, job);
    assert.equal((again.body.data as { token: unknown }).token, null);
    assert.equal((await call(`${server.url}/v1/ops/list_wps`, token, {})).status, 200);
    // An admin-level grant cannot be handed out by someone without it.
    const raise = await call(`${server.url}/v1/ops/add_member`, gatekeeper, {
      actor_id: "boss",
      role: "owner",
    });
    assert.equal(raise.status, 403);
    assert.equal(errorOf(raise.body).details?.field, "params.role");
  });

  test("fuzz: random bodies and headers on every route get coded answers and change no WP", async () => {
    const before = wpState(dir);
    const routes = [
      ...[...CATALOG.keys()].map((name) => `/v1/ops/${name}`),
      "/v1/jobs",
      "/v1/events",
      "/v1/openapi.json",
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        fc.constantFrom("POST", "GET", "PUT"),
        fc.oneof(
          fc.constant(viewer),
          fc.constant(undefined),
          fc.string().map((s) => s.replace(/[\r\n]/g, "")),
        ),
        async (route, body, method, token) => {
          let res: Response;
          try {
            res = await fetch(`${server.url}${route}`, {
              method,
              headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
              ...(method === "GET" ? {} : { body }),
            });
          } catch {
            return; // a header value fetch itself refuses to send
          }
          const text = await res.text();
          if (res.status === 200) return;
          const parsed = JSON.parse(text) as { error: { code: string } };
          assert.ok(CONTRACT_CODES.has(parsed.error.code), text);
          assert.doesNotMatch(text, /at .*\.js:\d+/);
        },
      ),
      { numRuns: 150 },
    );
    assert.deepEqual(wpState(dir), before);
  });
});
