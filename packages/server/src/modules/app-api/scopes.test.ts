import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { reapSessions } from './sessions.service.js';

describe.each(DIALECTS)('the five scopes and sessions on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  const activate = (key: string, product: string, kind: string, id: string) =>
    server.anon.post('/v1/activate', { key, product, resource: { kind, id } });
  const validate = (key: string, product: string, resource?: { kind: string; id: string }) =>
    server.anon.post('/v1/validate', { key, product, ...(resource ? { resource } : {}) });

  it('installation: one platform per grant', async () => {
    const l = await setupLicensed(server.api, { scope: 'installation', capabilities: ['manage', 'build'] });
    expect((await activate(l.key, l.productCode, 'installation', 'inst-A')).status).toBe(201);
    expect((await activate(l.key, l.productCode, 'installation', 'inst-A')).status).toBe(200);
    expect((await activate(l.key, l.productCode, 'installation', 'inst-B')).body.error.code).toBe(
      'SEATS_EXHAUSTED',
    );
    expect(
      (await validate(l.key, l.productCode, { kind: 'installation', id: 'inst-A' })).body.capabilities,
    ).toEqual(['build', 'manage']);
    expect((await validate(l.key, l.productCode, { kind: 'installation', id: 'inst-B' })).body.code).toBe(
      'NOT_ACTIVATED',
    );
  });

  it('tenant: one license is one tenant, never shared', async () => {
    const l = await setupLicensed(server.api, { scope: 'tenant' });
    expect((await activate(l.key, l.productCode, 'tenant', 'default')).status).toBe(201);
    expect((await activate(l.key, l.productCode, 'tenant', 'sales')).body.error.code).toBe('SEATS_EXHAUSTED');
    expect((await validate(l.key, l.productCode, { kind: 'tenant', id: 'sales' })).body.code).toBe(
      'NOT_ACTIVATED',
    );
  });

  it('seat: maxSeats resources of its kind, and no other kind', async () => {
    const l = await setupLicensed(server.api, { scope: 'seat', resourceKind: 'agent', maxSeats: 2 });
    expect((await activate(l.key, l.productCode, 'agent', 'a1')).status).toBe(201);
    expect((await activate(l.key, l.productCode, 'agent', 'a2')).status).toBe(201);
    expect((await activate(l.key, l.productCode, 'agent', 'a3')).body.error.code).toBe('SEATS_EXHAUSTED');
    expect((await activate(l.key, l.productCode, 'machine', 'm1')).body.error.code).toBe(
      'LICENSE_NOT_USABLE',
    );
    expect(
      (
        await server.anon.post('/v1/deactivate', {
          key: l.key,
          product: l.productCode,
          resource: { kind: 'agent', id: 'a1' },
        })
      ).status,
    ).toBe(204);
    expect((await activate(l.key, l.productCode, 'agent', 'a3')).status).toBe(201);
    expect((await validate(l.key, l.productCode, { kind: 'agent', id: 'a1' })).body.code).toBe(
      'NOT_ACTIVATED',
    );
  });

  it('unlimited: any number of resources of its kind while valid', async () => {
    const l = await setupLicensed(server.api, {
      scope: 'unlimited',
      resourceKind: 'agent',
      term: { unit: 'day', count: 10 },
    });
    for (let i = 0; i < 25; i++)
      expect((await activate(l.key, l.productCode, 'agent', `agent-${i}`)).status).toBe(201);
    expect((await validate(l.key, l.productCode, { kind: 'agent', id: 'never-activated' })).body.code).toBe(
      'VALID',
    );
    expect((await validate(l.key, l.productCode, { kind: 'machine', id: 'x' })).body.code).toBe(
      'NOT_ACTIVATED',
    );
    const start = server.clock.now();
    server.clock.advance(11 * 86_400_000);
    try {
      expect((await validate(l.key, l.productCode, { kind: 'agent', id: 'agent-1' })).body.code).toBe(
        'EXPIRED',
      );
      expect((await activate(l.key, l.productCode, 'agent', 'late')).body.error.code).toBe(
        'LICENSE_NOT_USABLE',
      );
    } finally {
      server.clock.set(start);
    }
  });

  it('floating: N concurrent sessions, heartbeat keeps one alive, dead ones are reaped', async () => {
    const l = await setupLicensed(server.api, { scope: 'floating', maxSessions: 2, heartbeatSeconds: 60 });
    const checkout = (id: string) =>
      server.anon.post('/v1/sessions', {
        key: l.key,
        product: l.productCode,
        resource: { kind: 'machine', id },
      });
    const first = await checkout('pc-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('licensor-signature')).toMatch(/^kid="/);
    expect((await checkout('pc-2')).status).toBe(201);
    expect((await checkout('pc-3')).body.error.code).toBe('TOO_MANY_SESSIONS');
    expect((await checkout('pc-1')).body.id).toBe(first.body.id);
    expect((await validate(l.key, l.productCode, { kind: 'machine', id: 'pc-3' })).body.code).toBe(
      'TOO_MANY_SESSIONS',
    );

    server.clock.advance(45_000);
    const beat = await server.anon.post(`/v1/sessions/${first.body.id}/heartbeat`);
    expect(beat.status).toBe(200);
    server.clock.advance(30_000); // pc-2 is now past its TTL; pc-1 was kept alive
    expect(await reapSessions(server.ctx)).toBeGreaterThanOrEqual(1);
    expect((await checkout('pc-3')).status).toBe(201);
    const expired = await server.api.get(`/v1/events?keyId=${l.keyId}&type=session.expired`);
    expect(expired.body.data).toHaveLength(1);
    expect((await server.anon.post(`/v1/sessions/${first.body.id}/heartbeat`)).status).toBe(200);

    expect((await server.anon.delete(`/v1/sessions/${first.body.id}`)).status).toBe(204);
    expect((await server.anon.post(`/v1/sessions/${first.body.id}/heartbeat`)).body.error.code).toBe(
      'SESSION_EXPIRED',
    );
    expect((await checkout('pc-4')).status).toBe(201);
  });

  it('a late heartbeat never revives an expired session past maxSessions; two reapers record one end', async () => {
    const l = await setupLicensed(server.api, { scope: 'floating', maxSessions: 1, heartbeatSeconds: 60 });
    const open = (id: string) =>
      server.anon.post('/v1/sessions', {
        key: l.key,
        product: l.productCode,
        resource: { kind: 'machine', id },
      });
    const first = (await open('pc-a')).body;
    server.clock.advance(61_000); // pc-a's place is free again, though not reaped yet
    expect((await open('pc-b')).status).toBe(201);
    const late = await server.anon.post(`/v1/sessions/${first.id}/heartbeat`);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('SESSION_EXPIRED');
    expect((await server.api.get(`/v1/keys/${l.keyId}`)).body.sessions).toHaveLength(1);

    server.clock.advance(61_000);
    const reaped = await Promise.all([reapSessions(server.ctx), reapSessions(server.ctx)]);
    expect(reaped.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
    const ends = (await server.api.get(`/v1/events?keyId=${l.keyId}&type=session.expired`)).body.data;
    expect(ends).toHaveLength(2);
    expect(new Set(ends.map((e: { subjectId: string }) => e.subjectId)).size).toBe(2);
  });
});

describe.each(DIALECTS)('a session whose license is revoked on %s', (dialect) => {
  it('ends at the next heartbeat', async () => {
    const server = await startTestServer(dialect);
    try {
      const l = await setupLicensed(server.api, { scope: 'floating', maxSessions: 1 });
      const session = await server.anon.post('/v1/sessions', {
        key: l.key,
        product: l.productCode,
        resource: { kind: 'machine', id: 'pc' },
      });
      await server.api.post(`/v1/licenses/${l.licenseId}/actions/revoke`);
      const beat = await server.anon.post(`/v1/sessions/${session.body.id}/heartbeat`);
      expect(beat.status).toBe(409);
      expect(beat.body.error.code).toBe('LICENSE_NOT_USABLE');
      expect((await server.api.get(`/v1/keys/${l.keyId}`)).body.sessions).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
