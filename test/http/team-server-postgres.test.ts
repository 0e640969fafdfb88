import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { locusAsync } from "../support/cli.js";
import { postgresSkipReason, withPostgres } from "../support/postgres-cluster.js";
import {
  addMember,
  call,
  readStream,
  type ServerProcess,
  type StreamEvent,
  startServer,
} from "./http-support.js";

// Section 14 on PostgreSQL: two `locus serve` processes over one workspace (as a team runs two for load or on two
// machines) share members, and each one's stream carries what was committed through the other, and by the CLI.

describe("two team servers over one PostgreSQL workspace", { skip: postgresSkipReason() }, () => {
  let dir: string;
  let store: string;
  let one: ServerProcess;
  let two: ServerProcess;
  let token: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "locus-pg-serve-"));
    store = `${await withPostgres()}?workspace=team`;
    token = addMember(dir, "lead", "owner", "--store", store);
    [one, two] = await Promise.all([
      startServer(dir, {}, ["--store", store]),
      startServer(dir, {}, ["--store", store]),
    ]);
  });
  after(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("a member added once is known to both, and each stream carries the other's commits and the CLI's", async () => {
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const created = (events: readonly StreamEvent[]) =>
      events.filter((event) => event.data.event_name === "work_packet_created").length >= 2;
    const watching = readStream(`${two.url}/v1/stream`, token, created, 15_000, {}, opened);
    await open;
    const made = await call(`${one.url}/v1/ops/create_wp`, token, { title: "committed through server one" });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const cli = await locusAsync(dir, ["create", "committed by the CLI", "--store", store]);
    assert.equal(cli.status, 0, cli.stderr);
    const seen = await watching;
    const titles = seen
      .filter((event) => event.data.event_name === "work_packet_created")
      .map((event) => (event.data.payload as { wp: { title: string } }).wp.title);
    assert.deepEqual(titles, ["committed through server one", "committed by the CLI"]);
    // Both servers read the one store.
    const listed = await call(`${two.url}/v1/ops/list_wps`, token, {});
    assert.equal((listed.body.data as { total_count: number }).total_count, 2);
  });
});
