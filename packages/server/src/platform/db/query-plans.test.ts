import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetOf, seedDataset } from '../../modules/dataset/seed-dataset.js';
import { jobHandlers, schedulesFor } from '../../modules/index.js';
import { createVendor } from '../../modules/vendors/vendors.service.js';
import { DeliveryLane } from '../../modules/webhooks/delivery-lane.js';
import { createApp, createContext } from '../../server.js';
import { createTestStore, DIALECTS, type TestStore } from '../../test-support/databases.js';
import { ApiClient, type ApiResponse } from '../../test-support/http-client.js';
import { ManualClock } from '../clock.js';
import type { AppContext } from '../context.js';
import type { Api } from '../http/types.js';
import { JobRunner } from '../jobs/runner.js';
import { analyze } from './database.js';
import { planOf, type StatementPlan } from './query-plans.js';

/**
 * DESIGN §6.11: per-request work does not grow with the database. Over a seeded vendor of 100,000 licenses
 * (20,000 keys, 2,000 customers, live sessions, redemptions, events) with statistics gathered, every
 * statement that the hot paths run — recorded as they run, over real HTTP — is planned, and none may
 * read a growing table whole (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE, rows touched).
 */
const LICENSES = 100_000;
/** Open sessions of one large floating license: more than ROW_BUDGET, so a walk over them fails the test. */
const CROWD = 5_000;

describe.each(DIALECTS)('query plans of the hot paths over 100,000 licenses on %s', (dialect) => {
  let store: TestStore;
  let ctx: AppContext;
  let app: Api;
  let api: ApiClient;
  let anon: ApiClient;
  const clock = new ManualClock(new Date('2026-06-01T10:00:00.000Z'));
  const sample: Record<string, string> = {};
  /** Each path's statements, in the order they ran. */
  const recorded = new Map<string, { sql: string; parameters: readonly unknown[] }[]>();
  let current: { sql: string; parameters: readonly unknown[] }[] | undefined;

  beforeAll(async () => {
    store = createTestStore(dialect);
    ctx = await createContext(store.config, clock);
    const created = await createVendor(ctx, {
      name: 'Plans',
      prefix: 'PLAN',
      ownerEmail: `owner-${dialect}@plans.test`,
      ownerPassword: 'correct-horse-1',
    });
    await seedDataset(ctx, {
      vendorId: created.vendor.id,
      size: { ...datasetOf(LICENSES), events: LICENSES },
      now: clock.now(),
    });
    await pickSamples(ctx, created.vendor.id);
    app = await createApp(ctx);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    anon = new ApiClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    api = anon.withToken(created.token);
    ctx.handle.observer = (text, parameters) => current?.push({ sql: text, parameters });
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await ctx?.handle.close();
    await store?.drop();
  });

  /** Sample rows of the seeded data, read before recording starts. */
  async function pickSamples(context: AppContext, vendorId: string) {
    const db = context.handle.db;
    const bound = await db
      .selectFrom('bindings')
      .innerJoin('licenses', 'licenses.id', 'bindings.license_id')
      .innerJoin('license_keys', 'license_keys.id', 'licenses.key_id')
      .innerJoin('products', 'products.id', 'licenses.product_id')
      .select([
        'license_keys.key',
        'license_keys.id as keyId',
        'license_keys.customer_id',
        'bindings.resource_id',
      ])
      .where('products.code', '=', 'seed-robot')
      .where('licenses.revoked_at', 'is', null)
      .where('licenses.suspended_at', 'is', null)
      .where('licenses.expires_at', '>', clock.now().toISOString())
      .where('licenses.starts_at', '<=', clock.now().toISOString())
      .orderBy('bindings.id')
      .limit(1)
      .executeTakeFirstOrThrow();
    Object.assign(sample, {
      vendorId,
      key: bound.key,
      keyId: bound.keyId,
      customerId: bound.customer_id,
      resource: bound.resource_id,
    });
    const customers = await db
      .selectFrom('customers')
      .select(['id', 'name'])
      .where('vendor_id', '=', vendorId)
      .orderBy('id', 'desc')
      .offset(1_500)
      .limit(1)
      .executeTakeFirstOrThrow();
    sample.deepCustomerCursor = customers.id;
    sample.customerWord = customers.name.split(' ')[0].toLowerCase();
    sample.customerWords = customers.name.split(' ').slice(0, 2).join(' ').toLowerCase();
    const event = await db
      .selectFrom('events')
      .select('id')
      .where('vendor_id', '=', vendorId)
      .orderBy('id', 'desc')
      .offset(50_000)
      .limit(1)
      .executeTakeFirstOrThrow();
    sample.deepEventCursor = event.id;
    const coupon = await db
      .selectFrom('coupons')
      .select('code')
      .where('vendor_id', '=', vendorId)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(selectFrom('redemptions').select('id').whereRef('redemptions.coupon_id', '=', 'coupons.id')),
        ),
      )
      .limit(1)
      .executeTakeFirstOrThrow();
    sample.coupon = coupon.code;
    const partner = await db
      .selectFrom('partners')
      .innerJoin('customers', 'customers.partner_id', 'partners.id')
      .select(['partners.id', 'customers.id as customerId'])
      .where('partners.vendor_id', '=', vendorId)
      .limit(1)
      .executeTakeFirstOrThrow();
    sample.partnerId = partner.id;
    sample.partnerCustomerId = partner.customerId;
  }

  /**
   * A site license of the sample key with CROWD open sessions (the seeded floating licenses hold ten each): a
   * statement that reads a license's sessions to find one machine's would read them all.
   */
  async function crowdFloatingLicense() {
    const product = await api.post('/v1/products', { code: 'plan-site', name: 'Site' });
    const type = await api.post('/v1/license-types', {
      productId: product.body.id,
      name: 'Site',
      scope: 'floating',
      resourceKind: 'device',
      mode: 'subscription',
      term: { unit: 'year', count: 1 },
      maxSessions: CROWD * 2,
      capabilities: [],
    });
    const license = await api.post(`/v1/keys/${sample.keyId}/licenses`, { licenseTypeId: type.body.id });
    expect(license.status, license.text).toBe(201);
    const now = clock.now().toISOString();
    const expires = new Date(clock.now().getTime() + 3_600_000).toISOString();
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${CROWD})
      insert into sessions (id, vendor_id, license_id, key_id, resource_kind, resource_id, started_at,
        last_heartbeat_at, expires_at, ttl_seconds)
      select 'crowd-' || i, ${sample.vendorId}, ${license.body.id}, ${sample.keyId}, 'device',
        'crowd-' || i, ${now}, ${now}, ${expires}, 3600 from n`.execute(ctx.handle.db);
    await sql`update licenses set live_sessions = ${CROWD} where id = ${license.body.id}`.execute(
      ctx.handle.db,
    );
  }

  /**
   * An unlimited agent license with CROWD agents bound, on a key of its own: a statement that counts a license's
   * bindings to check it or to bind one more would read them all. (The cards and lists of that key still count
   * them for the person reading them: not a per-request path of the apps.)
   */
  async function crowdUnlimitedLicense(): Promise<{ key: string; id: string }> {
    const customer = await api.post('/v1/customers', { name: 'Agents Inc' });
    const agentsKey = await api.post('/v1/keys', { customerId: customer.body.id });
    expect(agentsKey.status, agentsKey.text).toBe(201);
    const product = await api.post('/v1/products', { code: 'plan-agents', name: 'Agents' });
    const type = await api.post('/v1/license-types', {
      productId: product.body.id,
      name: 'Agents unlimited',
      scope: 'unlimited',
      resourceKind: 'agent',
      mode: 'subscription',
      term: { unit: 'year', count: 1 },
      capabilities: [],
    });
    const license = await api.post(`/v1/keys/${agentsKey.body.id}/licenses`, { licenseTypeId: type.body.id });
    expect(license.status, license.text).toBe(201);
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${CROWD})
      insert into bindings (id, vendor_id, license_id, resource_kind, resource_id, metadata, created_at)
      select 'agent-' || i, ${sample.vendorId}, ${license.body.id}, 'agent', 'agent-' || i, '{}',
        ${clock.now().toISOString()} from n`.execute(ctx.handle.db);
    return { key: agentsKey.body.key, id: agentsKey.body.id };
  }

  /** CROWD licenses of other keys each bound to a machine called "localhost": a common fingerprint. */
  async function crowdCommonFingerprint() {
    await sql`insert into bindings (id, vendor_id, license_id, resource_kind, resource_id, metadata, created_at)
      select 'common-' || l.id, l.vendor_id, l.id, 'machine', 'localhost', '{}', ${clock.now().toISOString()}
        from licenses l where l.vendor_id = ${sample.vendorId} and l.key_id <> ${sample.keyId}
       limit ${CROWD}`.execute(ctx.handle.db);
  }

  /** Runs one path over HTTP and keeps the statements it ran; the path must have worked. */
  async function record(name: string, run: () => Promise<ApiResponse | unknown>) {
    current = [];
    const result = await run();
    if (result && typeof result === 'object' && 'status' in result) {
      const response = result as ApiResponse;
      expect(response.status, `${name}: ${response.text}`).toBeLessThan(300);
    }
    recorded.set(name, current);
    current = undefined;
  }

  it('records every hot path against the seeded dataset', async () => {
    const { key, resource } = sample;
    await record('validate a key for a product', () =>
      anon.post('/v1/validate', { key, product: 'seed-robot', nonce: 'n1' }),
    );
    await record('validate a bound resource', () =>
      anon.post('/v1/validate', { key, product: 'seed-robot', resource: { kind: 'machine', id: resource } }),
    );
    await record('validate by fingerprint', () =>
      anon.post('/v1/validate', { key, product: 'seed-robot', fingerprint: resource }),
    );
    await record('validate a floating license', () =>
      anon.post('/v1/validate', { key, product: 'seed-mobile' }),
    );
    await record('activate a machine', () =>
      anon.post('/v1/activate', {
        key,
        product: 'seed-robot',
        resource: { kind: 'machine', id: 'plan-machine' },
      }),
    );
    await record('deactivate a machine', () =>
      anon.post('/v1/deactivate', {
        key,
        product: 'seed-robot',
        resource: { kind: 'machine', id: 'plan-machine' },
      }),
    );
    const opened = await anon.post('/v1/sessions', {
      key,
      product: 'seed-mobile',
      resource: { kind: 'device', id: 'plan-device' },
    });
    await record('open a session', () =>
      anon.post('/v1/sessions', {
        key,
        product: 'seed-mobile',
        resource: { kind: 'device', id: 'plan-device-2' },
      }),
    );
    await record('heartbeat a session', () => anon.post(`/v1/sessions/${opened.body.id}/heartbeat`, {}));
    await crowdFloatingLicense();
    await record(`validate a device on a license with ${CROWD} live sessions`, () =>
      anon.post('/v1/validate', { key, product: 'plan-site', resource: { kind: 'device', id: 'newcomer' } }),
    );
    await record(`open a session on a license with ${CROWD} live sessions`, () =>
      anon.post('/v1/sessions', { key, product: 'plan-site', resource: { kind: 'device', id: 'newcomer' } }),
    );
    await record(`refresh a session on a license with ${CROWD} live sessions`, () =>
      anon.post('/v1/sessions', { key, product: 'plan-site', resource: { kind: 'device', id: 'newcomer' } }),
    );
    await record('close a session', () => anon.delete(`/v1/sessions/${opened.body.id}`));
    await record('redeem a coupon', () => anon.post('/v1/coupons/redeem', { key, coupon: sample.coupon }));

    await record('key card', async () => {
      const card = await api.get(`/v1/keys/${sample.keyId}`);
      // The card lists the sessions that run out last and counts the rest.
      expect(card.body.sessions).toHaveLength(100);
      expect(card.body.sessionsOpen).toBeGreaterThan(CROWD);
      return card;
    });
    await record('key redemptions', () => api.get(`/v1/keys/${sample.keyId}/redemptions`));
    await record('customer list', () => api.get('/v1/customers'));
    await record('customer list, deep page', () =>
      api.get(`/v1/customers?cursor=${sample.deepCustomerCursor}`),
    );
    await record('customer search by name', () => api.get(`/v1/customers?q=${sample.customerWord}`));
    await record('customer search by two words', () =>
      api.get(`/v1/customers?q=${encodeURIComponent(sample.customerWords)}`),
    );
    await record('customer search by key', () =>
      api.get(`/v1/customers?q=${encodeURIComponent(key.slice(0, 16))}`),
    );
    await record('customer search by e-mail', () => api.get('/v1/customers?q=contact777%40'));
    await record('customer card', () => api.get(`/v1/customers/${sample.customerId}`));
    await record('key list', () => api.get('/v1/keys'));
    await record('key search', () => api.get(`/v1/keys?q=${encodeURIComponent(key.slice(0, 12))}`));
    await record("a customer's keys", () => api.get(`/v1/keys?customerId=${sample.customerId}`));
    await record('events page', () => api.get('/v1/events'));
    await record('events, deep page', () => api.get(`/v1/events?cursor=${sample.deepEventCursor}`));
    await record("a key's events", () => api.get(`/v1/events?keyId=${sample.keyId}`));
    await record("a customer's events", () => api.get(`/v1/events?customerId=${sample.customerId}`));
    await record('events of a family', () => api.get('/v1/events?type=license.*'));
    await record('coupon list', () => api.get('/v1/coupons'));
    await record('service requests', () => api.get('/v1/service-requests?state=open'));

    const cabinetLogin = await anon.post('/v1/customer/auth/login', { key });
    const cabinet = anon.withHeaders({
      cookie: (cabinetLogin.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': cabinetLogin.body.csrfToken,
    });
    for (const path of ['me', 'licenses', 'devices', 'requests', 'entitlements', 'redemptions'])
      await record(`customer cabinet ${path}`, () => cabinet.get(`/v1/customer/${path}`));

    await api.post(`/v1/partners/${sample.partnerId}/users`, {
      email: `partner-${dialect}@plans.test`,
      name: 'Plan partner',
      password: 'partner-pass-1',
    });
    const partnerLogin = await anon.post('/v1/partner/auth/login', {
      email: `partner-${dialect}@plans.test`,
      password: 'partner-pass-1',
    });
    const portal = anon.withHeaders({
      cookie: (partnerLogin.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': partnerLogin.body.csrfToken,
    });
    for (const path of ['me', 'entitlements', 'orders', 'customers', 'service-requests', 'drawdowns'])
      await record(`partner portal ${path}`, () => portal.get(`/v1/partner/${path}`));
    await record('partner portal customer', () =>
      portal.get(`/v1/partner/customers/${sample.partnerCustomerId}`),
    );

    await crowdCommonFingerprint();
    await record(`validate a fingerprint bound under ${CROWD} other licenses`, () =>
      anon.post('/v1/validate', { key, product: 'seed-robot', fingerprint: 'localhost' }),
    );
    const { key: agentsKey, id: agentsKeyId } = await crowdUnlimitedLicense();
    await record(`validate an agent of a license with ${CROWD} agents`, () =>
      anon.post('/v1/validate', {
        key: agentsKey,
        product: 'plan-agents',
        resource: { kind: 'agent', id: 'agent-7' },
      }),
    );
    await record(`activate a new agent on a license with ${CROWD} agents`, () =>
      anon.post('/v1/activate', {
        key: agentsKey,
        product: 'plan-agents',
        resource: { kind: 'agent', id: 'newcomer' },
      }),
    );
    await record(`activate an agent again on a license with ${CROWD} agents`, () =>
      anon.post('/v1/activate', {
        key: agentsKey,
        product: 'plan-agents',
        resource: { kind: 'agent', id: 'agent-9' },
      }),
    );
    await record(`key card of a key with ${CROWD} agents`, async () => {
      const card = await api.get(`/v1/keys/${agentsKeyId}`);
      // The card lists the first bindings and counts them all.
      expect(card.body.bindings).toHaveLength(100);
      expect(card.body.bindingsBound).toBe(CROWD + 1);
      return card;
    });
    const agentsLogin = await anon.post('/v1/customer/auth/login', { key: agentsKey });
    const agentsCabinet = anon.withHeaders({
      cookie: (agentsLogin.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': agentsLogin.body.csrfToken,
    });
    await record(`customer cabinet devices of a key with ${CROWD} agents`, async () => {
      const devices = await agentsCabinet.get('/v1/customer/devices');
      expect(devices.body.resources).toHaveLength(100);
      expect(devices.body.resourcesBound).toBe(CROWD + 1);
      return devices;
    });
    await record(`customer cabinet licenses of a key with ${CROWD} agents`, async () => {
      const licenses = await agentsCabinet.get('/v1/customer/licenses');
      expect(licenses.body.data[0].activations).toHaveLength(100);
      expect(licenses.body.data[0].seatsUsed).toBe(CROWD + 1);
      return licenses;
    });
    // The background work: the daily reminder scan, the session reaper, the job claim, the webhook outbox claim.
    clock.advance(86_400_000);
    // Retention is left out: a daily batch whose work is the history it deletes, oldest first by an index.
    const perRequestJobs = schedulesFor(ctx.config).filter((s) => s.kind !== 'retention.prune');
    await record('background jobs (reminders, reaper, claim)', () =>
      new JobRunner(ctx, jobHandlers, perRequestJobs).tick(),
    );
    await record('webhook delivery claim', () => new DeliveryLane(ctx).tick());
    // The reaper just ended the crowd: 5,000 events for the sample key, which the statistics gathered with the
    // seed put at a handful. The plans are taken over statistics that have seen them, as autovacuum's or the statistics
    // job's would: over stale ones PostgreSQL sorts that key's events whole for one page.
    await analyze(ctx.handle);
    expect(recorded.size).toBeGreaterThan(40);
  }, 300_000);

  it('no recorded statement reads a growing table whole', async () => {
    const failures: string[] = [];
    const planned = new Map<string, StatementPlan | undefined>();
    for (const [path, statements] of recorded) {
      for (const statement of statements) {
        // Planned with each path's own values: the same statement may read little for one key and much for a
        // crowded one.
        const asked = JSON.stringify([statement.sql, statement.parameters]);
        if (!planned.has(asked))
          planned.set(asked, await planOf(ctx.handle, statement.sql, statement.parameters));
        const plan = planned.get(asked);
        if (plan?.problems.length)
          failures.push(
            `${path}: ${plan.problems.join('; ')}\n  ${plan.sql.replace(/\s+/g, ' ')}\n${plan.plan}`,
          );
      }
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
  }, 300_000);
});
