import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { addMember, type ServerProcess, startServer } from "../http/http-support.js";
import { locus, tempWorkspace } from "../support/cli.js";
import { browserSkipReason, launchBrowser } from "./browser-support.js";

// Section 14, the web board in Chromium against a real `locus serve`: it renders the store, shows a WP made by
// the CLI without a reload, makes the change a drag asks for, shows the code of a refused drag and puts the card
// back, works from the keyboard, and gives a viewer no write that works.

const skip = browserSkipReason();

const statusOf = (dir: string, token: string, wpId: string) =>
  JSON.parse(locus(dir, ["show", wpId, "--json"], undefined, { LOCUS_TOKEN: token }).stdout).data.wp
    .status as string;

const create = (dir: string, title: string) =>
  JSON.parse(locus(dir, ["create", title, "--json"]).stdout).data.wp.wp_id as string;

/** The card of `wpId` in the column of `status`. */
const cardIn = (page: Page, status: string, wpId: string) =>
  page.locator(`.column[data-status="${status}"] .card[data-wp="${wpId}"]`);

describe("the web board", { skip }, () => {
  let dir: string;
  let server: ServerProcess;
  let browser: Browser;
  let owner: string;
  let viewer: string;
  let first: string;

  before(async () => {
    dir = tempWorkspace();
    owner = addMember(dir, "lead", "owner");
    viewer = addMember(dir, "watcher", "viewer");
    first = create(dir, "Login page");
    create(dir, "Token refresh");
    server = await startServer(dir);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (token: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${server.url}/#token=${token}`);
    await page.locator(".card").first().waitFor();
    assert.deepEqual(errors, []);
    // The token left the address (it stays in the tab's session storage).
    assert.ok(!page.url().includes("token="), page.url());
    return page;
  };

  test("renders the store's WPs in their columns, and shows a WP made by the CLI without a reload", async () => {
    const page = await open(owner);
    try {
      assert.equal(await page.locator('.column[data-status="stub"] .card').count(), 2);
      await page.locator('[data-testid="live"].on').waitFor();
      const made = create(dir, "Made by the CLI while the board is open");
      await cardIn(page, "stub", made).waitFor({ timeout: 5_000 });
      assert.match((await cardIn(page, "stub", made).textContent()) ?? "", /Made by the CLI/);
    } finally {
      await page.close();
    }
  });

  test("a drag makes the change; a refused drag shows the code and the card goes back", async () => {
    const page = await open(owner);
    try {
      await cardIn(page, "stub", first).dragTo(page.locator('.column[data-status="ready"]'));
      await cardIn(page, "ready", first).waitFor({ timeout: 5_000 });
      assert.equal(statusOf(dir, owner, first), "ready");

      // ready -> done skips the gates: the state machine says no.
      await cardIn(page, "ready", first).dragTo(page.locator('.column[data-status="done"]'));
      const refusal = page.locator('[data-testid="refusal"]');
      await refusal.waitFor({ timeout: 5_000 });
      assert.match((await refusal.textContent()) ?? "", /HSK-409-TRANSITION/);
      await cardIn(page, "ready", first).waitFor();
      assert.equal(statusOf(dir, owner, first), "ready");
    } finally {
      await page.close();
    }
  });

  test("from the keyboard: Enter opens a card, its status list moves it, Escape closes", async () => {
    const page = await open(owner);
    try {
      await cardIn(page, "ready", first).focus();
      await page.keyboard.press("Enter");
      const detail = page.locator("aside.detail");
      await detail.locator("h2").filter({ hasText: "Login page" }).waitFor();
      await page.locator('select[aria-label="status"]').selectOption("blocked");
      await cardIn(page, "blocked", first).waitFor({ timeout: 5_000 });
      assert.equal(statusOf(dir, owner, first), "blocked");
      await detail.focus();
      await page.keyboard.press("Escape");
      await detail.waitFor({ state: "detached" });
    } finally {
      await page.close();
    }
  });

  test("a WP's detail shows the rollup of its children (section 17)", async () => {
    const parent = create(dir, "Epic with children");
    const kids = [create(dir, "Child one"), create(dir, "Child two")];
    for (const kid of kids)
      assert.equal(
        locus(dir, ["dep", "add", parent, "parent-child", kid], undefined, { LOCUS_TOKEN: owner }).status,
        0,
      );
    for (const args of [
      ["update", kids[0] as string, "--status", "ready"],
      ["gate", kids[0] as string, "pre_work", "pass"],
      ["gate", kids[0] as string, "post_work", "pass"],
    ])
      assert.equal(locus(dir, args, undefined, { LOCUS_TOKEN: owner }).status, 0, args.join(" "));
    const page = await open(owner);
    try {
      await cardIn(page, "stub", parent).click();
      const rollup = page.locator('[data-testid="rollup"]');
      await rollup.waitFor({ timeout: 5_000 });
      const text = (await rollup.textContent()) ?? "";
      assert.match(text, /50% done of 2/);
      assert.match(text, /1 Done/i);
    } finally {
      await page.close();
    }
  });

  test("a viewer sees the board, but no drag of theirs changes anything", async () => {
    const page = await open(viewer);
    try {
      const target = create(dir, "Viewer cannot move me");
      await cardIn(page, "stub", target).waitFor({ timeout: 5_000 });
      await cardIn(page, "stub", target).dragTo(page.locator('.column[data-status="ready"]'));
      const refusal = page.locator('[data-testid="refusal"]');
      await refusal.waitFor({ timeout: 5_000 });
      assert.match((await refusal.textContent()) ?? "", /HSK-403-CAPABILITY/);
      await cardIn(page, "stub", target).waitFor();
      assert.equal(statusOf(dir, owner, target), "stub");
    } finally {
      await page.close();
    }
  });

  test("the audit view lists who did what and says the chain verifies", async () => {
    const page = await open(owner);
    try {
      await page.getByRole("button", { name: "Audit" }).click();
      const chain = page.locator('[data-testid="chain"]');
      await chain.filter({ hasText: "chain verified" }).waitFor({ timeout: 5_000 });
      const table = (await page.locator(".audit table").textContent()) ?? "";
      assert.match(table, /work_packet_updated/);
      assert.match(table, /lead/);
      assert.match(table, /deny locus\.write/, "the viewer's refused drag is in the audit");
    } finally {
      await page.close();
    }
  });
});
