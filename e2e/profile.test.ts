import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupLicensed } from '../packages/server/src/test-support/fixtures.js';
import type { TestServer } from '../packages/server/src/test-support/test-server.js';
import { choose, closeBrowser, LANGUAGES, launchBrowser, screenshot, startWebServer } from './support.js';

/** Opens "Profile" from the user menu of whichever portal the page shows. */
async function openProfile(page: Page): Promise<void> {
  await page.getByTestId('user-menu').click();
  await page.getByTestId('profile').click();
  await page.getByTestId('profile-form').waitFor();
}

describe.each(LANGUAGES)(
  'each user’s profile, from the user menu, in $language',
  ({ language, locale, words }) => {
    let server: TestServer;
    let browser: Browser;

    beforeAll(async () => {
      server = await startWebServer();
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await closeBrowser(browser, async () => {
        await server?.close();
      });
    });

    it('a staff user renames itself, chooses Russian e-mails and changes its password', async () => {
      await server.api.post('/v1/users', {
        email: 'olga@acme.test',
        name: 'Olga',
        role: 'manager',
        password: 'olga-pass-1',
      });
      const page = await browser.newPage({ locale });
      await page.goto(`${server.url}/`);
      await page.getByTestId('login-email').fill('olga@acme.test');
      await page.getByTestId('login-password').fill('olga-pass-1');
      await page.getByTestId('login-submit').click();
      await openProfile(page);
      expect(await page.getByTestId('profile-form').textContent()).toContain(words.team.roles.manager);
      // The profile is no page of the sidebar: none is marked as the current one.
      expect(await page.locator('[aria-current="page"]').count()).toBe(0);

      await page.getByTestId('profile-name').fill('Olga Petrova');
      await choose(page, 'profile-language', words.profile.languages.ru);
      await page.getByTestId('profile-save').click();
      await page.getByTestId('profile-saved').waitFor();
      const users = (await server.api.get('/v1/users')).body.data as { email: string; name: string }[];
      expect(users.find((u) => u.email === 'olga@acme.test')?.name).toBe('Olga Petrova');

      await page.getByTestId('profile-current-password').fill('not-my-pass');
      await page.getByTestId('profile-new-password').fill('olga-pass-2');
      await page.getByTestId('profile-repeat-password').fill('olga-pass-2');
      await page.getByTestId('profile-change-password').click();
      await expect
        .poll(() => page.getByTestId('password-form').getByTestId('error').textContent())
        .toContain(words.errors.WRONG_PASSWORD);
      await screenshot(page, `profile-vendor-${language}`);

      await page.getByTestId('profile-current-password').fill('olga-pass-1');
      await page.getByTestId('profile-change-password').click();
      await page.getByTestId('password-changed').waitFor();
      // The form is emptied, and the new password is the one that logs in.
      expect(await page.getByTestId('profile-new-password').inputValue()).toBe('');
      const login = await server.anon.post('/v1/auth/login', {
        email: 'olga@acme.test',
        password: 'olga-pass-2',
      });
      expect(login.status).toBe(200);
      expect(login.body.user).toMatchObject({ name: 'Olga Petrova', language: 'ru' });
      await page.close();
    });

    it('a partner user renames itself; a customer chooses the language of its e-mails', async () => {
      const partner = (await server.api.post('/v1/partners', { name: `Reseller ${language}` })).body;
      await server.api.post(`/v1/partners/${partner.id}/users`, {
        email: `pia-${language}@reseller.test`,
        name: 'Pia',
        password: 'pia-pass-1',
      });
      const page = await browser.newPage({ locale });
      await page.goto(`${server.url}/partner`);
      await page.getByTestId('login-email').fill(`pia-${language}@reseller.test`);
      await page.getByTestId('login-password').fill('pia-pass-1');
      await page.getByTestId('login-submit').click();
      await openProfile(page);
      expect(new URL(page.url()).pathname).toBe('/partner/profile');
      expect(await page.getByTestId('profile-form').textContent()).toContain(`Reseller ${language}`);
      await page.getByTestId('profile-name').fill('Pia Schmidt');
      await page.getByTestId('profile-save').click();
      await page.getByTestId('profile-saved').waitFor();
      await screenshot(page, `profile-partner-${language}`);

      const licensed = await setupLicensed(server.api, { scope: 'seat' });
      await page.goto(`${server.url}/customer`);
      await page.getByTestId('login-key').fill(licensed.key);
      await page.getByTestId('login-submit').click();
      await openProfile(page);
      expect(await page.getByTestId('profile-form').textContent()).toContain(words.profile.loginKey);
      // A key login shows the settings but changes none, and has no password of its own here.
      expect(await page.getByTestId('profile-read-only').textContent()).toBe(words.profile.keyLoginNote);
      expect(await page.getByTestId('profile-language').count()).toBe(0);
      expect(await page.getByTestId('password-form').count()).toBe(0);
      await screenshot(page, `profile-customer-key-${language}`);

      // The customer's login by e-mail chooses the language of the customer's e-mails.
      await server.api.post(`/v1/customers/${licensed.customerId}/users`, {
        email: `buyer-${language}@shop.test`,
        name: 'Buyer',
        password: 'buyer-pass-1',
      });
      await page.getByTestId('user-menu').click();
      await page.getByTestId('logout').click();
      await page.getByTestId('customer-email').fill(`buyer-${language}@shop.test`);
      await page.getByTestId('customer-password').fill('buyer-pass-1');
      await page.getByTestId('customer-email-login').click();
      await openProfile(page);
      expect(await page.getByTestId('profile-form').textContent()).toContain(words.profile.loginPassword);
      await choose(page, 'profile-language', words.profile.languages.ru);
      await page.getByTestId('profile-save').click();
      await page.getByTestId('profile-saved').waitFor();
      expect((await server.api.get(`/v1/customers/${licensed.customerId}`)).body.language).toBe('ru');
      await screenshot(page, `profile-customer-${language}`);
      await page.close();
    });
  },
);
