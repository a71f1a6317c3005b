import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { createJobRunner } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startSmtpServer } from '../../test-support/smtp.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('invitations and forgotten passwords on %s', (dialect) => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const clock = new ManualClock(new Date('2026-06-01T09:00:00Z'));
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(dialect, {
      clock,
      config: { smtpUrl: smtp.url, publicUrl: 'https://lic.example.test' },
    });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  /** The token of the last link mailed to `email`, and the link's path. */
  async function linkFor(email: string) {
    await createJobRunner(server.ctx).drain();
    const mail = smtp.received.filter((m) => m.to.includes(email)).at(-1);
    const match = /https:\/\/lic\.example\.test(\S*)\/set-password\?token=(\S+)/.exec(mail?.text ?? '');
    if (!match) throw new Error(`no link mailed to ${email}`);
    return { path: match[1], token: match[2], subject: mail!.subject };
  }
  const login = (path: string, email: string, password: string) =>
    server.anon.post(path, { email, password });

  it('a partner user added without a password is invited by e-mail, sets one once, and logs in', async () => {
    const partner = (await server.api.post('/v1/partners', { name: 'Invited reseller' })).body;
    const created = await server.api.post(`/v1/partners/${partner.id}/users`, {
      email: 'new@reseller.test',
      name: 'New',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ invited: true });
    expect(created.body.password).toBeUndefined();
    const invite = await linkFor('new@reseller.test');
    expect(invite.path).toBe('/partner');
    expect(invite.subject).toContain('invitation');
    expect((await login('/v1/partner/auth/login', 'new@reseller.test', 'chosen-pass-1')).status).toBe(401);
    expect(
      (await server.anon.post('/v1/passwords', { token: invite.token, password: 'chosen-pass-1' })).body,
    ).toEqual({
      portal: 'partner',
    });
    expect((await login('/v1/partner/auth/login', 'new@reseller.test', 'chosen-pass-1')).status).toBe(200);
    const again = await server.anon.post('/v1/passwords', { token: invite.token, password: 'other-pass-1' });
    expect([again.status, again.body.error.code]).toEqual([400, 'LINK_INVALID']);
  });

  it('forgot password, in each portal: a reset link for an hour; unknown e-mails get the same answer and no mail', async () => {
    await server.api.post('/v1/users', {
      email: 'staff@acme.test',
      name: 'S',
      role: 'support',
      password: 'old-pass-123',
    });
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    await server.api.post(`/v1/customers/${licensed.customerId}/users`, {
      email: 'buyer@shop.test',
      name: 'B',
      password: 'old-pass-123',
    });
    const mailsBefore = smtp.received.length;
    const unknown = await server.anon.post('/v1/password-resets', {
      portal: 'vendor',
      email: 'nobody@acme.test',
    });
    expect([unknown.status, unknown.body]).toEqual([202, {}]);
    await createJobRunner(server.ctx).drain();
    expect(smtp.received.length).toBe(mailsBefore);

    for (const [portal, email, path, loginPath] of [
      ['vendor', 'staff@acme.test', '', '/v1/auth/login'],
      ['customer', 'buyer@shop.test', '/customer', '/v1/customer/auth/login'],
    ] as const) {
      expect((await server.anon.post('/v1/password-resets', { portal, email })).status).toBe(202);
      const reset = await linkFor(email);
      expect(reset.path).toBe(path);
      expect(
        (await server.anon.post('/v1/passwords', { token: reset.token, password: 'new-pass-456' })).body
          .portal,
      ).toBe(portal);
      expect((await login(loginPath, email, 'old-pass-123')).status).toBe(401);
      expect((await login(loginPath, email, 'new-pass-456')).status).toBe(200);
    }

    // A link left for more than an hour no longer works.
    await server.anon.post('/v1/password-resets', { portal: 'vendor', email: 'staff@acme.test' });
    const late = await linkFor('staff@acme.test');
    clock.advance(61 * 60_000);
    const expired = await server.anon.post('/v1/passwords', {
      token: late.token,
      password: 'newer-pass-789',
    });
    expect([expired.status, expired.body.error.code]).toEqual([400, 'LINK_INVALID']);
  });
});
