import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startSmtpServer } from '../../test-support/smtp.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('each user’s own profile on %s', (dialect) => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(dialect, { config: { smtpUrl: smtp.url } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  /** A client logged in to a portal with e-mail and password (its cookie and CSRF token). */
  async function logIn(path: string, email: string, password: string) {
    const login = await server.anon.post(path, { email, password });
    expect(login.status, login.text).toBe(200);
    return server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': login.body.csrfToken,
    });
  }
  async function mailTo(email: string) {
    await createJobRunner(server.ctx).drain();
    const mail = smtp.received.filter((m) => m.to.includes(email)).at(-1);
    if (!mail) throw new Error(`nothing mailed to ${email}`);
    return mail;
  }

  it('a staff user renames itself and chooses Russian e-mails; its reset link then comes in Russian', async () => {
    await server.api.post('/v1/users', {
      email: 'anna@acme.test',
      name: 'Anna',
      role: 'support',
      password: 'first-pass-1',
    });
    const anna = await logIn('/v1/auth/login', 'anna@acme.test', 'first-pass-1');
    expect((await anna.get('/v1/auth/me')).body.user.language).toBe('en');
    const changed = await anna.patch('/v1/auth/me', { name: 'Anna K.', language: 'ru' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.user).toMatchObject({ name: 'Anna K.', language: 'ru', email: 'anna@acme.test' });
    expect((await anna.get('/v1/auth/me')).body.user).toMatchObject({ name: 'Anna K.', language: 'ru' });
    const users = (await server.api.get('/v1/users')).body.data;
    expect(users.find((u: { email: string }) => u.email === 'anna@acme.test').name).toBe('Anna K.');
    const events = (await server.api.get('/v1/events?limit=20')).body.data;
    expect(events.map((e: { type: string }) => e.type)).toContain('user.updated');

    await server.anon.post('/v1/password-resets', { portal: 'vendor', email: 'anna@acme.test' });
    expect((await mailTo('anna@acme.test')).subject).toContain('Сброс пароля');
  });

  it('a staff user changes its password: the old one stops working, its other sessions end, this one stays', async () => {
    await server.api.post('/v1/users', {
      email: 'boris@acme.test',
      name: 'Boris',
      role: 'manager',
      password: 'old-pass-123',
    });
    const here = await logIn('/v1/auth/login', 'boris@acme.test', 'old-pass-123');
    const elsewhere = await logIn('/v1/auth/login', 'boris@acme.test', 'old-pass-123');

    const wrong = await here.post('/v1/auth/me/password', {
      currentPassword: 'not-my-pass',
      newPassword: 'new-pass-456',
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'WRONG_PASSWORD']);
    expect((await elsewhere.get('/v1/auth/me')).status).toBe(200);

    const changed = await here.post('/v1/auth/me/password', {
      currentPassword: 'old-pass-123',
      newPassword: 'new-pass-456',
    });
    expect(changed.status, changed.text).toBe(204);
    expect((await here.get('/v1/auth/me')).status).toBe(200);
    expect((await elsewhere.get('/v1/auth/me')).status).toBe(401);
    const old = await server.anon.post('/v1/auth/login', {
      email: 'boris@acme.test',
      password: 'old-pass-123',
    });
    expect(old.status).toBe(401);
    await logIn('/v1/auth/login', 'boris@acme.test', 'new-pass-456');
  });

  it('a reset link mailed before a password change no longer sets a password', async () => {
    await server.api.post('/v1/users', {
      email: 'vera@acme.test',
      name: 'Vera',
      role: 'support',
      password: 'old-pass-123',
    });
    await server.anon.post('/v1/password-resets', { portal: 'vendor', email: 'vera@acme.test' });
    const token = /token=(\S+)/.exec((await mailTo('vera@acme.test')).text ?? '')?.[1];
    const vera = await logIn('/v1/auth/login', 'vera@acme.test', 'old-pass-123');
    await vera.post('/v1/auth/me/password', { currentPassword: 'old-pass-123', newPassword: 'new-pass-456' });
    const late = await server.anon.post('/v1/passwords', { token, password: 'stolen-pass-1' });
    expect([late.status, late.body.error.code]).toEqual([400, 'LINK_INVALID']);
  });

  it('bad profile input is refused with a code and changes nothing; an API token has no profile', async () => {
    await server.api.post('/v1/users', {
      email: 'gleb@acme.test',
      name: 'Gleb',
      role: 'support',
      password: 'gleb-pass-1',
    });
    const gleb = await logIn('/v1/auth/login', 'gleb@acme.test', 'gleb-pass-1');
    for (const body of [
      {},
      { name: '   ' },
      { name: 'x'.repeat(201) },
      { language: 'de' },
      { role: 'owner' },
    ]) {
      const refused = await gleb.patch('/v1/auth/me', body);
      expect([refused.status, refused.body.error?.code], JSON.stringify(body)).toEqual([
        400,
        'VALIDATION_FAILED',
      ]);
    }
    const short = await gleb.post('/v1/auth/me/password', {
      currentPassword: 'gleb-pass-1',
      newPassword: 'short',
    });
    expect(short.status).toBe(400);
    expect((await gleb.get('/v1/auth/me')).body.user).toMatchObject({
      name: 'Gleb',
      role: 'support',
      language: 'en',
    });
    await logIn('/v1/auth/login', 'gleb@acme.test', 'gleb-pass-1');

    const token = await server.api.patch('/v1/auth/me', { name: 'A token' });
    expect([token.status, token.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('a partner user renames itself, chooses Russian and changes its password; its other sessions end', async () => {
    const partner = (await server.api.post('/v1/partners', { name: 'Profile reseller' })).body;
    await server.api.post(`/v1/partners/${partner.id}/users`, {
      email: 'pavel@reseller.test',
      name: 'Pavel',
      password: 'old-pass-123',
    });
    const here = await logIn('/v1/partner/auth/login', 'pavel@reseller.test', 'old-pass-123');
    const elsewhere = await logIn('/v1/partner/auth/login', 'pavel@reseller.test', 'old-pass-123');
    const changed = await here.patch('/v1/partner/me', { name: 'Pavel P.', language: 'ru' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.user).toMatchObject({ name: 'Pavel P.', language: 'ru' });
    expect((await elsewhere.get('/v1/partner/me')).body.user).toMatchObject({
      name: 'Pavel P.',
      language: 'ru',
    });

    const wrong = await here.post('/v1/partner/me/password', {
      currentPassword: 'nope',
      newPassword: 'new-pass-456',
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'WRONG_PASSWORD']);
    const ok = await here.post('/v1/partner/me/password', {
      currentPassword: 'old-pass-123',
      newPassword: 'new-pass-456',
    });
    expect(ok.status, ok.text).toBe(204);
    expect((await here.get('/v1/partner/me')).status).toBe(200);
    expect((await elsewhere.get('/v1/partner/me')).status).toBe(401);
    await logIn('/v1/partner/auth/login', 'pavel@reseller.test', 'new-pass-456');
  });

  it('a customer chooses Russian e-mails; the invitation of its next login comes in Russian', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    await server.api.post(`/v1/customers/${licensed.customerId}/users`, {
      email: 'owner@shop.test',
      name: 'Owner',
      password: 'shop-pass-1',
    });
    const customer = await logIn('/v1/customer/auth/login', 'owner@shop.test', 'shop-pass-1');
    expect((await customer.get('/v1/customer/me')).body.customer.language).toBe('en');
    const changed = await customer.patch('/v1/customer/me', { language: 'ru' });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.customer.language).toBe('ru');
    expect((await server.api.get(`/v1/customers/${licensed.customerId}`)).body.language).toBe('ru');
    const refused = await customer.patch('/v1/customer/me', { language: 'fr' });
    expect(refused.status).toBe(400);
    // A key opens that key's licenses only: the customer's settings are not its to change.
    const keyLogin = await server.anon.post('/v1/customer/auth/login', { key: licensed.key });
    const byKey = server.anon.withHeaders({
      cookie: (keyLogin.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': keyLogin.body.csrfToken,
    });
    const forbidden = await byKey.patch('/v1/customer/me', { language: 'en' });
    expect([forbidden.status, forbidden.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    expect((await server.api.get(`/v1/customers/${licensed.customerId}`)).body.language).toBe('ru');

    await server.api.post(`/v1/customers/${licensed.customerId}/users`, {
      email: 'clerk@shop.test',
      name: 'Clerk',
    });
    expect((await mailTo('clerk@shop.test')).subject).toContain('Приглашение');
  });

  it('a vendor whose language is Russian invites a new colleague in Russian', async () => {
    await server.api.patch('/v1/vendor/settings', { language: 'ru' });
    const created = await server.api.post('/v1/users', {
      email: 'dina@acme.test',
      name: 'Dina',
      role: 'support',
    });
    expect(created.status, created.text).toBe(201);
    expect((await mailTo('dina@acme.test')).subject).toContain('Приглашение');
    await server.api.patch('/v1/vendor/settings', { language: 'en' });
  });

  it('a customer’s renewal request reaches each manager in the manager’s own language', async () => {
    await server.api.post('/v1/users', {
      email: 'ru-manager@acme.test',
      name: 'Р',
      role: 'manager',
      language: 'ru',
      password: 'manager-pass-1',
    });
    await server.api.post('/v1/users', {
      email: 'en-manager@acme.test',
      name: 'E',
      role: 'manager',
      language: 'en',
      password: 'manager-pass-1',
    });
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const login = await server.anon.post('/v1/customer/auth/login', { key: licensed.key });
    const customer = server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': login.body.csrfToken,
    });
    const asked = await customer.post('/v1/customer/requests', {
      kind: 'renew',
      licenseId: licensed.licenseId,
    });
    expect(asked.status, asked.text).toBe(201);
    expect((await mailTo('ru-manager@acme.test')).subject).toContain('просит продлить лицензию');
    expect((await mailTo('en-manager@acme.test')).subject).toContain('asks to renew a license');
  });
});
