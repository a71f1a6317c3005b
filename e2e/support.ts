import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { ManualClock } from '../packages/server/src/platform/clock.js';
import { startTestServer, type TestServer } from '../packages/server/src/test-support/test-server.js';
import { en } from '../packages/web/src/i18n/en.js';
import { ru } from '../packages/web/src/i18n/ru.js';

export const SCREENSHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

/**
 * Each seed's walk runs once per language of the portals: the browser's locale picks the language, and the
 * words a person reads are the portals' own dictionary, so a walk in Russian checks the Russian text.
 */
export const LANGUAGES = [
  { language: 'en', locale: 'en-US', words: en },
  { language: 'ru', locale: 'ru-RU', words: ru },
] as const;

const cspViolations = new WeakMap<Browser, string[]>();

/**
 * Debian's chromium, headless, without the background traffic this closed network refuses. Every page it
 * opens is watched for Content-Security-Policy violations, which `closeBrowser` reports.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (npm test does)`);
  const browser = await launch();
  const violations: string[] = [];
  cspViolations.set(browser, violations);
  const watch = (page: Page) =>
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.on('page', watch);
    return context;
  };
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    watch(page);
    return page;
  };
  return browser;
}

/** Closes the browser, failing if any page broke the server's Content-Security-Policy. */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  if (!browser) return;
  const violations = cspViolations.get(browser) ?? [];
  await browser.close();
  if (violations.length > 0) throw new Error(`CSP violations:\n${violations.join('\n')}`);
}

function launch(): Promise<Browser> {
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
