import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import { choose, closeBrowser, launchBrowser, startWebServer } from './support.js';

describe('one e-mail, customer of two vendors, in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  });
  afterAll(async () => {
    await closeBrowser(browser, async () => {
      await server.close();
    });
  });

  it('a customer whose password opens both cabinets is asked which vendor, and lands in that one', async () => {
    const beta = server.anon.withToken((await server.addVendor('BETA')).token);
    for (const [client, shop] of [
      [server.api, 'Shop at Acme'],
      [beta, 'Shop at Beta'],
    ] as const) {
      const customer = (await client.post('/v1/customers', { name: shop })).body;
      await client.post(`/v1/customers/${customer.id}/users`, {
        email: 'buyer@two.test',
        name: 'Buyer',
        password: 'same-password-1',
      });
    }
    await page.goto(`${server.url}/customer`);
    // Errors read as words in the user's language, with the code beside them.
    await page.getByTestId('customer-email').fill('buyer@two.test');
    await page.getByTestId('customer-password').fill('not-the-password');
    await page.getByTestId('customer-email-login').click();
    await expect
      .poll(() => page.getByTestId('error').textContent())
      .toBe('Wrong e-mail or password (INVALID_CREDENTIALS)');
    await page.getByTestId('lang-switch').getByText('RU').click();
    await expect
      .poll(() => page.getByTestId('error').textContent())
      .toBe('Неверный e-mail или пароль (INVALID_CREDENTIALS)');
    await page.getByTestId('lang-switch').getByText('EN').click();
    await page.getByTestId('customer-email').fill('buyer@two.test');
    await page.getByTestId('customer-password').fill('same-password-1');
    await page.getByTestId('customer-email-login').click();
    await expect.poll(() => page.getByTestId('login-vendor').isVisible()).toBe(true);
    await choose(page, 'login-vendor', 'BETA Software');
    await page.getByTestId('customer-email-login').click();
    await expect.poll(() => page.getByText('Shop at Beta').first().isVisible()).toBe(true);
  });
});
