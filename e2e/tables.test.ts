import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupLicensed } from '../packages/server/src/test-support/fixtures.js';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import {
  closeBrowser,
  LANGUAGES,
  launchBrowser,
  logInToCabinet,
  screenshot,
  startWebServer,
} from './support.js';

const PASSWORD = 'correct-horse-1';

/** The text of the message an input's aria-describedby points at: the error Mantine shows under the field. */
async function errorNextTo(page: Page, testId: string): Promise<string | null> {
  return page.getByTestId(testId).evaluate((input) => {
    if (input.getAttribute('aria-invalid') !== 'true') return null;
    const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    const error = ids
      .map((id) => document.getElementById(id))
      .find((element) => element?.className.includes('error'));
    return error?.textContent ?? null;
  });
}

/** Presses Tab (at most `max` times) until the element with this test id has the focus. */
async function tabTo(page: Page, testId: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
    if (focused === testId) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${testId}`);
}

describe.each(LANGUAGES)(
  'the vendor cabinet’s tables and forms, in $language',
  ({ language, locale, words }) => {
    let server: TestServer;
    let browser: Browser;
    let page: Page;
    const expiries: string[] = [];
    let partnerId = '';

    beforeAll(async () => {
      server = await startWebServer();
      browser = await launchBrowser();
      page = await browser.newPage({ locale });
      const api = server.api;
      const product = (await api.post('/v1/products', { code: 'tables', name: 'Tables Pro' })).body;
      const type = (
        await api.post('/v1/license-types', {
          productId: product.id,
          name: 'Yearly',
          scope: 'installation',
          mode: 'subscription',
          term: { unit: 'year', count: 1 },
          capabilities: [],
        })
      ).body;
      // Issued in an order that is neither by expiry nor by customer.
      const starts = ['2026-05-01', '2025-09-01', '2026-01-01'];
      for (const [i, name] of ['Charlie Ltd', 'Alpha Inc', 'Bravo GmbH'].entries()) {
        const customer = (await api.post('/v1/customers', { name })).body;
        const key = (await api.post('/v1/keys', { customerId: customer.id })).body;
        const license = await api.post(`/v1/keys/${key.id}/licenses`, {
          licenseTypeId: type.id,
          startsAt: `${starts[i]}T00:00:00.000Z`,
        });
        expect(license.status, JSON.stringify(license.body)).toBe(201);
        expiries.push(license.body.expiresAt);
      }
      partnerId = (await api.post('/v1/partners', { name: 'Many Orders' })).body.id;
      for (let i = 1; i <= 53; i++) {
        const order = await api.post('/v1/orders', {
          account: { type: 'partner', id: partnerId },
          reference: `PO-${String(i).padStart(3, '0')}`,
          items: [{ licenseTypeId: type.id, quantity: 1 }],
        });
        expect(order.status).toBe(201);
      }
    });
    afterAll(async () => {
      await closeBrowser(browser, async () => {
        await server?.close();
      });
    });

    it('walks the team, webhooks, events and signing-keys pages; a bad webhook URL is refused at its field', async () => {
      await logInToCabinet(page, server.url, server.vendor.owner.email, PASSWORD);

      await page.getByTestId('nav-team').click();
      await page.getByTestId('staff-table').waitFor();
      expect(await page.getByTestId('staff-table').textContent()).toContain(server.vendor.owner.email);
      // The test's own API token is listed: the tokens table does not say it is empty.
      await expect.poll(() => page.getByTestId('tokens-table').locator('tr').count()).toBeGreaterThan(0);
      expect(await page.getByTestId('tokens-empty').count()).toBe(0);
      await screenshot(page, `team-${language}`);

      await page.getByTestId('nav-webhooks').click();
      await page.getByTestId('webhooks-empty').waitFor();
      expect(await page.getByTestId('webhooks-empty').textContent()).toBe(words.empty.webhooks);
      await page.getByTestId('webhook-url').fill('ftp://hooks.example.test/licensor');
      await page.getByTestId('webhook-add').click();
      await expect.poll(() => errorNextTo(page, 'webhook-url')).toContain('must match pattern');
      expect(await errorNextTo(page, 'webhook-events')).toBeNull();
      await screenshot(page, `webhooks-${language}`);

      await page.getByTestId('nav-events').click();
      await expect.poll(() => page.getByText('license.issued').count()).toBeGreaterThan(0);
      // A type nothing has: the empty state says how to widen the filter.
      await page.getByTestId('event-type').fill('nothing.like.this');
      await page.getByTestId('events-empty').waitFor();
      expect(await page.getByTestId('events-empty').textContent()).toBe(words.empty.eventsFiltered);
      await page.getByTestId('event-type').fill('');
      await expect.poll(() => page.getByTestId('events-empty').count()).toBe(0);
      await screenshot(page, `events-${language}`);

      await page.getByTestId('nav-signing-keys').click();
      await page.getByTestId('rotate-key').waitFor();
      await expect.poll(() => page.getByTestId('status-active').count()).toBe(1);
      await screenshot(page, `signing-keys-${language}`);
    });

    it('sorts the licenses by expiry and by customer on the server, and says when a search finds none', async () => {
      await page.getByTestId('nav-licenses').click();
      await expect.poll(() => page.getByTestId('license-row').count()).toBe(3);
      const expiryHeader = page.getByRole('columnheader', { name: words.key.expiresAt });
      expect(await expiryHeader.getAttribute('aria-sort')).toBe('none');

      await page.getByTestId('sort-expiry').click();
      await expect.poll(() => expiryHeader.getAttribute('aria-sort')).toBe('ascending');
      const soonestFirst = [...expiries].sort();
      await expect
        .poll(() =>
          page.getByTestId('license-expires').evaluateAll((cells) => cells.map((c) => c.dataset.value)),
        )
        .toEqual(soonestFirst);
      expect(new URL(page.url()).search).toBe('?sort=expiry');
      await screenshot(page, `licenses-by-expiry-${language}`);

      await page.getByTestId('sort-customer').click();
      await expect.poll(() => expiryHeader.getAttribute('aria-sort')).toBe('none');
      expect(
        await page.getByRole('columnheader', { name: words.licenses.customer }).getAttribute('aria-sort'),
      ).toBe('ascending');
      await expect
        .poll(() => page.getByTestId('license-customer').allTextContents())
        .toEqual(['Alpha Inc', 'Bravo GmbH', 'Charlie Ltd']);

      await page.getByTestId('license-search').fill('nobody-like-this');
      await page.getByTestId('licenses-empty').waitFor();
      expect(await page.getByTestId('licenses-empty').textContent()).toBe(words.empty.licensesFound);
      expect(await page.getByTestId('license-row').count()).toBe(0);
    });

    it('pages a partner’s orders past the first page', async () => {
      await page.getByTestId('nav-partners').click();
      const orders = page.getByTestId('order-row');
      await expect.poll(() => orders.count()).toBe(50);
      expect(await orders.first().textContent()).toContain('PO-053');
      await page.getByTestId('load-more').click();
      await expect.poll(() => orders.count()).toBe(53);
      expect(await orders.last().textContent()).toContain('PO-001');
      await expect.poll(() => page.getByTestId('load-more').count()).toBe(0);
    });

    it('a key card with 103 activations lists the first 100 and says so', async () => {
      const fleet = await setupLicensed(server.api, { scope: 'seat', maxSeats: 200 });
      for (let batch = 0; batch < 103; batch += 25)
        await Promise.all(
          Array.from({ length: Math.min(25, 103 - batch) }, async (_, i) => {
            const activated = await server.anon.post('/v1/activate', {
              key: fleet.key,
              product: fleet.productCode,
              resource: { kind: 'machine', id: `truck-${batch + i}` },
            });
            expect(activated.status).toBe(201);
          }),
        );
      await page.goto(`${server.url}/keys/${fleet.keyId}`);
      await page.getByTestId('tab-sessions').click();
      const form = new Intl.PluralRules(locale).select(103) as 'one' | 'few' | 'many' | 'other';
      await expect
        .poll(() => page.getByTestId('bindings-shown').textContent())
        .toBe(words.common[`bindingsShown_${form}`].replace('{{shown}}', '100').replace('{{count}}', '103'));
      expect(await page.getByTestId('bindings-table').locator('tbody tr').count()).toBe(100);
      expect(await page.getByTestId('bindings-table').locator('th').allTextContents()).toEqual([
        words.key.product,
        words.key.resource,
        words.key.activatedAt,
      ]);
      await screenshot(page, `key-card-first-100-${language}`);
    });

    it('logs in, opens a page from the sidebar and creates a product with the keyboard alone', async () => {
      const keyboard = await browser.newPage({ locale });
      try {
        await keyboard.goto(`${server.url}/`);
        await keyboard.getByTestId('login-email').waitFor();
        await tabTo(keyboard, 'login-email');
        await keyboard.keyboard.type(server.vendor.owner.email);
        await tabTo(keyboard, 'login-password');
        await keyboard.keyboard.type(PASSWORD);
        await keyboard.keyboard.press('Enter');
        await keyboard.getByTestId('current-user').waitFor();

        await tabTo(keyboard, 'nav-products');
        await keyboard.keyboard.press('Enter');
        await keyboard.getByTestId('product-code').waitFor();
        await tabTo(keyboard, 'product-code');
        await keyboard.keyboard.type(`kbd-${language}`);
        await tabTo(keyboard, 'product-name');
        await keyboard.keyboard.type('Keyboard Edition');
        await tabTo(keyboard, 'product-create');
        await keyboard.keyboard.press('Space');
        await expect
          .poll(() => keyboard.getByTestId('products-table').textContent())
          .toContain(`kbd-${language}`);
      } finally {
        await keyboard.close();
      }
    });
  },
);
