import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLicenseType, issue } from '../packages/server/src/test-support/fixtures.js';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import {
  choose,
  closeBrowser,
  launchBrowser,
  logInToCabinet,
  screenshot,
  startWebServer,
} from './support.js';

describe('the vendor cabinet in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    page = await browser.newPage({ locale: 'en-US' });
  });
  afterAll(async () => {
    await closeBrowser(browser, async () => {
      await server?.close();
    });
  });

  it('a manager logs in, builds the catalog, issues a license on a new key and reads the key card in two languages', async () => {
    await logInToCabinet(page, server.url, server.vendor.owner.email, 'correct-horse-1');
    // A new vendor is shown the way in: four steps, none done yet.
    await expect.poll(() => page.getByTestId('step-todo').count()).toBe(4);

    await page.getByTestId('nav-products').click();
    await page.getByTestId('product-code').fill('mobile-smarts');
    await page.getByTestId('product-name').fill('Mobile SMARTS');
    await page.getByTestId('product-create').click();
    await expect.poll(() => page.getByTestId('products-table').textContent()).toContain('Mobile SMARTS');

    await choose(page, 'type-product', /Mobile SMARTS/);
    // Choosing the chosen option again keeps it (it does not silently clear the field).
    await choose(page, 'type-product', /Mobile SMARTS/);
    expect(await page.getByTestId('type-product').inputValue()).toContain('Mobile SMARTS');
    await page.getByTestId('type-name').fill('Terminal, 1 year');
    await page.getByTestId('type-seats').fill('3');
    await page.getByTestId('type-create').click();
    await expect.poll(() => page.getByTestId('types-table').textContent()).toContain('Terminal, 1 year');

    await page.getByTestId('nav-customers').click();
    await page.getByTestId('customer-name').fill('Romashka LLC');
    await page.getByTestId('customer-contactName').fill('Ivan Petrov');
    // A wrong e-mail is refused, and the field itself says so.
    await page.getByTestId('customer-email').fill('not-an-e-mail');
    await page.getByTestId('customer-save').click();
    await expect.poll(() => page.getByTestId('customer-email').getAttribute('aria-invalid')).toBe('true');
    await page.getByTestId('customer-email').fill('ivan@romashka.test');
    await page.getByTestId('customer-save').click();
    await expect.poll(() => page.getByTestId('customer-title').textContent()).toBe('Romashka LLC');

    await page.getByTestId('create-key').click();
    await expect.poll(() => page.getByTestId('key-string').textContent()).toMatch(/^ACME(-[0-9A-Z]{5}){5}$/);
    await page.getByTestId('tab-products').click();
    await choose(page, 'issue-type', /Terminal, 1 year/);
    await page.getByTestId('issue-license').click();
    const row = page.getByTestId('license-row').first();
    await expect.poll(() => row.textContent()).toContain('Mobile SMARTS');
    await expect.poll(() => row.textContent()).toContain('unused');
    await expect.poll(() => row.textContent()).toContain('0/3');
    await screenshot(page, 'key-card-en');

    const key = (await page.getByTestId('key-string').textContent())!;
    await server.anon.post('/v1/activate', {
      key,
      product: 'mobile-smarts',
      resource: { kind: 'machine', id: 'tsd-1', name: 'Scanner 1' },
    });
    await server.anon.post('/v1/validate', { key, product: 'mobile-smarts', fingerprint: 'tsd-1' });
    // The open card follows what the product did, without a reload.
    await expect
      .poll(() => page.getByTestId('license-row').first().textContent(), { timeout: 15_000 })
      .toContain('active');

    await page.getByTestId('lang-switch').getByText('RU').click();
    await expect
      .poll(() => page.getByTestId('tab-products').textContent())
      .toBe('Продукты, привязанные к ключу');
    await expect.poll(() => page.getByTestId('license-row').first().textContent()).toContain('активна');
    // A key is masculine in Russian, a license feminine.
    expect(await page.getByTestId('key-status').textContent()).toBe('активен');
    await page.getByTestId('tab-sessions').click();
    // A floating session opened by the product while the tab is open shows up on the tab by itself.
    const keyId = new URL(page.url()).pathname.split('/').pop()!;
    const productId = (await server.api.get('/v1/products')).body.data[0].id;
    const floating = await createLicenseType(server.api, productId, { scope: 'floating', maxSessions: 2 });
    await issue(server.api, keyId, floating.id);
    const opened = await server.anon.post('/v1/sessions', {
      key,
      product: 'mobile-smarts',
      resource: { kind: 'machine', id: 'tsd-2', name: 'Scanner 2' },
    });
    expect(opened.status).toBe(201);
    await expect
      .poll(() => page.getByTestId('sessions-table').textContent(), { timeout: 15_000 })
      .toContain('Scanner 2');
    await screenshot(page, 'key-card-ru');
    await page.getByTestId('tab-main').click();
    expect(await page.getByTestId('customer-contactName').inputValue()).toBe('Ivan Petrov');

    // The home page: the guide gone, the activation counted and the product's checks on the chart.
    await page.getByTestId('nav-home').click();
    await expect.poll(() => page.getByTestId('stat-devices').textContent(), { timeout: 15_000 }).toBe('1');
    await expect.poll(() => page.getByTestId('first-steps').count()).toBe(0);
    await page.getByTestId('validations-chart').waitFor();
    await screenshot(page, 'dashboard-ru');
    // "Expiring soon" opens the licenses, soonest expiry first.
    await page.getByTestId('stat-expiring-link').click();
    await page.getByTestId('all-licenses').waitFor();
    expect(new URL(page.url()).search).toBe('?sort=expiry');
    const expiryHeader = page.getByTestId('sort-expiry').evaluate((button) => button.closest('th')?.ariaSort);
    expect(await expiryHeader).toBe('ascending');

    // The catalog's upkeep: a type in use cannot be deleted but is archived; an unused product is deleted.
    await page.getByTestId('lang-switch').getByText('EN').click();
    await server.api.post('/v1/products', { code: 'never-sold', name: 'Never sold' });
    await page.getByTestId('nav-products').click();
    const usedType = page.getByTestId('type-row').first();
    await usedType.getByTestId('catalog-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => usedType.textContent()).toContain('IN_USE');
    await usedType.getByTestId('catalog-archive').click();
    await expect.poll(() => usedType.textContent()).toContain('archived');
    const unused = page.getByTestId('product-row').filter({ hasText: 'Never sold' });
    await unused.getByTestId('catalog-delete').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => page.getByTestId('products-table').textContent()).not.toContain('Never sold');
  });
});
