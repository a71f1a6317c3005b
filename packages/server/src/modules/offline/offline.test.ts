import {
  decodeLicenseFile,
  encodeLicenseRequest,
  type LicenseRequest,
  openPayload,
  splitBundle,
  verifyEnvelope,
} from '@licensor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
} from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('offline license files on %s', (dialect) => {
  let server: TestServer;
  let product: { id: string; code: string };
  let platformType: string;
  let agentType: string;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    product = await createProduct(server.api, 'aistudio');
    platformType = (
      await createLicenseType(server.api, product.id, {
        scope: 'installation',
        capabilities: ['manage', 'build'],
      })
    ).id;
    agentType = (
      await createLicenseType(server.api, product.id, {
        scope: 'seat',
        resourceKind: 'agent',
        capabilities: ['converse'],
      })
    ).id;
  });
  afterAll(() => server.close());

  const request = (over: Partial<LicenseRequest> = {}): string =>
    encodeLicenseRequest({
      v: 1,
      product: 'aistudio',
      installationId: 'inst-42',
      startsAt: '2026-02-01T00:00:00.000Z',
      period: 'P3M',
      createdAt: '2026-01-20T00:00:00.000Z',
      nonce: 'n1',
      ...over,
    });
  const publishedKeys = async () =>
    Object.fromEntries(
      (await server.anon.get('/v1/vendors/ACME/signing-keys')).body.data.map(
        (k: { kid: string; publicKey: string }) => [k.kid, k.publicKey],
      ),
    );
  async function readFile(content: string, licenseKey?: string) {
    const envelope = decodeLicenseFile(content)!;
    const keys = await publishedKeys();
    return {
      verified: await verifyEnvelope(envelope, keys[envelope.kid]),
      payload: (await openPayload(envelope, licenseKey)) as any,
      envelope,
    };
  }
  const licenseCount = async () =>
    (
      await server.ctx.handle.db
        .selectFrom('licenses')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n;

  it('the vendor turns a request into a signed file for a new license of the requested period', async () => {
    const holder = await createCustomerWithKey(server.api, 'Primo client');
    const response = await server.api.post('/v1/offline/license-files', {
      request: request(),
      keyId: holder.keyId,
      licenseTypeId: platformType,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.fileName).toMatch(/^aistudio-.*\.license$/);
    const { verified, payload } = await readFile(response.body.content);
    expect(verified).toBe(true);
    expect(payload).toMatchObject({
      vendor: 'ACME',
      product: 'aistudio',
      scope: 'installation',
      installationId: 'inst-42',
      startsAt: '2026-02-01T00:00:00.000Z',
      expiresAt: '2026-05-01T00:00:00.000Z',
      term: { unit: 'month', count: 3 }, // the requested period, for the product to stack by the calendar
      capabilities: ['manage', 'build'],
      customer: { name: 'Primo client' },
    });
    const events = await server.api.get(`/v1/events?keyId=${holder.keyId}&type=license_file.issued`);
    expect(events.body.data[0].after).toMatchObject({ installationId: 'inst-42', encrypted: false });
  });

  it('a request without a license type matches the license the key already holds', async () => {
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, platformType);
    const response = await server.api.post('/v1/offline/license-files', {
      request: request({ tenant: 'sales' }),
      keyId: holder.keyId,
    });
    expect(response.body.license.id).toBe(license.id);
    expect((await readFile(response.body.content)).payload).toMatchObject({
      id: license.id,
      tenant: 'sales',
    });
  });

  it('checks out an existing license as an encrypted file with its own expiry', async () => {
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, platformType);
    const response = await server.api.post('/v1/offline/license-files', {
      licenseId: license.id,
      installationId: 'inst-7',
      encrypt: true,
      fileExpiresAt: '2026-03-01T00:00:00.000Z',
    });
    const unreadable = await readFile(response.body.content);
    expect(unreadable.verified).toBe(true);
    expect(unreadable.envelope.alg).toBe('ed25519+aes256gcm');
    expect(unreadable.payload).toBeUndefined();
    expect((await readFile(response.body.content, holder.key)).payload).toMatchObject({
      id: license.id,
      fileExpiresAt: '2026-03-01T00:00:00.000Z',
    });
  });

  it('one download holds a platform license and ten agent licenses', async () => {
    const holder = await createCustomerWithKey(server.api);
    const response = await server.api.post('/v1/offline/bundles', {
      keyId: holder.keyId,
      installationId: 'inst-9',
      issue: [
        { licenseTypeId: platformType, count: 1 },
        { licenseTypeId: agentType, count: 10 },
      ],
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body.fileName).toMatch(/\.lcs$/);
    const files = splitBundle(response.body.content);
    expect(files).toHaveLength(11);
    const payloads = await Promise.all(files.map(async (file) => (await readFile(file)).payload));
    expect(payloads.filter((p) => p.scope === 'seat')).toHaveLength(10);
    expect((await server.api.get(`/v1/keys/${holder.keyId}`)).body.licenses).toHaveLength(11);
  });

  it('a file is a seat: one installation per installation license, five per 5-seat license, re-issue allowed', async () => {
    const holder = await createCustomerWithKey(server.api);
    const platform = await issue(server.api, holder.keyId, platformType);
    const fileFor = (licenseId: string, installationId: string) =>
      server.api.post('/v1/offline/license-files', { licenseId, installationId });
    expect((await fileFor(platform.id, 'inst-a')).status).toBe(201);
    expect((await fileFor(platform.id, 'inst-a')).status).toBe(201);
    const second = await fileFor(platform.id, 'inst-b');
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('SEATS_EXHAUSTED');

    const seats = await createLicenseType(server.api, product.id, { scope: 'seat', maxSeats: 5 });
    const seat = await issue(server.api, holder.keyId, seats.id);
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await fileFor(seat.id, `pc-${i}`)).status);
    expect(answers).toEqual([201, 201, 201, 201, 201, 409, 409, 409]);

    const card = (await server.api.get(`/v1/keys/${holder.keyId}`)).body;
    const bound = (id: string) =>
      card.bindings
        .filter((b: { licenseId: string }) => b.licenseId === id)
        .map((b: { resource: { id: string } }) => b.resource.id);
    expect(bound(platform.id)).toEqual(['inst-a']);
    expect(bound(seat.id)).toHaveLength(5);
    const listed = card.licenses.find((l: { id: string }) => l.id === platform.id);
    expect(listed.status).toBe('active');
    expect(listed.seatsUsed).toBe(1);
    // The app sees the installation as activated.
    const check = await server.anon.post('/v1/validate', {
      key: holder.key,
      product: 'aistudio',
      fingerprint: 'inst-a',
    });
    expect(check.body.code).toBe('VALID');
  });

  it('bad requests are refused and change nothing', async () => {
    const holder = await createCustomerWithKey(server.api);
    const before = await licenseCount();
    const unreadable = await server.api.post('/v1/offline/license-files', {
      request: 'hello',
      keyId: holder.keyId,
      licenseTypeId: platformType,
    });
    expect(unreadable.body.error.code).toBe('INVALID_LICENSE_REQUEST');
    const otherProduct = await server.api.post('/v1/offline/license-files', {
      request: request({ product: 'robot' }),
      keyId: holder.keyId,
      licenseTypeId: platformType,
    });
    expect(otherProduct.body.error.code).toBe('PRODUCT_MISMATCH');
    const noMatch = await server.api.post('/v1/offline/license-files', {
      request: request(),
      keyId: holder.keyId,
    });
    expect(noMatch.body.error.code).toBe('LICENSE_NOT_FOUND');
    const badBundle = await server.api.post('/v1/offline/bundles', {
      keyId: holder.keyId,
      installationId: 'x',
      issue: [{ licenseTypeId: agentType, count: 3 }],
      licenseIds: ['no-such-license'],
    });
    expect(badBundle.body.error.code).toBe('LICENSE_NOT_FOUND');
    expect(await licenseCount()).toEqual(before);

    const license = await issue(server.api, holder.keyId, platformType);
    await server.api.post(`/v1/licenses/${license.id}/actions/revoke`);
    const revoked = await server.api.post('/v1/offline/license-files', {
      licenseId: license.id,
      installationId: 'x',
    });
    expect(revoked.body.error.code).toBe('LICENSE_NOT_USABLE');
  });

  it('after rotation new files use the new key, old files still verify until the old key is revoked', async () => {
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, platformType);
    const checkout = () =>
      server.api.post('/v1/offline/license-files', { licenseId: license.id, installationId: 'i' });
    const old = (await checkout()).body.content;
    const rotated = await server.api.post('/v1/signing-keys/rotate');
    expect(rotated.status).toBe(201);
    const fresh = (await checkout()).body.content;
    expect(decodeLicenseFile(fresh)!.kid).toBe(rotated.body.kid);
    expect((await readFile(old)).verified).toBe(true);
    const oldKid = decodeLicenseFile(old)!.kid;
    const listed = (await server.api.get('/v1/signing-keys')).body.data;
    expect(listed.find((k: { kid: string }) => k.kid === oldKid).state).toBe('retired');
    const answer = await server.anon.post('/v1/validate', { key: holder.key, product: 'aistudio' });
    expect(answer.headers.get('licensor-signature')).toContain(rotated.body.kid);

    expect((await server.api.post(`/v1/signing-keys/${rotated.body.kid}/revoke`)).body.error.code).toBe(
      'INVALID_TRANSITION',
    );
    expect((await server.api.post(`/v1/signing-keys/${oldKid}/revoke`)).status).toBe(204);
    expect(Object.keys(await publishedKeys())).not.toContain(oldKid);
  });
});
