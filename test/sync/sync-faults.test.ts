// Section 13 faults, as a person meets them on the command line: a replica file that was cut or edited is
// refused naming its line and nothing of it is applied; a peer that cannot be reached is HSK-500-STORAGE with
// SYNC-003 recorded; a missing SQLite peer is never created by the typo; a sync killed at any point (SIGKILL)
// leaves both stores sound, and running it again completes it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { steppingClock } from "../../src/domain/clock.js";
import { LocusEngine } from "../../src/operations/locus-engine.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { attackWorkspace, resultOf } from "../attacks/attack-support.js";
import { LOCUS_BIN, locus, tempWorkspace } from "../support/cli.js";

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

/** A workspace that has written its replica file with `count` WPs; returns it and the file's path. */
function publishing(count: number): { dir: string; file: string } {
  const dir = tempWorkspace();
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < count; i++) assert.equal(locus(dir, ["create", `shared ${i}`]).status, 0);
  assert.equal(locus(dir, ["sync", "locus-replicas/"]).status, 0);
  const name = readdirSync(join(dir, "locus-replicas"))[0] as string;
  return { dir, file: join(dir, "locus-replicas", name) };
}

/** A fresh workspace whose replica folder holds a copy of `file` (what a `git pull` brings). */
function receiving(file: string, content: string): ReturnType<typeof attackWorkspace> {
  const ws = attackWorkspace();
  cleanups.push(ws.cleanup);
  const folder = join(ws.dir, "locus-replicas");
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, file.split("/").at(-1) as string), content);
  return ws;
}

describe("replica files that were cut or edited", () => {
  const source = publishing(3);
  const lines = readFileSync(source.file, "utf8").split("\n").filter(Boolean);

  for (const [name, content, line] of [
    [
      "a line cut in the middle (an interrupted copy)",
      `${lines.slice(0, -1).join("\n")}\n${lines.at(-1)?.slice(0, 40)}`,
      lines.length,
    ],
    [
      "an edited line (the title of a WP changed by hand)",
      lines.map((l) => l.replace("shared 1", "shared X")).join("\n"),
      lines.findIndex((l) => l.includes("shared 1")) + 1,
    ],
    ["a removed line in the middle", [...lines.slice(0, 2), ...lines.slice(3)].join("\n"), 3],
  ] as const) {
    it(`${name}: refused naming the line, nothing of it applied, SYNC-003 recorded`, () => {
      const ws = receiving(source.file, `${content}\n`);
      const before = ws.events();
      const run = ws.as("Operator", ["sync", "locus-replicas/", "--json"]);
      assert.equal(run.status, 1);
      const result = resultOf(run);
      assert.equal(result.error?.code, "HSK-400-INVALID-EVENT");
      assert.match(result.error?.message ?? "", new RegExp(`line ${line}\\b`));
      assert.equal(result.error?.details?.line, line);
      const added = ws
        .events()
        .slice(before.length)
        .map((e) => e.event_name);
      assert.ok(added.includes("sync_failed"), added.join());
      assert.ok(!added.some((e) => e.startsWith("work_packet")), `applied: ${added.join()}`);
      assert.equal(resultOf(ws.as("Operator", ["list", "--json"])).data?.total_count, 0);
      ws.assertIntact();
    });
  }

  it("the same file whole is applied", () => {
    const ws = receiving(source.file, `${lines.join("\n")}\n`);
    const run = ws.as("Operator", ["sync", "locus-replicas/", "--json"]);
    assert.equal(run.status, 0, run.stdout);
    assert.equal(resultOf(ws.as("Operator", ["list", "--json"])).data?.total_count, 3);
    ws.assertIntact();
  });
});

describe("peers that cannot be reached", () => {
  it("a PostgreSQL server that is down: HSK-500-STORAGE with the reason, SYNC-003 recorded", () => {
    const ws = attackWorkspace();
    cleanups.push(ws.cleanup);
    const run = ws.as("Operator", ["sync", "postgres://127.0.0.1:1/locus", "--json"]);
    assert.equal(run.status, 1);
    const result = resultOf(run);
    assert.equal(result.error?.code, "HSK-500-STORAGE");
    assert.match(JSON.stringify(result.error), /ECONNREFUSED/);
    assert.ok(ws.events().some((e) => e.event_name === "sync_failed"));
  });

  it("a SQLite file that does not exist is not created by the typo", () => {
    const ws = attackWorkspace();
    cleanups.push(ws.cleanup);
    const run = ws.as("Operator", ["sync", "teammate.db", "--json"]);
    assert.equal(resultOf(run).error?.code, "HSK-500-STORAGE");
    assert.match(resultOf(run).error?.message ?? "", /no Locus store or replica folder at teammate\.db/);
    assert.equal(existsSync(join(ws.dir, "teammate.db")), false);
  });
});

describe("a sync killed at any point (SIGKILL)", () => {
  it("leaves both stores sound, and a rerun completes it", async () => {
    const peerDir = tempWorkspace();
    cleanups.push(() => rmSync(peerDir, { recursive: true, force: true }));
    const peerPath = join(peerDir, ".locus", "locus.db");
    const store = SqliteStore.open(peerPath);
    const engine = new LocusEngine(store, { clock: steppingClock("2026-05-01T00:00:00.000Z", 1) });
    for (let i = 0; i < 1500; i++) await engine.run("create_wp", { title: `peer work ${i}`, labels: ["x"] });
    await store.close();
    for (const delayMs of [120, 250, 400, 600]) {
      const ws = attackWorkspace();
      cleanups.push(ws.cleanup);
      locus(ws.dir, ["create", "local work"]);
      const child = spawn(process.execPath, [LOCUS_BIN, "sync", peerPath], { cwd: ws.dir, stdio: "ignore" });
      // Listened for from the start: a sync that ends before the kill closes before the kill is sent.
      const closed = new Promise((resolve) => child.on("close", resolve));
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      child.kill("SIGKILL");
      await closed;
      ws.assertIntact();
      const peerCheck = locus(peerDir, ["events", "verify"]);
      assert.equal(peerCheck.status, 0, peerCheck.stdout);
      assert.equal(locus(peerDir, ["replay"]).status, 0);
      const rerun = ws.as("Operator", ["sync", peerPath, "--json"]);
      assert.equal(rerun.status, 0, rerun.stdout + rerun.stderr);
      // Both ways done: each holds the peer's 1,500 WPs and every "local work" pushed so far, the same set.
      const count = (dir: string) =>
        resultOf(locus(dir, ["list", "--json", "--limit", "1"])).data?.total_count;
      assert.ok((count(ws.dir) as number) > 1500, `after kill at ${delayMs} ms and a rerun`);
      assert.equal(count(ws.dir), count(peerDir), `after kill at ${delayMs} ms and a rerun`);
      ws.assertIntact();
    }
  });
});
