import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
} from '../packages/server/src/test-support/fixtures.js';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import {
  choose,
  closeBrowser,
  LANGUAGES,
  launchBrowser,
  logInToCabinet,
  logOut,
  screenshot,
  startWebServer,
} from './support.js';

describe.each(LANGUAGES)(
  'the customer cabinet in a browser (seed 003), in $language',
  ({ language, locale, words }) => {
    let server: TestServer;
    let browser: Browser;
    let customer: Page;
    let vendor: Page;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-files-'));
    beforeAll(async () => {
      server = await startWebServer();
      browser = await launchBrowser();
      customer = await (await browser.newContext({ locale })).newPage();
      vendor = await (await browser.newContext({ locale })).newPage();
    });
    afterAll(async () => {
      await closeBrowser(browser, async () => {
        await server?.close();
        fs.rmSync(dir, { recursive: true, force: true });
      });
    });

    it('a customer logs in by key, sees the device an app activated, uploads an offline license file, asks for renewal; the vendor fulfils it', async () => {
      const product = await createProduct(server.api, 'mobile-smarts');
      const terminal = await createLicenseType(server.api, product.id, {
        scope: 'seat',
        resourceKind: 'device',
        term: { unit: 'day', count: 20 },
      });
      const holder = await createCustomerWithKey(server.api, 'Warehouse Co');
      await issue(server.api, holder.keyId, terminal.id);
      await server.anon.post('/v1/activate', {
        key: holder.key,
        product: 'mobile-smarts',
        resource: { kind: 'device', id: 'tsd-42', name: 'Scanner 42' },
      });
      // A license activated offline on a local database, handed over as a file.
      const local = await createCustomerWithKey(server.api, 'Local stock');
      const localLicense = await issue(server.api, local.keyId, terminal.id);
      const file = path.join(dir, 'local.license');
      fs.writeFileSync(
        file,
        (
          await server.api.post('/v1/offline/license-files', {
            licenseId: localLicense.id,
            installationId: 'local-db',
          })
        ).body.content,
      );

      await customer.goto(`${server.url}/customer`);
      await customer.getByTestId('login-key').fill(holder.key);
      await customer.getByTestId('login-submit').click();
      await expect.poll(() => customer.getByTestId('customer-devices').textContent()).toContain('Scanner 42');
      await expect
        .poll(() => customer.getByTestId('customer-licenses').textContent())
        .toContain(words.customerCabinet.states.activated);
      await customer.getByTestId('expiring-banner').waitFor();

      await customer.getByTestId('attach-files').setInputFiles(file);
      await expect.poll(() => customer.getByTestId('customer-license-row').count()).toBe(2);
      await expect
        .poll(() => customer.getByTestId('customer-licenses').textContent())
        .toContain(words.customerCabinet.origin.local);
      // Issued for an installation, the offline license is activated there, not free.
      const localRow = customer.getByTestId('customer-license-row').filter({ hasText: 'local-db' });
      await expect.poll(() => localRow.textContent()).toContain(words.customerCabinet.states.activated);
      const before = await customer
        .getByTestId('customer-license-row')
        .first()
        .getByTestId('license-expiry')
        .textContent();
      await customer.getByTestId('customer-license-row').first().getByTestId('renew-license').click();
      await expect
        .poll(() => customer.getByTestId('customer-requests').textContent())
        .toContain(words.requests.open);
      // One renewal at a time: the button says it is requested.
      await expect
        .poll(() =>
          customer.getByTestId('customer-license-row').first().getByTestId('renew-license').textContent(),
        )
        .toBe(words.requests.alreadyOpen);
      await screenshot(customer, `customer-cabinet-${language}`);

      await logInToCabinet(vendor, server.url, server.vendor.owner.email, 'correct-horse-1');
      await vendor.getByTestId('nav-requests').click();
      await expect.poll(() => vendor.getByTestId('service-requests').textContent()).toContain('Warehouse Co');
      await screenshot(vendor, `service-requests-${language}`);
      await vendor.getByTestId('fulfil-request').click();
      await expect.poll(() => vendor.getByTestId('fulfil-request').count()).toBe(0);

      // No reload: the cabinet reads its requests and licenses again on its own.
      await expect
        .poll(() => customer.getByTestId('customer-requests').textContent(), { timeout: 15_000 })
        .toContain(words.requests.fulfilled);
      // The licenses refresh on their own interval, not necessarily with the requests.
      const expiry = () =>
        customer.getByTestId('customer-license-row').first().getByTestId('license-expiry').textContent();
      await expect.poll(expiry, { timeout: 15_000 }).not.toBe(before);

      // Seed 003: "Order a new license" — the vendor sees what is ordered and how many.
      await choose(customer, 'order-product', product.name);
      await choose(customer, 'order-type', terminal.name);
      await customer.getByTestId('order-quantity').fill('2');
      await customer.getByTestId('order-submit').click();
      await expect.poll(() => customer.getByTestId('customer-requests').textContent()).toContain('× 2');
      await vendor.reload();
      await expect
        .poll(() => vendor.getByTestId('service-requests').textContent())
        .toContain(`${terminal.name}`);
      await expect.poll(() => vendor.getByTestId('service-requests').textContent()).toContain('× 2');
      await screenshot(vendor, `service-requests-order-${language}`);

      // Logging out returns to the login page.
      await logOut(customer);
      await customer.getByTestId('login-key').waitFor();
      expect(await customer.getByTestId('user-menu').count()).toBe(0);
    });
  },
);
