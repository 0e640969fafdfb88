import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pg from "pg";
import { postgresSkipReason, startPostgresCluster, withPostgres } from "./postgres-cluster.js";

const skip = postgresSkipReason();

async function queryOnce<Row extends pg.QueryResultRow>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("a throwaway cluster serves queries, isolates databases and leaves nothing after stop", {
  skip,
}, async () => {
  const cluster = await startPostgresCluster();
  try {
    assert.equal(cluster.url, `postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
    assert.ok(existsSync(cluster.dataDir));
    assert.deepEqual(await queryOnce(cluster.url, "select 1 as one"), [{ one: 1 }]);
    const settings = await queryOnce<{ name: string; setting: string }>(
      cluster.url,
      "select name, setting from pg_settings where name in ('fsync', 'max_connections', 'listen_addresses') order by name",
    );
    assert.deepEqual(settings, [
      { name: "fsync", setting: "off" },
      { name: "listen_addresses", setting: "127.0.0.1" },
      { name: "max_connections", setting: "200" },
    ]);

    const secondUrl = await cluster.createDatabase("second_db");
    assert.equal(secondUrl, `postgres://postgres@127.0.0.1:${cluster.port}/second_db`);
    await queryOnce(secondUrl, "create table only_here (id int); insert into only_here values (7)");
    assert.deepEqual(await queryOnce(secondUrl, "select id from only_here"), [{ id: 7 }]);
    const elsewhere = await queryOnce<{ found: string | null }>(
      cluster.url,
      "select to_regclass('public.only_here')::text as found",
    );
    assert.deepEqual(elsewhere, [{ found: null }]);
    await assert.rejects(cluster.createDatabase("Bad-Name"), /invalid test database name/);
  } finally {
    await cluster.stop();
  }
  assert.equal(existsSync(cluster.dataDir), false);
  assert.equal(existsSync(cluster.baseDir), false);
  assert.equal(await portAcceptsConnections(cluster.port), false);
  await cluster.stop(); // a second stop is harmless
});

test("withPostgres gives each caller its own database on one shared cluster", { skip }, async () => {
  const first = await withPostgres();
  const second = await withPostgres();
  assert.notEqual(first, second);
  assert.equal(new URL(first).port, new URL(second).port);
  await queryOnce(first, "create table mine (id int)");
  const seen = await queryOnce<{ found: string | null }>(
    second,
    "select to_regclass('public.mine')::text as found",
  );
  assert.deepEqual(seen, [{ found: null }]);
});

test("a kept cluster keeps its data between starts, and a second start on it leaves the running one alone", {
  skip,
}, async () => {
  // The benches keep a 100K-WP workspace this way (bench/postgres-workspace-cache.ts).
  const keptIn = mkdtempSync(join(process.env["LOCUS_PG_TMPDIR"] ?? tmpdir(), "locus-kept-"));
  chmodSync(keptIn, 0o755); // the server user must reach it when the tests run as root
  try {
    const first = await startPostgresCluster({ keptIn });
    const url = await first.createDatabase("kept_db");
    await queryOnce(url, "create table kept (id int); insert into kept values (42)");
    await first.stop();
    assert.equal(existsSync(first.dataDir), true, "a kept cluster's data outlives stop()");
    assert.equal(await portAcceptsConnections(first.port), false);

    const again = await startPostgresCluster({ keptIn });
    try {
      const kept = again.url.replace(/\/postgres$/, "/kept_db");
      assert.deepEqual(await queryOnce(kept, "select id from kept"), [{ id: 42 }]);
      // Another process (here: another start) cannot run on the same folder, and its failure stops nothing.
      await assert.rejects(startPostgresCluster({ keptIn }), /failed to start/);
      assert.deepEqual(await queryOnce(kept, "select id from kept"), [{ id: 42 }]);
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(keptIn, { recursive: true, force: true });
  }
});
