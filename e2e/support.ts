import fs from 'node:fs';
import { createRequire } from 'node:module';
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

const problems = new WeakMap<Browser, string[]>();

/**
 * What a page may log on its own: the browser's note on an API answer of 4xx, which the page shows as an error
 * (a wrong password, a refusal). A 4xx for anything else (a script, a page) is a failure.
 */
const EXPECTED_CONSOLE = /Failed to load resource: the server responded with a status of 4\d\d/;
const isApiCall = (url: string | undefined) => Boolean(url && new URL(url).pathname.startsWith('/v1/'));

/**
 * Debian's chromium, headless, without the background traffic this closed network refuses. Every page it
 * opens is watched: Content-Security-Policy violations, console errors, uncaught exceptions and requests
 * that failed on the network are collected, and `closeBrowser` fails the test with them.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (npm test does)`);
  const browser = await launch();
  const found: string[] = [];
  problems.set(browser, found);
  const watch = (page: Page) => {
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy/i.test(text)) found.push(`CSP: ${text}`);
      else if (
        message.type() === 'error' &&
        !(EXPECTED_CONSOLE.test(text) && isApiCall(message.location().url))
      )
        found.push(`console error on ${page.url()}: ${text}`);
    });
    page.on('pageerror', (error) => found.push(`uncaught on ${page.url()}: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A download or a navigation away cancels its request on purpose.
      if (request.failure()?.errorText !== 'net::ERR_ABORTED')
        found.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
    });
  };
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

/**
 * Closes the browser first (its pages stop calling the servers), then runs the rest of the clean-up (servers,
 * files), and only then fails if any page broke the CSP, logged an error or lost a request.
 */
export async function closeBrowser(
  browser: Browser | undefined,
  cleanUp: () => Promise<unknown> = async () => undefined,
): Promise<void> {
  const found = browser ? (problems.get(browser) ?? []) : [];
  try {
    await browser?.close();
  } finally {
    await cleanUp();
  }
  if (found.length > 0) throw new Error(`the pages reported problems:\n${found.join('\n')}`);
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

const PHONE = { width: 390, height: 844 };

/**
 * Saves the page as it is, at its width and on a phone's (390 px), and checks both with axe: every page a
 * browser test shows is looked at by a person on a laptop and on a phone, and by a screen reader.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await expectAccessible(page, name);
  const viewport = page.viewportSize();
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(400); // the sidebar slides away (200 ms) before the picture is taken
  try {
    await expectNoSidewaysScroll(page, `${name} at 390 px`);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-390.png`), fullPage: true });
    await expectAccessible(page, `${name} at 390 px`);
  } finally {
    if (viewport) await page.setViewportSize(viewport);
    await page.waitForTimeout(400);
  }
}

/**
 * A phone shows the whole width of a page: what is wider (a table of many columns) scrolls in a box of its own,
 * never past the screen's edge, where a person would not find it (the page may not even scroll: the cabinet's
 * frame cuts it off). Names the first elements that end past the edge when it fails.
 */
async function expectNoSidewaysScroll(page: Page, name: string): Promise<void> {
  // The layout settles after the resize; on a loaded machine its transitions take longer than they should.
  const settled = Date.now() + 5_000;
  let past = await overflowing(page);
  while (past.length > 0 && Date.now() < settled) {
    await page.waitForTimeout(250);
    past = await overflowing(page);
  }
  if (past.length > 0) throw new Error(`${name}: past the screen's right edge: ${past.join('; ')}`);
}

/** The page's own sideways overflow and the first elements that end past the screen's edge, if any. */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const inScrollBox = (element: Element) => {
      // The page itself (html, body) scrolling sideways is what is checked, not a box of its own.
      for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
        const overflow = getComputedStyle(box).overflowX;
        if ((overflow === 'auto' || overflow === 'scroll') && box.getBoundingClientRect().right <= width + 2)
          return true;
      }
      return false;
    };
    // The page as a whole (text that spills out of its box widens the page without widening the box).
    const page =
      document.documentElement.scrollWidth > width + 2
        ? [`the page is ${document.documentElement.scrollWidth} px wide`]
        : [];
    return page.concat(
      [...document.querySelectorAll<HTMLElement>('body *')]
        .filter((element) => {
          const box = element.getBoundingClientRect();
          // A pixel or two over is rounding (a border, a subpixel width), not a hidden column.
          return box.width > 0 && box.left >= 0 && box.right > width + 2 && !inScrollBox(element);
        })
        .slice(0, 5)
        .map((element) => {
          const testId = element.closest('[data-testid]')?.getAttribute('data-testid');
          return `${element.tagName.toLowerCase()}${testId ? ` in [data-testid=${testId}]` : ''} ends at ${Math.round(element.getBoundingClientRect().right)} px`;
        }),
    );
  });
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

/** Logs out from the user menu in the header of any portal. */
export async function logOut(page: Page): Promise<void> {
  await page.getByTestId('user-menu').click();
  await page.getByTestId('logout').click();
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core on the page as it is now and fails on any serious or critical violation (missing labels,
 * names, contrast, roles). Evaluated through the browser's debugger protocol, so the page's CSP stays strict.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  // A notification fading in or out is half transparent for a moment, and axe would judge its text's contrast
  // then: the check runs while every notification shown is fully opaque, and again if one appeared, left or
  // started fading (its time ran out) while axe was looking. A menu just clicked through is still closing for a
  // moment, its items gone before its frame: the check waits until it has left the page too.
  let violations: AxeViolation[] = [];
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    const before = await page.evaluate(async () => {
      const scope = window as unknown as { pageSettled?: () => boolean };
      scope.pageSettled ??= () =>
        document.querySelector('.mantine-Menu-dropdown') === null &&
        [...document.querySelectorAll('.mantine-Notification-root')].every((element) => {
          for (let node: Element | null = element; node; node = node.parentElement)
            if (getComputedStyle(node).opacity !== '1') return false;
          return true;
        });
      const deadline = Date.now() + 10_000;
      while (!scope.pageSettled() && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      return document.querySelectorAll('.mantine-Notification-root').length;
    });
    const result = (await page.evaluate(async () => {
      const scope = window as unknown as {
        axe: { run(...args: unknown[]): Promise<{ violations: unknown }> };
        pageSettled: () => boolean;
      };
      const checked = await scope.axe.run(document, { resultTypes: ['violations'] });
      return {
        violations: checked.violations,
        steady: scope.pageSettled(),
        count: document.querySelectorAll('.mantine-Notification-root').length,
      };
    })) as { violations: AxeViolation[]; steady: boolean; count: number };
    violations = result.violations;
    if (result.steady && result.count === before) break;
  }
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`,
    );
  if (serious.length > 0) throw new Error(`accessibility of ${what}:\n${serious.join('\n')}`);
}
