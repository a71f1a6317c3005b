import { verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../platform/db/transaction.js';
import { publicKeyFromRaw } from '../../platform/signing.js';
import { DIALECTS } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
  setupLicensed,
} from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('validation on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  const validate = (body: Record<string, unknown>) => server.anon.post('/v1/validate', body);
  /** An answer but its time, which differs between two askings. */
  const gist = (body: Record<string, unknown>) => {
    const { ts: _ts, ...rest } = body;
    return rest;
  };

  it('an app validates a key in any case and without dashes, and the signed answer verifies', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 2, capabilities: ['run'] });
    const typed = licensed.key.toLowerCase().replaceAll('-', '');
    const response = await validate({ key: typed, product: licensed.productCode, nonce: 'n-123' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      valid: true,
      code: 'VALID',
      nonce: 'n-123',
      capabilities: ['run'],
    });
    expect(response.body.key.id).toBe(licensed.keyId);

    const header = response.headers.get('licensor-signature')!;
    const match = /kid="([^"]+)", alg="ed25519", sig="([^"]+)"/.exec(header)!;
    const keys = await server.anon.get(`/v1/vendors/${server.vendor.vendor.prefix}/signing-keys`);
    const published = keys.body.data.find((k: { kid: string }) => k.kid === match[1]);
    expect(published.alg).toBe('Ed25519');
    const publicKey = publicKeyFromRaw(published.publicKey);
    expect(verify(null, Buffer.from(response.text), publicKey, Buffer.from(match[2], 'base64'))).toBe(true);
    const tampered = response.text.replace('"valid":true', '"valid":false');
    expect(verify(null, Buffer.from(tampered), publicKey, Buffer.from(match[2], 'base64'))).toBe(false);
  });

  it('answers each code in DESIGN order', async () => {
    const api = server.api;
    const product = await createProduct(api);
    const seat = await createLicenseType(api, product.id, {
      scope: 'seat',
      maxSeats: 1,
      capabilities: ['basic'],
      graceDays: 5,
    });
    const holder = await createCustomerWithKey(api);
    const ask = (extra: Record<string, unknown> = {}) =>
      validate({ key: holder.key, product: product.code, ...extra });

    expect(
      (await validate({ key: 'ACME-00000-00000-00000-00000-00000', product: product.code })).body.code,
    ).toBe('NOT_FOUND');
    expect((await ask()).body.code).toBe('PRODUCT_NOT_LICENSED');

    const license = await issue(api, holder.keyId, seat.id);
    await api.post(`/v1/licenses/${license.id}/actions/suspend`);
    expect((await ask()).body).toMatchObject({ valid: false, code: 'SUSPENDED' });
    await api.post(`/v1/licenses/${license.id}/actions/reinstate`);
    expect((await ask()).body.code).toBe('VALID');

    const future = await createCustomerWithKey(api);
    await issue(api, future.keyId, seat.id, {
      startsAt: new Date(server.clock.now().getTime() + 10 * DAY).toISOString(),
    });
    expect((await validate({ key: future.key, product: product.code })).body.code).toBe('NOT_STARTED');

    expect((await ask({ fingerprint: 'pc-1' })).body.code).toBe('NOT_ACTIVATED');
    await server.anon.post('/v1/activate', {
      key: holder.key,
      product: product.code,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    expect((await ask({ fingerprint: 'pc-1' })).body.code).toBe('VALID');
    expect((await ask({ resource: { kind: 'machine', id: 'pc-1' }, capabilities: ['pro'] })).body.code).toBe(
      'CAPABILITY_MISSING',
    );

    const now = server.clock.now();
    server.clock.set(new Date(now.getTime() + 367 * DAY));
    try {
      expect((await ask()).body).toMatchObject({ valid: true, code: 'GRACE_PERIOD' });
      server.clock.set(new Date(now.getTime() + 372 * DAY));
      expect((await ask()).body).toMatchObject({ valid: false, code: 'EXPIRED' });
    } finally {
      server.clock.set(now);
    }

    await api.post(`/v1/licenses/${license.id}/actions/revoke`);
    expect((await ask()).body.code).toBe('REVOKED');
  });

  it('a validation never signs what a transaction still open in the same process may roll back', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 1 });
    // (also warms the signer, which would otherwise wait for the connection the transaction holds)
    expect((await validate({ key: licensed.key, product: licensed.productCode })).body.code).toBe('VALID');
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let changed!: () => void;
    const written = new Promise<void>((resolve) => {
      changed = resolve;
    });
    const transaction = inTransaction(server.ctx.handle, async (trx) => {
      await trx
        .updateTable('license_keys')
        .set({ status: 'suspended' })
        .where('id', '=', licensed.keyId)
        .execute();
      changed();
      await held; // mid-transaction, as a service awaiting signing or mail would
      throw new Error('roll back');
    }).catch(() => 'rolled back');
    await written;
    const during = await validate({ key: licensed.key, product: licensed.productCode });
    release();
    expect(await transaction).toBe('rolled back');
    expect(during.body.code).toBe('VALID');
  });

  it('validations asked at the same moment each get the answer to their own question', async () => {
    const api = server.api;
    const seat = await setupLicensed(api, { scope: 'seat', maxSeats: 1, capabilities: ['run'] });
    const site = await setupLicensed(api, { scope: 'installation', maxSeats: 1 });
    const other = await setupLicensed(api, { scope: 'unlimited', capabilities: ['chat'] });
    await server.anon.post('/v1/activate', {
      key: seat.key,
      product: seat.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    await api.post(`/v1/licenses/${site.licenseId}/actions/suspend`);
    const questions: Record<string, unknown>[] = [];
    for (const key of [seat.key, site.key, other.key, `${seat.key.slice(0, -1)}0`])
      for (const product of [seat.productCode, site.productCode, other.productCode])
        for (const asked of [{}, { fingerprint: 'pc-1' }, { resource: { kind: 'machine', id: 'pc-2' } }])
          questions.push({ key, product, ...asked, nonce: `n-${questions.length}` });
    const alone = [];
    for (const question of questions) alone.push(gist((await validate(question)).body));
    expect(new Set(alone.map((answer) => answer.code)).size).toBeGreaterThan(3);

    const together = await Promise.all(questions.map((question) => validate(question)));
    expect(together.map((answer) => gist(answer.body))).toEqual(alone);
  });

  it('apps asking one question in many forms at the same moment each get the answer to their own request', async () => {
    const seat = await setupLicensed(server.api, {
      scope: 'seat',
      maxSeats: 2,
      capabilities: ['run', 'export'],
    });
    await server.anon.post('/v1/activate', {
      key: seat.key,
      product: seat.productCode,
      resource: { kind: 'machine', id: 'pc-1' },
    });
    const questions: Record<string, unknown>[] = [];
    for (const key of [seat.key, seat.key.toLowerCase().replaceAll('-', '')])
      for (const asked of [
        { fingerprint: 'pc-1' },
        { resource: { kind: 'machine', id: 'pc-1' } },
        { resource: { kind: 'agent', id: 'pc-1' } },
      ])
        for (const capabilities of [undefined, [], ['run'], ['export', 'run'], ['print']])
          for (const nonce of [undefined, 'n-a', 'n-b'])
            questions.push({ key, product: seat.productCode, ...asked, capabilities, nonce });
    const alone = [];
    for (const question of questions) alone.push(gist((await validate(question)).body));
    expect(new Set(alone.map((answer) => answer.code)).size).toBeGreaterThan(1);

    const together = await Promise.all(questions.map((question) => validate(question)));
    expect(together.map((answer) => gist(answer.body))).toEqual(alone);
    for (const [i, answer] of together.entries()) {
      expect(answer.body.nonce).toBe(questions[i]?.nonce);
      expect(answer.body.request.key).toBe(seat.key);
    }
  });

  it('an app asking the same question while its license starts, nears its end, expires and leaves its grace hears each', async () => {
    const api = server.api;
    const product = await createProduct(api);
    const type = await createLicenseType(api, product.id, {
      scope: 'floating',
      maxSessions: 5,
      term: { unit: 'day', count: 60 },
      graceDays: 3,
      capabilities: ['run'],
    });
    const holder = await createCustomerWithKey(api);
    const start = new Date(server.clock.now().getTime() + DAY);
    const license = await issue(api, holder.keyId, type.id, { startsAt: start.toISOString() });
    const expiry = new Date(license.expiresAt).getTime();
    const now = server.clock.now();
    // Nothing is written from here on: the same read (and on SQLite the same kept verdict) answers every check.
    const at = async (t: number) => {
      server.clock.set(new Date(t));
      const { body } = await validate({ key: holder.key, product: product.code, capabilities: ['run'] });
      return [body.code, body.licenses[0].status, body.capabilities.join()];
    };
    try {
      expect(await at(now.getTime())).toEqual(['NOT_STARTED', 'unused', '']);
      expect(await at(start.getTime() - 1)).toEqual(['NOT_STARTED', 'unused', '']);
      expect(await at(start.getTime())).toEqual(['VALID', 'active', 'run']);
      expect(await at(expiry - 30 * DAY - 1)).toEqual(['VALID', 'active', 'run']);
      expect(await at(expiry - 30 * DAY)).toEqual(['VALID', 'expiring', 'run']);
      expect(await at(expiry - 1)).toEqual(['VALID', 'expiring', 'run']);
      expect(await at(expiry)).toEqual(['GRACE_PERIOD', 'expired', 'run']);
      expect(await at(expiry + 3 * DAY - 1)).toEqual(['GRACE_PERIOD', 'expired', 'run']);
      expect(await at(expiry + 3 * DAY)).toEqual(['EXPIRED', 'expired', '']);
      // The clock set back (a test, or a corrected server clock) is judged again too.
      expect(await at(start.getTime() + DAY)).toEqual(['VALID', 'active', 'run']);
    } finally {
      server.clock.set(now);
    }
  });
});
