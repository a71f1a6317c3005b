import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ManualClock } from '../packages/server/src/platform/clock.js';
import { startTestServer, type TestServer } from '../packages/server/src/test-support/test-server.js';

export const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

/** Debian's chromium, headless, without the background traffic this closed network refuses. */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (npm test does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A real server over a fresh SQLite store that serves the built cabinet (run `npm run build` first). */
export async function startWebServer(
  options: Parameters<typeof startTestServer>[1] = {},
): Promise<TestServer> {
  const index = path.join(path.dirname(fileURLToPath(import.meta.url)), '../packages/web/dist/index.html');
  if (!fs.existsSync(index)) throw new Error('the web cabinet is not built: run npm run build');
  // The browser judges cookie expiry by its own clock, so the server's clock starts at the real now.
  return startTestServer('sqlite', {
    clock: new ManualClock(new Date()),
    ...options,
    config: { serveWeb: true, ...options.config },
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Picks an option of a Mantine Select by its visible label. */
export async function choose(page: Page, testId: string, label: string | RegExp): Promise<void> {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: label }).first().click();
}

export async function logInToCabinet(
  page: Page,
  url: string,
  email: string,
  password: string,
): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor();
}
