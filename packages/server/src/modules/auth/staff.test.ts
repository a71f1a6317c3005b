import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('the vendor’s staff and API tokens on %s', (dialect) => {
  let server: TestServer;
  const clock = new ManualClock(new Date('2026-07-01T10:00:00Z'));
  beforeAll(async () => {
    server = await startTestServer(dialect, { clock });
  });
  afterAll(() => server.close());

  it('an admin changes a role and disables a user, whose session ends at once; the last owner stays', async () => {
    const user = (
      await server.api.post('/v1/users', {
        email: 'mia@acme.test',
        name: 'Mia',
        role: 'support',
        password: 'mia-pass-123',
      })
    ).body;
    const login = await server.anon.post('/v1/auth/login', {
      email: 'mia@acme.test',
      password: 'mia-pass-123',
    });
    const session = server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
    });
    expect((await session.get('/v1/auth/me')).status).toBe(200);

    expect((await server.api.patch(`/v1/users/${user.id}`, { role: 'manager' })).body).toMatchObject({
      role: 'manager',
      disabled: false,
    });
    expect((await server.api.patch(`/v1/users/${user.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await session.get('/v1/auth/me')).status).toBe(401);
    expect(
      (await server.anon.post('/v1/auth/login', { email: 'mia@acme.test', password: 'mia-pass-123' })).status,
    ).toBe(401);
    const listed = (await server.api.get('/v1/users')).body.data.find(
      (u: { id: string }) => u.id === user.id,
    );
    expect(listed).toMatchObject({ role: 'manager', disabled: true });
    await server.api.patch(`/v1/users/${user.id}`, { disabled: false });
    expect(
      (await server.anon.post('/v1/auth/login', { email: 'mia@acme.test', password: 'mia-pass-123' })).status,
    ).toBe(200);

    const owner = (await server.api.get('/v1/users')).body.data.find(
      (u: { role: string }) => u.role === 'owner',
    );
    const alone = await server.api.patch(`/v1/users/${owner.id}`, { role: 'admin' });
    expect([alone.status, alone.body.error.code]).toEqual([409, 'CONFLICT']);
    const admin = server.anon.withToken(
      (await server.api.post('/v1/tokens', { name: 'a', role: 'admin' })).body.token,
    );
    expect((await admin.patch(`/v1/users/${user.id}`, { role: 'owner' })).status).toBe(403);
  });

  it('an API token with an expiry stops working after it', async () => {
    const created = (
      await server.api.post('/v1/tokens', { name: 'ci', role: 'support', expiresAt: '2026-07-02T10:00:00Z' })
    ).body;
    expect(created.expiresAt).toBe('2026-07-02T10:00:00.000Z');
    const token = server.anon.withToken(created.token);
    expect((await token.get('/v1/products')).status).toBe(200);
    clock.advance(2 * 86_400_000);
    const expired = await token.get('/v1/products');
    expect([expired.status, expired.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const listed = (await server.api.get('/v1/tokens')).body.data.find(
      (t: { id: string }) => t.id === created.id,
    );
    expect(listed.expiresAt).toBe('2026-07-02T10:00:00.000Z');
  });
});
