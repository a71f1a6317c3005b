import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('bad input over HTTP on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect, { config: { bodyLimit: 4096 } });
  });
  afterAll(() => server.close());

  const count = async () =>
    Number(
      (
        await server.ctx.handle.db
          .selectFrom('customers')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('refuses the NUL character anywhere (body, query, path, login, app API) as 400, and writes nothing', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const before = await count();
    const nul = 'a\u0000b';
    const answers = await Promise.all([
      server.api.post('/v1/customers', { name: nul }),
      server.api.post('/v1/customers', { name: 'ok', comment: nul }),
      server.api.patch(`/v1/customers/${licensed.customerId}`, { contactName: nul }),
      server.api.get('/v1/customers?q=a%00b'),
      server.api.get('/v1/keys/a%00b'),
      server.anon.post('/v1/validate', { key: licensed.key, product: nul }),
      server.anon.post('/v1/activate', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'machine', id: nul },
      }),
      server.anon.post('/v1/sessions', { key: nul, product: 'p', resource: { kind: 'machine', id: 'x' } }),
      server.anon.post('/v1/auth/login', { email: nul, password: 'x' }),
      server.anon.post('/v1/customer/auth/login', { key: nul }),
      server.anon.post('/v1/partner/auth/login', { email: 'a@b.test', password: nul }),
    ]);
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await count()).toBe(before);
    expect((await server.api.get(`/v1/keys/${licensed.keyId}`)).body.bindings).toHaveLength(0);
  });

  it('refuses invalid UTF-8, bodies sent to routes that take none, and dates outside 1970–9999, writing nothing', async () => {
    const before = await count();
    const invalid = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const raw = await fetch(`${server.url}/v1/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.vendor.token}` },
      body: invalid,
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('MALFORMED_JSON');
    expect(await count()).toBe(before);

    for (const path of ['/v1/customers?q=%FF%FE', '/v1/keys/%FF', '/v1/customers/%C3%28']) {
      const response = await server.api.get(path);
      expect([response.status, response.body.error.code], path).toEqual([400, 'BAD_REQUEST']);
    }

    const keys = async () => (await server.api.get('/v1/signing-keys')).body.data.length;
    const keysBefore = await keys();
    const rotate = await server.api.post('/v1/signing-keys/rotate', { force: true });
    expect([rotate.status, rotate.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await keys()).toBe(keysBefore);
    expect((await server.api.post('/v1/signing-keys/rotate', {})).status).toBe(201); // {} is no body

    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    for (const startsAt of ['0000-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00Z']) {
      const issued = await server.api.post(`/v1/keys/${licensed.keyId}/licenses`, {
        licenseTypeId: licensed.licenseTypeId,
        startsAt,
      });
      expect([issued.status, issued.body.error?.code], startsAt).toEqual([400, 'VALIDATION_FAILED']);
    }
    const card = (await server.api.get(`/v1/keys/${licensed.keyId}`)).body;
    expect(card.licenses).toHaveLength(1);
    const late = (startsAt: string) =>
      server.api.post(`/v1/keys/${licensed.keyId}/licenses`, {
        licenseTypeId: licensed.licenseTypeId,
        startsAt,
      });
    expect((await late('9998-01-01T00:00:00Z')).status).toBe(201);
    // A start in 9999 is a date, but a year's term from it ends in 10000, which no ISO date of four digits holds.
    const past = await late('9999-01-01T00:00:00Z');
    expect([past.status, past.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await server.api.get(`/v1/keys/${licensed.keyId}`)).body.licenses).toHaveLength(2);
  });

  it('an empty partner or manager id is refused as 400, not stored as a dangling reference', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const before = await count();
    for (const body of [
      { name: 'x', partnerId: '' },
      { name: 'x', managerId: '' },
    ]) {
      const created = await server.api.post('/v1/customers', body);
      expect(created.status, JSON.stringify(created.body)).toBe(400);
      expect(created.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await server.api.patch(`/v1/customers/${licensed.customerId}`, { partnerId: '' })).status).toBe(
      400,
    );
    expect((await server.api.post('/v1/customers', { name: 'x', partnerId: 'no-such-partner' })).status).toBe(
      404,
    );
    expect(await count()).toBe(before);
  });

  it('answers each kind of bad request with its own code and writes nothing', async () => {
    const before = await count();
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      [
        'malformed JSON',
        server.api.request('POST', '/v1/customers', undefined, '{"name": "x"'),
        400,
        'MALFORMED_JSON',
      ],
      [
        'body over the limit',
        server.api.post('/v1/customers', { name: 'x', comment: 'y'.repeat(5000) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      [
        'unknown field',
        server.api.post('/v1/customers', { name: 'x', owner: 'me' }),
        400,
        'VALIDATION_FAILED',
      ],
      ['wrong type', server.api.post('/v1/customers', { name: 42 }), 400, 'VALIDATION_FAILED'],
      [
        'bad e-mail',
        server.api.post('/v1/customers', { name: 'x', email: 'not-an-email' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'unknown partner',
        server.api.post('/v1/customers', { name: 'x', partnerId: 'nope' }),
        404,
        'PARTNER_NOT_FOUND',
      ],
      ['no credentials', server.anon.get('/v1/customers'), 401, 'UNAUTHENTICATED'],
      ['bad token', server.anon.withToken('lic_forged').get('/v1/customers'), 401, 'UNAUTHENTICATED'],
      [
        'wrong content type',
        server.api
          .withHeaders({ 'content-type': 'application/xml' })
          .request('POST', '/v1/customers', undefined, '<name>x</name>'),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    for (const [what, promise, status, code] of cases) {
      const response = await promise;
      expect([what, response.status, response.body?.error?.code]).toEqual([what, status, code]);
      expect(response.body.error.message).toEqual(expect.any(String));
    }
    const unknownField = await server.api.post('/v1/customers', { name: 'x', owner: 'me' });
    expect(unknownField.body.error.details[0]).toMatchObject({ field: 'owner' });
    expect(await count()).toBe(before);
  });

  it('unknown ids get the specific not-found code', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const cases: [string, number, string][] = [
      ['/v1/customers/nope', 404, 'CUSTOMER_NOT_FOUND'],
      ['/v1/keys/nope', 404, 'KEY_NOT_FOUND'],
      ['/v1/licenses/nope', 404, 'LICENSE_NOT_FOUND'],
      ['/v1/products/nope', 404, 'PRODUCT_NOT_FOUND'],
      ['/v1/license-types/nope', 404, 'LICENSE_TYPE_NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const response = await server.api.get(path);
      expect([path, response.status, response.body.error.code]).toEqual([path, status, code]);
    }
    expect(
      (await server.api.post(`/v1/keys/${licensed.keyId}/licenses`, { licenseTypeId: 'nope' })).body.error
        .code,
    ).toBe('LICENSE_TYPE_NOT_FOUND');
    expect(
      (
        await server.anon.post('/v1/activate', {
          key: 'ACME-00000-00000-00000-00000-00000',
          product: 'x',
          resource: { kind: 'machine', id: 'm' },
        })
      ).body.error.code,
    ).toBe('KEY_NOT_FOUND');
    const typo = licensed.key.slice(0, -1) + (licensed.key.endsWith('0') ? '1' : '0');
    expect(
      (await server.anon.post('/v1/validate', { key: typo, product: licensed.productCode })).body,
    ).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    expect(
      (await server.anon.post('/v1/validate', { key: licensed.key, product: 'unknown-product' })).body,
    ).toMatchObject({ valid: false, code: 'PRODUCT_NOT_LICENSED' });
  });

  it('a support token reads but every write is forbidden and changes nothing', async () => {
    const support = server.anon.withToken(
      (await server.api.post('/v1/tokens', { name: 'desk', role: 'support' })).body.token,
    );
    const licensed = await setupLicensed(server.api, { scope: 'seat' });
    const before = (await server.api.get(`/v1/keys/${licensed.keyId}`)).body;
    expect((await support.get(`/v1/keys/${licensed.keyId}`)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/v1/customers', { name: 'x' }],
      ['POST', `/v1/licenses/${licensed.licenseId}/actions/revoke`, {}],
      ['DELETE', `/v1/keys/${licensed.keyId}`, undefined],
      ['PATCH', `/v1/customers/${licensed.customerId}`, { name: 'renamed' }],
    ] as const) {
      const response = await support.request(method, path, body);
      expect([path, response.status, response.body.error.code]).toEqual([path, 403, 'FORBIDDEN']);
    }
    expect((await server.api.get(`/v1/keys/${licensed.keyId}`)).body).toEqual(before);
  });
});

describe('validation rate limit', () => {
  it('answers 429 RATE_LIMITED past the per-minute limit', async () => {
    const server = await startTestServer('sqlite', { config: { validateRateLimit: 5 } });
    try {
      const answers = [];
      for (let i = 0; i < 7; i++)
        answers.push(await server.anon.post('/v1/validate', { key: 'x', product: 'y' }));
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 429, 429]);
      // The app is told when to ask again, in seconds (and a browser app may read it).
      const wait = Number(answers[6]?.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
      expect(answers[6]?.headers.get('access-control-expose-headers')).toContain('retry-after');
      expect(answers[0]?.headers.get('retry-after')).toBeNull();
    } finally {
      await server.close();
    }
  });
});
