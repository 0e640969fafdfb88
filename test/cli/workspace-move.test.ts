import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { canonicalJson } from "../../src/domain/canonical-json.js";
import { stateFingerprint, verifyStore } from "../../src/operations/flight-recorder.js";
import { openStore, parseStoreUrl } from "../../src/store/open-store.js";
import { postgresBackend, sqliteBackend } from "../support/stores.js";
import { locus, locusJson } from "./cli-process.js";

// Issue 6, moving a workspace: `locus export` from SQLite, `locus import` into PostgreSQL, and back, as real
// processes. Each move keeps the chain byte for byte (it verifies), and the state read back from the target
// store equals the source's (canonical JSON of loadState, the replay check's fingerprint).

const job = (operation: string, params: Record<string, unknown>, capabilities = ["locus.write"]): string =>
  JSON.stringify({
    job_kind: "locus_operation",
    protocol_id: `locus_${operation}_v1`,
    input: { operation, params, capabilities_requested: capabilities },
  });

/** A history that touches every table replay fills: WPs (one deleted), MTs, edges, labels, claims. */
const HISTORY = [
  job("create_wp", { wp_id: "WP-a", title: "Login times out", labels: ["auth"], priority: 1 }),
  job("create_wp", { wp_id: "WP-b", title: "Export invoices", description: "CSV and PDF." }),
  job("create_wp", { wp_id: "WP-c", title: "Dark theme" }),
  job("add_dependency", { from_wp_id: "WP-a", to_wp_id: "WP-b", type: "blocks" }),
  job("add_dependency", { from_wp_id: "WP-b", to_wp_id: "WP-c", type: "related" }),
  job("update_wp", { wp_id: "WP-a", updates: { status: "ready", labels: ["auth", "p1"] } }),
  job("register_mts", { wp_id: "WP-a", micro_tasks: [{ mt_id: "MT-001", name: "Reproduce" }] }),
  job("delete_wp", { wp_id: "WP-c", reason: "duplicate" }, ["locus.delete"]),
];

/** State fingerprint and chain report of the store at `url`, read in process after the CLI runs. */
async function inspect(
  url: string,
): Promise<{ state: string; chainOk: boolean; head: number; bronze: string }> {
  const store = await openStore(parseStoreUrl(url, process.cwd()));
  try {
    const chain = await verifyStore(store);
    const events = await store.readEvents();
    return {
      state: JSON.stringify(stateFingerprint(await store.loadState())),
      bronze: canonicalJson(await store.transaction((tx) => tx.bronzeSnapshots())),
      chainOk: chain.ok,
      head: events.at(-1)?.seq ?? 0,
    };
  } finally {
    await store.close();
  }
}

describe("moving a workspace between SQLite and PostgreSQL", { skip: postgresBackend.skip }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "locus-move-"));
  const cleanups: (() => Promise<void>)[] = [];
  let sqliteUrl = "";
  let postgresUrl = "";
  let backToSqlite = "";

  before(async () => {
    const sqlite = await sqliteBackend.location();
    const postgres = await postgresBackend.location();
    cleanups.push(sqlite.cleanup, postgres.cleanup);
    sqliteUrl = sqlite.url;
    backToSqlite = sqlite.sibling;
    postgresUrl = postgres.url;
    const run = locus(scratch, ["--store", sqliteUrl, "exec"], `${HISTORY.join("\n")}\n`);
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  const move = (from: string, to: string, file: string): Record<string, unknown> => {
    const exported = locusJson(scratch, ["--store", from, "export", "--out", file]);
    assert.equal(exported.run.status, 0, exported.run.stderr);
    const imported = locusJson(scratch, ["--store", to, "import", file]);
    assert.equal(imported.run.status, 0, imported.run.stdout + imported.run.stderr);
    return imported.body.data as Record<string, unknown>;
  };

  it("SQLite -> PostgreSQL: same state, same chain, and it verifies", async () => {
    const file = join(scratch, "from-sqlite.jsonl");
    const report = move(sqliteUrl, postgresUrl, file);
    assert.equal(report.wps, 3);
    assert.equal(report.dependencies, 2);
    const [source, target] = [await inspect(sqliteUrl), await inspect(postgresUrl)];
    assert.ok(target.chainOk, "the imported chain verifies on PostgreSQL");
    assert.equal(target.head, source.head);
    assert.equal(target.state, source.state);
    const postgresLog = locus(scratch, ["--store", postgresUrl, "events", "export"]).stdout;
    assert.equal(postgresLog, readFileSync(file, "utf8"), "events are stored verbatim");
    assert.equal(locus(scratch, ["--store", postgresUrl, "events", "verify"]).status, 0);
    assert.equal(locus(scratch, ["--store", postgresUrl, "replay"]).status, 0);
  });

  it("the moved workspace keeps working on PostgreSQL, then moves back to SQLite unchanged", async () => {
    const write = job("update_wp", { wp_id: "WP-b", updates: { title: "Export invoices as CSV" } });
    assert.equal(locus(scratch, ["--store", postgresUrl, "exec"], `${write}\n`).status, 0);
    const report = move(postgresUrl, backToSqlite, join(scratch, "from-postgres.jsonl"));
    assert.equal(report.wps, 3);
    const [source, target] = [await inspect(postgresUrl), await inspect(backToSqlite)];
    assert.ok(source.chainOk && target.chainOk);
    assert.equal(target.head, source.head);
    assert.equal(target.state, source.state);
    assert.equal(target.bronze, source.bronze, "Bronze is rebuilt from the log, snapshot for snapshot");
    assert.equal(locus(scratch, ["--store", backToSqlite, "events", "verify"]).status, 0);
    const found = locusJson(scratch, ["--store", backToSqlite, "search", "invoices", "--mode", "keyword"]);
    assert.deepEqual(
      ((found.body as { data: { results: { wp_id: string }[] } }).data.results ?? []).map((r) => r.wp_id),
      ["WP-b"],
      "the moved workspace is searchable",
    );
    assert.equal(locus(scratch, ["--store", backToSqlite, "replay"]).status, 0);
    const show = locusJson(scratch, ["--store", backToSqlite, "show", "WP-b"]);
    assert.match(JSON.stringify(show.body), /Export invoices as CSV/);
  });

  it("import into a non-empty PostgreSQL workspace is refused with HSK-409-CONFLICT", () => {
    const { run, body } = locusJson(scratch, [
      "--store",
      postgresUrl,
      "import",
      join(scratch, "from-sqlite.jsonl"),
    ]);
    assert.equal(run.status, 1);
    assert.equal((body.error as { code: string }).code, "HSK-409-CONFLICT");
  });
});
