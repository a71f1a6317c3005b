import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../packages/server/src/server.js';
import { createLicenseType, createProduct } from '../packages/server/src/test-support/fixtures.js';
import { startSmtpServer } from '../packages/server/src/test-support/smtp.js';
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

describe.each(LANGUAGES)(
  'the partner portal in a browser (seed 002), in $language',
  ({ language, locale, words }) => {
    let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
    let server: TestServer;
    let browser: Browser;
    let partner: Page;
    let vendor: Page;
    beforeAll(async () => {
      smtp = await startSmtpServer();
      server = await startWebServer({ config: { smtpUrl: smtp.url } });
      browser = await launchBrowser();
      partner = await (await browser.newContext({ locale })).newPage();
      vendor = await (await browser.newContext({ locale })).newPage();
    });
    afterAll(async () => {
      await closeBrowser(browser, async () => {
        await server?.close();
        await smtp?.close();
      });
    });

    const deliverMail = () => createJobRunner(server.ctx).drain();

    it('request → e-mail → rejection with a reason → clone and fix → approval → acceptance → entitlements → a license', async () => {
      const product = await createProduct(server.api, 'robot');
      const bot = await createLicenseType(server.api, product.id, { scope: 'seat', resourceKind: 'robot' });
      const partnerId = (await server.api.post('/v1/partners', { name: 'Reseller One' })).body.id;
      await server.api.post(`/v1/partners/${partnerId}/users`, {
        email: 'sales@reseller.test',
        name: 'Rita',
        password: 'partner-pass-1',
      });
      await server.api.post('/v1/orders', {
        account: { type: 'partner', id: partnerId },
        reference: 'PO-77',
        items: [{ licenseTypeId: bot.id, quantity: 10 }],
      });

      await partner.goto(`${server.url}/partner`);
      await partner.getByTestId('login-email').fill('sales@reseller.test');
      await partner.getByTestId('login-password').fill('partner-pass-1');
      await partner.getByTestId('login-submit').click();
      await expect.poll(() => partner.getByTestId('entitlement-available').first().textContent()).toBe('10');

      await partner.getByTestId('nav-partnerdrawdowns').click();
      await partner.getByTestId('drawdown-new').click();
      await choose(partner, 'drawdown-order', 'PO-77');
      await partner.getByTestId('drawdown-account-name').fill('Factory Ltd');
      await partner.getByTestId(`drawdown-quantity-${bot.name}`).fill('4');
      await partner.getByTestId('drawdown-save').click();
      const first = partner.getByTestId('partner-drawdowns').locator('tbody tr').first();
      await expect.poll(() => first.textContent()).toContain(words.drawdowns.states.submitted);
      const reference = (await first.locator('td').first().textContent())!;

      await deliverMail();
      expect(smtp.received.find((m) => m.subject.includes(reference))?.to).toEqual([
        server.vendor.owner.email,
      ]);

      await logInToCabinet(vendor, server.url, server.vendor.owner.email, 'correct-horse-1');
      // The e-mail's link opens that very request, which says who asks, under which order, for whom, what.
      const link = /https?:\/\/\S+\/drawdowns\/\S+/.exec(
        smtp.received.find((m) => m.subject.includes(reference))!.text,
      )![0];
      await vendor.goto(link.replace(/^https?:\/\/[^/]+/, server.url));
      const requestCard = vendor.getByTestId('drawdown-card').first();
      await expect.poll(() => requestCard.textContent()).toContain(reference);
      const parties = await requestCard.getByTestId('drawdown-parties').textContent();
      expect(parties).toContain('Reseller One');
      expect(parties).toContain('PO-77');
      expect(parties).toContain('Factory Ltd');
      const lines = await requestCard.getByTestId('drawdown-lines').textContent();
      expect(lines).toContain(product.name);
      expect(lines).toContain(bot.name);
      expect(lines).toContain('× 4');
      await vendor.getByTestId('nav-drawdowns').click();
      await vendor.getByTestId(`reason-${reference}`).fill('The customer bought 5 robots');
      await screenshot(vendor, `approval-queue-${language}`);
      await vendor.getByTestId(`reject-${reference}`).click();
      await expect.poll(() => vendor.getByTestId(`reject-${reference}`).count()).toBe(0);
      await deliverMail();
      expect(smtp.received.find((m) => m.to.includes('sales@reseller.test'))?.text).toContain(
        'The customer bought 5 robots',
      );

      await partner.reload();
      const rejected = partner.getByTestId(`drawdown-${reference}`);
      await expect
        .poll(() => rejected.getByTestId('rejection-reason').textContent())
        .toBe('The customer bought 5 robots');
      await screenshot(partner, `partner-rejected-${language}`);
      await rejected.getByTestId('drawdown-clone').click();
      await partner.getByTestId(`drawdown-quantity-${bot.name}`).fill('5');
      await partner.getByTestId('drawdown-save').click();
      await expect
        .poll(() => partner.getByTestId('partner-drawdowns').locator('tbody tr').first().textContent())
        .toContain(words.drawdowns.states.submitted);
      const resubmitted = (await partner
        .getByTestId('partner-drawdowns')
        .locator('tbody tr')
        .first()
        .locator('td')
        .first()
        .textContent())!;

      // The queue open in the vendor's cabinet shows the new request by itself (no reload).
      await vendor.getByTestId(`approve-${resubmitted}`).waitFor({ timeout: 15_000 });
      await vendor.getByTestId(`approve-${resubmitted}`).click();
      await expect.poll(() => vendor.getByTestId(`approve-${resubmitted}`).count()).toBe(0);

      await partner.reload();
      await partner.getByTestId(`drawdown-${resubmitted}`).getByTestId('drawdown-accept').click();
      await expect
        .poll(() => partner.getByTestId(`drawdown-${resubmitted}`).textContent())
        .toContain(words.drawdowns.states.accepted);
      await screenshot(partner, `partner-drawdowns-${language}`);

      await partner.getByTestId('nav-partner').click();
      await expect.poll(() => partner.getByTestId('entitlement-available').first().textContent()).toBe('5');
      await choose(partner, 'account-switcher', 'Factory Ltd');
      await expect.poll(() => partner.getByTestId('entitlement-available').first().textContent()).toBe('5');
      await choose(partner, 'issue-entitlement-type', /robot/);
      await partner.getByTestId('issue-installation').fill('control-room-guid-1');
      await partner.getByTestId('issue-entitlement').click();
      await expect.poll(() => partner.getByTestId('entitlement-available').first().textContent()).toBe('4');
      await screenshot(partner, `partner-entitlements-${language}`);

      // The partner's customers: a table with its headers, searched on the server.
      await partner.getByTestId('nav-partnercustomers').click();
      await expect.poll(() => partner.getByTestId('partner-customer-row').count()).toBe(1);
      expect(await partner.getByTestId('partner-customers').textContent()).toContain('Factory Ltd');
      await partner.getByTestId('partner-customer-search').fill('nobody-like-this');
      await partner.getByTestId('partner-customers-empty').waitFor();
      expect(await partner.getByTestId('partner-customers-empty').textContent()).toBe(
        words.empty.customersFound,
      );
      await partner.getByTestId('partner-customer-search').fill('factory');
      await expect.poll(() => partner.getByTestId('partner-customer-row').count()).toBe(1);
      await screenshot(partner, `partner-customers-${language}`);

      const customers = (await server.api.get('/v1/customers?q=Factory')).body.data;
      const card = (await server.api.get(`/v1/customers/${customers[0].id}`)).body;
      const keyCard = (await server.api.get(`/v1/keys/${card.keys[0].id}`)).body;
      expect(keyCard.licenses).toHaveLength(1);
      expect(keyCard.bindings[0].resource).toMatchObject({ kind: 'installation', id: 'control-room-guid-1' });

      // The vendor records an order of two lines for the partner from the cabinet.
      await vendor.getByTestId('nav-partners').click();
      await choose(vendor, 'partner-order-type', /robot/);
      await vendor.getByTestId('order-add-line').click();
      await expect.poll(() => vendor.getByTestId('order-lines').textContent()).toContain('× 10');
      await choose(vendor, 'partner-order-type', /robot/);
      await vendor.getByTestId('partner-order-quantity').fill('3');
      await vendor.getByTestId('order-create').click();
      const orders = async () =>
        (await server.api.get(`/v1/orders?accountType=partner&accountId=${partnerId}`)).body.data as {
          items: { quantity: number }[];
        }[];
      await expect.poll(async () => (await orders()).some((o) => o.items.length === 2)).toBe(true);
      const twoLines = (await orders()).find((o) => o.items.length === 2)!;
      expect(twoLines.items.map((i) => i.quantity).sort()).toEqual([10, 3].sort());
    });
  },
);
