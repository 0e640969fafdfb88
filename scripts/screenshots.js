#!/usr/bin/env node
// `npm run screenshots`: the web board's main views as PNGs in docs/screenshots/, made from a fresh workspace by
// the built CLI and a real `locus serve`, in Debian's chromium. Run after `npm run build`; the README shows them.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const BIN = resolve("bin/locus.js");
const OUT = resolve("docs/screenshots");
const dir = mkdtempSync(join(tmpdir(), "locus-shots-"));

function locus(...args) {
  const run = spawnSync(process.execPath, [BIN, ...args, "--json"], { cwd: dir, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`locus ${args.join(" ")}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout);
}
const create = (title, ...flags) => locus("create", title, ...flags).data.wp.wp_id;

locus("init");
const token = locus("member", "add", "dana", "--role", "owner").data.token;
// A small project mid-sprint: work in every column, gates, micro-tasks with iterations, edges.
const auth = create("Sign-in with magic links", "--labels", "auth,web", "--priority", "1");
const tokens = create("Rotate API tokens every 30 days", "--labels", "auth,security", "--priority", "0");
const audit = create("Export the audit trail as CSV", "--labels", "audit");
const search = create("Search answers in under 50 ms", "--labels", "search,perf", "--priority", "1");
create("Dark mode for the board", "--labels", "web", "--priority", "3");
create("Importer for Backlog.md folders", "--labels", "import");
const flaky = create("Fix flaky sync test on CI", "--labels", "ci", "--priority", "0");
for (const wp of [auth, tokens, audit, search, flaky]) locus("update", wp, "--status", "ready");
for (const wp of [auth, tokens, search])
  locus("gate", wp, "pre_work", "pass", "--result-notes", "scope agreed");
locus("update", auth, "--status", "in_progress", "--assignee", "agent-7");
locus("update", search, "--status", "in_progress", "--assignee", "agent-3");
locus(
  "mt",
  "register",
  auth,
  "--micro-tasks",
  '[{"mt_id":"MT-001","name":"Token table"},{"mt_id":"MT-002","name":"Email link"}]',
);
locus("mt", "start", auth, "MT-001");
locus("mt", "iterate", auth, "MT-001", "1", "RETRY", "--model-id", "small-coder");
locus("mt", "iterate", auth, "MT-001", "2", "SUCCESS", "--model-id", "large-coder");
locus("mt", "complete", auth, "MT-001");
locus("update", tokens, "--status", "in_progress");
locus("gate", tokens, "post_work", "pass", "--result-notes", "reviewed by dana");
locus("dep", "add", tokens, "blocks", audit);
locus("dep", "add", auth, "blocks", flaky);
locus("update", flaky, "--status", "blocked");
locus("note", auth, "Magic links expire after 15 minutes; see the security review.");

const server = spawn(process.execPath, [BIN, "serve", "--port", "0", "--json"], { cwd: dir });
const url = await new Promise((done, fail) => {
  server.stdout.once("data", (chunk) => done(JSON.parse(String(chunk).split("\n")[0]).url));
  server.once("exit", (code) => fail(new Error(`locus serve exited ${code}`)));
});
const browser = await chromium.launch({
  executablePath: process.env.LOCUS_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox"],
});
try {
  mkdirSync(OUT, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1600, height: 820 } });
  await page.goto(`${url}/#token=${token}`);
  await page.locator(".card").first().waitFor();
  await page.locator('[data-testid="live"].on').waitFor();
  await page.screenshot({ path: join(OUT, "board.png") });
  await page.locator(`.card[data-wp="${auth}"]`).click();
  await page.locator("aside.detail h2").waitFor();
  await page
    .locator("aside.detail")
    .getByText("Graph around it")
    .waitFor({ state: "attached" })
    .catch(() => {});
  await page.screenshot({ path: join(OUT, "detail.png") });
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Audit" }).click();
  await page.locator('[data-testid="chain"]').filter({ hasText: "chain verified" }).waitFor();
  await page.screenshot({ path: join(OUT, "audit.png") });
  process.stdout.write(`screenshots written to ${OUT}\n`);
} finally {
  await browser.close();
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
