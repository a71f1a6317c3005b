import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { type LicenseTypeSpec, setupLicensed } from '../../test-support/fixtures.js';
import { ApiClient } from '../../test-support/http-client.js';
import { runCli, spawnServer, startTestServer, type TestServer } from '../../test-support/test-server.js';

/** Fires `count` requests at once, spread over the given servers. */
const race = <T>(count: number, apps: ApiClient[], send: (app: ApiClient, i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: count }, (_, i) => send(apps[i % apps.length], i)));

async function seatsRace(
  api: ApiClient,
  apps: ApiClient[],
  spec: LicenseTypeSpec,
  kind: string,
  expected: number,
) {
  const licensed = await setupLicensed(api, spec);
  const answers = await race(50, apps, (app, i) =>
    app.post('/v1/activate', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind, id: `${kind}-${i}` },
    }),
  );
  expect(answers.filter((a) => a.status === 201)).toHaveLength(expected);
  expect(
    answers
      .filter((a) => a.status !== 201)
      .every((a) => a.status === 409 && a.body.error.code === 'SEATS_EXHAUSTED'),
  ).toBe(true);
  const card = (await api.get(`/v1/keys/${licensed.keyId}`)).body;
  expect(card.bindings).toHaveLength(expected);
}

async function sessionsRace(api: ApiClient, apps: ApiClient[]) {
  const licensed = await setupLicensed(api, { scope: 'floating', maxSessions: 3, heartbeatSeconds: 60 });
  const answers = await race(30, apps, (app, i) =>
    app.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: `pc-${i}` },
    }),
  );
  expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
  expect(
    answers.filter((a) => a.status !== 201).every((a) => a.body.error.code === 'TOO_MANY_SESSIONS'),
  ).toBe(true);
  expect((await api.get(`/v1/keys/${licensed.keyId}`)).body.sessions).toHaveLength(3);
  return licensed;
}

describe.each(DIALECTS)('invariant 1 and 4 under races on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it('50 apps race to activate 5 seats: exactly 5 bindings', async () => {
    await seatsRace(server.api, [server.anon], { scope: 'seat', maxSeats: 5 }, 'machine', 5);
  });

  it('50 apps race to activate one installation license and one tenant license: one binding each', async () => {
    await seatsRace(server.api, [server.anon], { scope: 'installation' }, 'installation', 1);
    await seatsRace(server.api, [server.anon], { scope: 'tenant' }, 'tenant', 1);
  });

  it('one resource activated 20 times at once holds one seat', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 5 });
    const answers = await race(20, [server.anon], (app) =>
      app.post('/v1/activate', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'machine', id: 'same-pc' },
      }),
    );
    expect(answers.every((a) => a.status === 200 || a.status === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect((await server.api.get(`/v1/keys/${licensed.keyId}`)).body.bindings).toHaveLength(1);
  });

  it('30 apps race for 3 floating sessions: exactly 3; after the TTL the dead ones no longer count', async () => {
    const licensed = await sessionsRace(server.api, [server.anon]);
    server.clock.advance(61_000);
    const late = await server.anon.post('/v1/sessions', {
      key: licensed.key,
      product: licensed.productCode,
      resource: { kind: 'machine', id: 'late' },
    });
    expect(late.status).toBe(201);
  });

  it('a locked binding never moves: deactivation is refused, racing activations take other seats, only an admin transfer moves it', async () => {
    const licensed = await setupLicensed(server.api, { scope: 'seat', maxSeats: 2, bindingLocked: true });
    const activate = (id: string) =>
      server.anon.post('/v1/activate', {
        key: licensed.key,
        product: licensed.productCode,
        resource: { kind: 'machine', id },
      });
    const bound = (await activate('pc-locked')).body;
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () =>
        server.anon.post('/v1/deactivate', {
          key: licensed.key,
          product: licensed.productCode,
          resource: { kind: 'machine', id: 'pc-locked' },
        }),
      ),
      ...Array.from({ length: 10 }, (_, i) => activate(`pc-other-${i}`)),
    ]);
    expect(answers.slice(0, 10).every((a) => a.body.error.code === 'BINDING_LOCKED')).toBe(true);
    expect(answers.slice(10).filter((a) => a.status === 201)).toHaveLength(1);
    const before = (await server.api.get(`/v1/keys/${licensed.keyId}`)).body.bindings;
    expect(before.find((b: { id: string }) => b.id === bound.id).resource.id).toBe('pc-locked');

    const manager = server.anon.withToken(
      (await server.api.post('/v1/tokens', { name: 'm', role: 'manager' })).body.token,
    );
    const transfer = {
      bindingId: bound.id,
      resource: { kind: 'machine', id: 'pc-new', name: 'Replacement' },
    };
    expect((await manager.post(`/v1/licenses/${licensed.licenseId}/actions/transfer`, transfer)).status).toBe(
      403,
    );
    expect(
      (await server.api.post(`/v1/licenses/${licensed.licenseId}/actions/transfer`, transfer)).status,
    ).toBe(200);
    const moved = (await server.api.get(`/v1/events?type=binding.transferred&keyId=${licensed.keyId}`)).body
      .data[0];
    expect(moved).toMatchObject({ before: { id: 'pc-locked' }, after: { id: 'pc-new' } });
  });
});

describe.each(DIALECTS)('invariant 1 across two server processes on %s', (dialect) => {
  let store: TestStore;
  const children: ChildProcess[] = [];
  let api: ApiClient;
  let apps: ApiClient[];
  let token: string;
  beforeAll(async () => {
    store = createTestStore(dialect);
    const init = await runCli(
      ['init', '--vendor', 'Two', '--prefix', 'TWOP', '--email', 'two@example.test'],
      store.env,
    );
    const servers = await Promise.all([spawnServer(store.env), spawnServer(store.env)]);
    children.push(...servers.map((s) => s.child));
    apps = servers.map((s) => new ApiClient(s.url));
    token = JSON.parse(init.stdout).token;
    api = apps[0].withToken(token);
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await store.drop();
  });

  it('50 apps on two servers race to activate 5 seats: exactly 5 bindings', async () => {
    await seatsRace(api, apps, { scope: 'seat', maxSeats: 5 }, 'machine', 5);
  });

  it('30 apps on two servers race for 3 floating sessions: exactly 3', async () => {
    await sessionsRace(api, apps);
  });

  it('50 license files for different installations of a 5-seat license, on two servers at once: exactly 5', async () => {
    const licensed = await setupLicensed(api, { scope: 'seat', maxSeats: 5 });
    const staff = apps.map((app) => app.withToken(token));
    const answers = await race(50, staff, (app, i) =>
      app.post('/v1/offline/license-files', { licenseId: licensed.licenseId, installationId: `inst-${i}` }),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(5);
    expect(
      answers.filter((a) => a.status !== 201).every((a) => a.body.error?.code === 'SEATS_EXHAUSTED'),
    ).toBe(true);
    expect((await api.get(`/v1/keys/${licensed.keyId}`)).body.bindings).toHaveLength(5);
  });
});
