import { randomBytes, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../platform/crypto.js';
import { DIALECTS } from '../../test-support/databases.js';
import { ApiClient } from '../../test-support/http-client.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('staff authentication on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  async function logIn(email: string, password: string) {
    const response = await server.anon.post('/v1/auth/login', { email, password });
    const cookie = response.headers.get('set-cookie') ?? '';
    return { response, cookie, client: server.anon.withHeaders({ cookie: cookie.split(';')[0] }) };
  }

  it('the owner logs in with e-mail and password and gets an HttpOnly SameSite cookie', async () => {
    const { response, cookie, client } = await logIn(
      server.vendor.owner.email.toUpperCase(),
      'correct-horse-1',
    );
    expect(response.status).toBe(200);
    expect(response.body.vendor.prefix).toBe('ACME');
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const me = await client.get('/v1/auth/me');
    expect(me.body.user.email).toBe(server.vendor.owner.email);

    const write = client.withHeaders({ 'x-csrf-token': response.body.csrfToken });
    expect((await write.post('/v1/products', { code: 'viacookie', name: 'Via cookie' })).status).toBe(201);
    expect((await client.post('/v1/products', { code: 'nocsrf', name: 'No CSRF' })).body.error.code).toBe(
      'CSRF_FAILED',
    );

    expect((await write.post('/v1/auth/logout')).status).toBe(204);
    expect((await client.get('/v1/auth/me')).status).toBe(401);
  });

  it('a wrong password and an unknown e-mail get the same answer', async () => {
    const wrong = await logIn(server.vendor.owner.email, 'nope');
    const unknown = await logIn('nobody@example.test', 'nope');
    expect(wrong.response.status).toBe(401);
    expect(unknown.response.body).toEqual(wrong.response.body);
  });

  it('a password hashed with older parameters is rehashed with the configured ones at login', async () => {
    const db = server.ctx.handle.db;
    const email = server.vendor.owner.email;
    // The first format: scrypt$salt$hash, N=16384 implied.
    const salt = randomBytes(16);
    const old = `scrypt$${salt.toString('base64')}$${scryptSync('correct-horse-1', salt, 32).toString('base64')}`;
    await db.updateTable('users').set({ password_hash: old }).where('email', '=', email).execute();
    expect((await logIn(email, 'wrong-horse-1')).response.status).toBe(401);
    const stored = () =>
      db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow();
    expect((await stored()).password_hash).toBe(old);
    expect((await logIn(email, 'correct-horse-1')).response.status).toBe(200);
    const upgraded = (await stored()).password_hash;
    expect(upgraded).toMatch(/^scrypt\$n=16384,r=8,p=1\$/);
    expect((await logIn(email, 'correct-horse-1')).response.status).toBe(200);
    expect((await stored()).password_hash).toBe(upgraded);
  });

  it('passwords and API tokens are stored only as hashes', async () => {
    const db = server.ctx.handle.db;
    const user = await db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', server.vendor.owner.email)
      .executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^scrypt\$/);
    expect(user.password_hash).not.toContain('correct-horse-1');
    const stored = await db.selectFrom('api_tokens').select('token_hash').execute();
    expect(stored.map((t) => t.token_hash)).toContain(sha256(server.vendor.token));
    expect(stored.map((t) => t.token_hash)).not.toContain(server.vendor.token);
  });

  it('an admin creates a role-limited token, shown once, and revokes it', async () => {
    const created = await server.api.post('/v1/tokens', { name: 'support desk', role: 'support' });
    expect(created.status).toBe(201);
    const support = new ApiClient(server.url).withToken(created.body.token);
    expect((await support.get('/v1/products')).status).toBe(200);
    expect((await support.post('/v1/products', { code: 'denied', name: 'Denied' })).body.error.code).toBe(
      'FORBIDDEN',
    );
    const listed = await server.api.get('/v1/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);

    expect((await server.api.delete(`/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await support.get('/v1/products')).body.error.code).toBe('UNAUTHENTICATED');
  });

  it('a manager cannot mint an admin token or add users', async () => {
    const manager = new ApiClient(server.url).withToken(
      (await server.api.post('/v1/tokens', { name: 'm', role: 'manager' })).body.token,
    );
    expect((await manager.post('/v1/tokens', { name: 'escalate', role: 'admin' })).status).toBe(403);
    expect(
      (await manager.post('/v1/users', { email: 'x@example.test', name: 'X', role: 'support' })).status,
    ).toBe(403);
  });

  it('an admin adds a staff user who can then log in', async () => {
    const created = await server.api.post('/v1/users', {
      email: 'support@acme.test',
      name: 'Sam',
      role: 'support',
      password: 'long-enough-1',
    });
    expect(created.status).toBe(201);
    const { response } = await logIn('support@acme.test', 'long-enough-1');
    expect(response.body.user.role).toBe('support');
    expect((await server.api.get('/v1/users')).body.data.map((u: { email: string }) => u.email)).toContain(
      'support@acme.test',
    );
  });
});

describe('login rate limit', () => {
  it('refuses a burst of guesses with 429 RATE_LIMITED', async () => {
    const server = await startTestServer('sqlite', { config: { loginRateLimit: 3 } });
    try {
      const answers = [];
      for (let i = 0; i < 5; i++)
        answers.push(
          await server.anon.post('/v1/auth/login', { email: server.vendor.owner.email, password: 'guess' }),
        );
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 429, 429]);
      expect(Number(answers[4]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await server.close();
    }
  });

  it('an attacker sprays one password over many e-mails from one address and is stopped', async () => {
    const server = await startTestServer('sqlite', {
      config: { loginRateLimit: 3, loginAddressRateLimit: 5 },
    });
    try {
      const codes: number[] = [];
      // One budget per address across the staff, partner and customer logins.
      const routes = ['/v1/auth/login', '/v1/partner/auth/login', '/v1/customer/auth/login'];
      for (let i = 0; i < 7; i++)
        codes.push(
          (await server.anon.post(routes[i % 3], { email: `u${i}@x.test`, password: 'Summer2026' })).status,
        );
      expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await server.close();
    }
  });

  it('behind a trusted proxy the limit keys on the forwarded client; otherwise the header is ignored', async () => {
    const attempt = (server: TestServer, client: string, i: number) =>
      server.anon
        .withHeaders({ 'x-forwarded-for': client })
        .post('/v1/partner/auth/login', { email: `p${i}@x.test`, password: 'guess' });
    const proxied = await startTestServer('sqlite', {
      config: { loginAddressRateLimit: 2, trustProxy: ['loopback'] },
    });
    const direct = await startTestServer('sqlite', { config: { loginAddressRateLimit: 2 } });
    try {
      const first = [1, 2, 3].map((i) => attempt(proxied, '203.0.113.1', i));
      expect((await Promise.all(first)).map((r) => r.status).sort()).toEqual([401, 401, 429]);
      expect((await attempt(proxied, '203.0.113.2', 4)).status).toBe(401);

      const spoofed = [];
      for (let i = 0; i < 3; i++) spoofed.push((await attempt(direct, `198.51.100.${i}`, i)).status);
      expect(spoofed).toEqual([401, 401, 429]);
    } finally {
      await proxied.close();
      await direct.close();
    }
  });
});
