import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { eventHash } from "../../src/domain/events/hash-chain.js";
import { eventFromRow } from "../../src/store/event-rows.js";
import { locus, tempWorkspace } from "../support/cli.js";

// Section 16, anchors: the pre-commit hook commits the chain head to locus-anchor.json, and `events verify` checks
// the store against every anchor in git history. A store rolled back to an old copy, or a log rewritten with every
// hash recomputed (which the chain alone cannot see), is caught and the first anchor it breaks is named.

const STORE_FILES = ["locus.db", "locus.db-wal", "locus.db-shm"];

describe("chain anchors in git", () => {
  let dir: string;
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], {
      cwd: dir,
      encoding: "utf8",
    });
  const saveStore = (to: string) => {
    for (const file of STORE_FILES)
      if (existsSync(join(dir, ".locus", file)))
        copyFileSync(join(dir, ".locus", file), join(dir, to + file));
      else rmSync(join(dir, to + file), { force: true });
  };
  const restoreStore = (from: string) => {
    for (const file of STORE_FILES)
      if (existsSync(join(dir, from + file))) copyFileSync(join(dir, from + file), join(dir, ".locus", file));
      else rmSync(join(dir, ".locus", file), { force: true });
  };
  const verify = () => {
    const run = locus(dir, ["events", "verify", "--json"]);
    return {
      status: run.status,
      data: JSON.parse(run.stdout).data,
      text: locus(dir, ["events", "verify"]).stdout,
    };
  };
  const commits: string[] = [];

  before(() => {
    dir = tempWorkspace();
    git("init", "-q", ".");
    assert.equal(locus(dir, ["hooks", "install"]).status, 0);
    for (const title of ["first", "second"]) {
      assert.equal(locus(dir, ["create", title]).status, 0);
      git("add", "-A");
      git("commit", "-q", "-m", title);
      commits.push(git("rev-parse", "HEAD").trim());
      if (title === "first") saveStore("old-");
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("each commit carries the chain head; verify checks the store against every anchor", () => {
    const anchored = JSON.parse(git("show", "HEAD:locus-anchor.json")) as { seq: number; hash: string };
    const head = JSON.parse(locus(dir, ["events", "--json"]).stdout.trim().split("\n").at(-1) as string);
    assert.equal(anchored.hash, head.hash);
    assert.ok(JSON.parse(git("show", `${commits[0]}:locus-anchor.json`)).seq < anchored.seq);
    const { status, data, text } = verify();
    assert.equal(status, 0);
    assert.deepEqual([data.ok, data.chain_ok, data.anchors.ok, data.anchors.checked], [true, true, true, 2]);
    assert.match(text, /anchors ok: the store matches all 2 anchors/);
  });

  it("a store rolled back to an old copy is caught, naming the anchor it no longer reaches", () => {
    saveStore("new-");
    restoreStore("old-");
    try {
      const { status, data, text } = verify();
      assert.equal(status, 1);
      assert.equal(data.chain_ok, true, "the old copy's own chain is whole");
      assert.equal(data.anchors.first_mismatch.commit, commits[1]);
      assert.equal(data.anchors.first_mismatch.found, null);
      assert.match(text, new RegExp(`anchor of commit ${commits[1]?.slice(0, 12)} .* rolled back`));
    } finally {
      restoreStore("new-");
    }
    assert.equal(verify().status, 0);
  });

  it("a log rewritten with every hash recomputed passes the chain but not the anchors", () => {
    const db = new Database(join(dir, ".locus", "locus.db"));
    try {
      const rows = db.prepare("SELECT * FROM events ORDER BY seq").all() as Record<string, unknown>[];
      let prev = "";
      const update = db.prepare("UPDATE events SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?");
      for (const row of rows) {
        const event = eventFromRow(row);
        if (event.event_name === "work_packet_created") {
          const wp = event.payload.wp as { title: string };
          if (wp.title === "first") wp.title = "forged";
        }
        event.prev_hash = prev;
        const { hash: _old, ...unsealed } = event;
        event.hash = eventHash(unsealed);
        update.run(JSON.stringify(event.payload), event.prev_hash, event.hash, event.seq);
        prev = event.hash;
      }
      db.prepare("UPDATE meta SET value = ? WHERE key = 'head_hash'").run(prev);
    } finally {
      db.close();
    }
    const { status, data, text } = verify();
    assert.equal(data.chain_ok, true, "every hash was recomputed: the chain alone cannot tell");
    assert.equal(status, 1);
    assert.equal(data.anchors.first_mismatch.commit, commits[0], "the oldest anchor it breaks is named");
    assert.match(text, /NOT matched: .* the log was rewritten/);
  });

  it("outside git, verify reports no anchors and passes on the chain alone", () => {
    const outside = tempWorkspace();
    try {
      const run = locus(outside, ["events", "verify", "--json"]);
      assert.equal(run.status, 0);
      assert.equal(JSON.parse(run.stdout).data.anchors, null);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    assert.match(readFileSync(join(dir, "locus-anchor.json"), "utf8"), /"seq": \d+/);
  });
});
