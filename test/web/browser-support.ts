// The board in a real browser (section 14): Debian's chromium driven by playwright-core.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Where CI installs the browser (.ci/run: Debian's `chromium`). */
export const CHROMIUM = process.env.LOCUS_CHROMIUM ?? "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined. On CI the browser is installed, so they always run there. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) throw new Error(`CI must have ${CHROMIUM} (.ci/run installs Debian's chromium)`);
  return `no browser at ${CHROMIUM} (apt-get install chromium, or set LOCUS_CHROMIUM)`;
}

/** Starts a headless Chromium (no sandbox: tests may run as root). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}
