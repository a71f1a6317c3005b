import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../packages/server/src/server.js';
import { startSmtpServer } from '../packages/server/src/test-support/smtp.js';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import { choose, closeBrowser, launchBrowser, logInToCabinet, logOut, startWebServer } from './support.js';

describe('invitations and forgotten passwords in a browser', () => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let browser: Browser;
  let vendor: Page;
  let partner: Page;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startWebServer({ config: { smtpUrl: smtp.url } });
    browser = await launchBrowser();
    vendor = await (await browser.newContext({ locale: 'en-US' })).newPage();
    partner = await (await browser.newContext({ locale: 'en-US' })).newPage();
  });
  afterAll(async () => {
    await closeBrowser(browser, async () => {
      await server.close();
      await smtp?.close();
    });
  });

  const linkMailedTo = async (email: string) => {
    await createJobRunner(server.ctx).drain();
    const mail = smtp.received.filter((m) => m.to.includes(email)).at(-1);
    return /(https?:\/\/\S+\/set-password\?token=\S+)/.exec(mail?.text ?? '')![1];
  };

  it('the vendor invites a partner user, who sets a password from the e-mail and logs in; then forgets it and resets it', async () => {
    await server.api.post('/v1/partners', { name: 'Invited Reseller' });
    await logInToCabinet(vendor, server.url, server.vendor.owner.email, 'correct-horse-1');
    await vendor.getByTestId('nav-partners').click();
    await vendor.getByTestId('partner-user-email').first().fill('rita@invited.test');
    await vendor.getByTestId('partner-user-name').first().fill('Rita');
    await vendor.getByTestId('partner-user-create').first().click();
    await expect
      .poll(() => vendor.getByTestId('partner-user-invited').textContent())
      .toContain('rita@invited.test');

    const invite = await linkMailedTo('rita@invited.test');
    await partner.goto(invite.replace(/^https?:\/\/[^/]+/, server.url));
    await partner.getByTestId('new-password').fill('rita-pass-123');
    await partner.getByTestId('repeat-password').fill('rita-pass-123');
    await partner.getByTestId('set-password').click();
    await partner.getByTestId('password-set').waitFor();
    await partner.getByTestId('password-login').click();
    await partner.getByTestId('login-email').fill('rita@invited.test');
    await partner.getByTestId('login-password').fill('rita-pass-123');
    await partner.getByTestId('login-submit').click();
    await partner.getByTestId('current-user').waitFor();
    await logOut(partner);

    await partner.getByTestId('forgot-password').click();
    await partner.getByTestId('reset-email').fill('rita@invited.test');
    await partner.getByTestId('reset-send').click();
    await partner.getByTestId('reset-sent').waitFor();
    const reset = await linkMailedTo('rita@invited.test');
    expect(reset).not.toBe(invite);
    await partner.goto(reset.replace(/^https?:\/\/[^/]+/, server.url));
    await partner.getByTestId('new-password').fill('rita-pass-456');
    await partner.getByTestId('repeat-password').fill('rita-pass-456');
    await partner.getByTestId('set-password').click();
    await partner.getByTestId('password-set').waitFor();
    const login = await server.anon.post('/v1/partner/auth/login', {
      email: 'rita@invited.test',
      password: 'rita-pass-456',
    });
    expect(login.status).toBe(200);
  });

  it('the owner invites a manager on the team page, changes the role and disables the user', async () => {
    await vendor.getByTestId('nav-team').click();
    await vendor.getByTestId('invite-email').fill('max@acme.test');
    await vendor.getByTestId('invite-name').fill('Max');
    await vendor.getByTestId('invite-send').click();
    await vendor.getByTestId('invite-sent').waitFor();
    expect(await linkMailedTo('max@acme.test')).toContain('/set-password?token=');
    const row = vendor.getByTestId('staff-row').filter({ hasText: 'max@acme.test' });
    await row.getByTestId('staff-disable').click();
    await expect.poll(() => row.textContent()).toContain('disabled');
    const listed = (await server.api.get('/v1/users')).body.data.find(
      (u: { email: string }) => u.email === 'max@acme.test',
    );
    expect(listed).toMatchObject({ role: 'manager', disabled: true });

    // The vendor's language becomes new customers' e-mail language.
    await choose(vendor, 'vendor-language', 'Русский');
    await vendor.getByTestId('settings-save').click();
    await expect.poll(async () => (await server.api.get('/v1/vendor/settings')).body.language).toBe('ru');
  });
});
