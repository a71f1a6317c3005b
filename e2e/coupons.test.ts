import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
} from '../packages/server/src/test-support/fixtures.js';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import {
  choose,
  closeBrowser,
  LANGUAGES,
  launchBrowser,
  logInToCabinet,
  screenshot,
  startWebServer,
} from './support.js';

describe.each(LANGUAGES)('coupons in a browser (seed 004), in $language', ({ language, locale, words }) => {
  let server: TestServer;
  let browser: Browser;
  let vendor: Page;
  let customer: Page;
  beforeAll(async () => {
    server = await startWebServer();
    browser = await launchBrowser();
    vendor = await (await browser.newContext({ locale })).newPage();
    customer = await (await browser.newContext({ locale })).newPage();
  });
  afterAll(async () => {
    await closeBrowser(browser, async () => {
      await server?.close();
    });
  });

  it('the vendor generates a coupon, the customer redeems it by key, the vendor reverts it and the customer loses the product', async () => {
    const product = await createProduct(server.api, 'reports-addon');
    await createLicenseType(server.api, product.id, { scope: 'seat', term: { unit: 'month', count: 6 } });
    const holder = await createCustomerWithKey(server.api, 'Cafe Lavanda');

    await logInToCabinet(vendor, server.url, server.vendor.owner.email, 'correct-horse-1');
    await vendor.getByTestId('nav-coupons').click();
    await choose(vendor, 'coupon-product-0', /reports-addon/);
    await vendor.getByTestId('coupon-generate').click();
    const code = (await vendor.getByTestId('generated-code').first().textContent())!;
    expect(code).toMatch(/^ACMEUPD(-[0-9A-Z]{4}){4}$/);
    await screenshot(vendor, `coupon-generated-${language}`);

    await customer.goto(`${server.url}/customer`);
    await customer.getByTestId('login-key').fill(holder.key.toLowerCase());
    await customer.getByTestId('login-submit').click();
    await customer.getByTestId('customer-coupon').fill(code);
    await customer.getByTestId('customer-redeem').click();
    await expect
      .poll(() => customer.getByTestId('customer-licenses').textContent())
      .toContain('Product reports-addon');
    await screenshot(customer, `customer-cabinet-redeemed-${language}`);

    await vendor.goto(`${server.url}/keys/${holder.keyId}`);
    await vendor.getByTestId('tab-coupons').click();
    const row = vendor.getByTestId('redemption-row').first();
    await expect.poll(() => row.textContent()).toContain(code);
    await expect.poll(() => row.textContent()).toContain(words.channels.cabinet);
    await screenshot(vendor, `key-card-redeemed-coupons-${language}`);
    await vendor.getByTestId('revert-redemption').click();
    await vendor.getByTestId('confirm-ok').click();
    await expect.poll(() => row.textContent()).toContain(words.key.reverted);

    await customer.reload();
    await customer.getByTestId('customer-licenses').waitFor();
    await expect
      .poll(() => customer.getByTestId('customer-licenses').textContent())
      .not.toContain('reports-addon');
    await screenshot(customer, `customer-cabinet-after-revert-${language}`);

    // The coupons list pages to the end and searches by code.
    const type = (await server.api.get('/v1/license-types')).body.data[0];
    const batch = (
      await server.api.post('/v1/coupon-batches', {
        type: 'add_product',
        items: [{ productId: product.id, licenseTypeId: type.id }],
        count: 150,
      })
    ).body;
    await vendor.getByTestId('nav-coupons').click();
    await expect.poll(() => vendor.getByTestId('coupon-row').count()).toBe(100);
    await vendor.getByTestId('load-more').click();
    await expect.poll(() => vendor.getByTestId('coupon-row').count()).toBe(151);
    const wanted = batch.codes[77] as string;
    await vendor.getByTestId('coupons-search').fill(wanted.slice(-9));
    await expect.poll(() => vendor.getByTestId('coupon-row').count()).toBe(1);
    expect(await vendor.getByTestId('coupon-row').textContent()).toContain(wanted);
  });
});
