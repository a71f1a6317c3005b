import { decodeLicenseFile } from '@licensor/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import { createLicenseType, createProduct } from '../../test-support/fixtures.js';
import type { ApiClient } from '../../test-support/http-client.js';
import { startSmtpServer } from '../../test-support/smtp.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

describe.each(DIALECTS)('the partner channel on %s', (dialect) => {
  let server: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let partnerId: string;
  let partner: ApiClient;
  let order: any;
  let botType: string;
  let roomType: string;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(dialect, {
      config: { smtpUrl: smtp.url, publicUrl: 'https://lic.example.test' },
    });
    const product = await createProduct(server.api, 'robot');
    botType = (
      await createLicenseType(server.api, product.id, { scope: 'seat', resourceKind: 'robot', maxSeats: 1 })
    ).id;
    roomType = (await createLicenseType(server.api, product.id, { scope: 'installation' })).id;
    partnerId = (await server.api.post('/v1/partners', { name: 'Reseller One' })).body.id;
    await server.api.post(`/v1/partners/${partnerId}/users`, {
      email: 'sales@reseller.test',
      name: 'Rita',
      password: 'partner-pass-1',
      language: 'ru',
    });
    order = (
      await server.api.post('/v1/orders', {
        account: { type: 'partner', id: partnerId },
        reference: 'PO-1',
        items: [
          { licenseTypeId: botType, quantity: 10 },
          { licenseTypeId: roomType, quantity: 2 },
        ],
      })
    ).body;
    const login = await server.anon.post('/v1/partner/auth/login', {
      email: 'sales@reseller.test',
      password: 'partner-pass-1',
    });
    expect(login.status).toBe(200);
    partner = server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': login.body.csrfToken,
    });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const deliver = () => createJobRunner(server.ctx).drain();
  const available = (entitlements: any, typeId: string) =>
    entitlements.data.find((e: { licenseTypeId: string }) => e.licenseTypeId === typeId)?.available ?? 0;

  it('walks seed 002: request, rejection with a reason, clone, approval, acceptance, then a license from the entitlements', async () => {
    expect(available((await partner.get('/v1/partner/entitlements')).body, botType)).toBe(10);
    const [botLine, roomLine] = order.items;

    const created = await partner.post('/v1/partner/drawdowns', {
      orderId: order.id,
      customer: {
        name: 'Factory Ltd',
        website: 'https://factory.test',
        contactName: 'Fedor',
        email: 'fedor@factory.test',
      },
      items: [{ orderItemId: botLine.id, quantity: 15 }],
    });
    expect(created.body.error.code).toBe('INSUFFICIENT_ENTITLEMENT');

    const request = (
      await partner.post('/v1/partner/drawdowns', {
        orderId: order.id,
        customer: {
          name: 'Factory Ltd',
          website: 'https://factory.test',
          contactName: 'Fedor',
          email: 'fedor@factory.test',
        },
        items: [{ orderItemId: botLine.id, quantity: 4 }],
      })
    ).body;
    expect(request.state).toBe('submitted');
    await deliver();
    const toVendor = smtp.received.find((m) => m.subject.includes(request.reference));
    expect(toVendor?.to).toEqual([server.vendor.owner.email]);
    expect(toVendor?.text).toContain(`https://lic.example.test/drawdowns/${request.id}`);

    expect(
      (await server.api.get('/v1/drawdowns?state=submitted')).body.data.map((d: { id: string }) => d.id),
    ).toContain(request.id);
    const rejected = await server.api.post(`/v1/drawdowns/${request.id}/actions/reject`, {
      reason: 'Wrong quantity: the customer bought 5',
    });
    expect(rejected.body.state).toBe('rejected');
    await deliver();
    const toPartner = smtp.received.find((m) => m.to.includes('sales@reseller.test'));
    expect(toPartner?.text).toContain(`https://lic.example.test/partner/drawdowns/${request.id}`);
    // In Russian, the partner user's language, with the reason.
    expect(toPartner?.subject).toBe(`Запрос на передачу ${request.reference} отклонён`);
    expect(toPartner?.text).toContain('Причина: Wrong quantity: the customer bought 5');
    expect((await partner.get(`/v1/partner/drawdowns/${request.id}`)).body.rejectionReason).toBe(
      'Wrong quantity: the customer bought 5',
    );
    expect((await partner.post(`/v1/partner/drawdowns/${request.id}/actions/accept`)).body.error.code).toBe(
      'INVALID_TRANSITION',
    );

    const clone = (await partner.post(`/v1/partner/drawdowns/${request.id}/actions/clone`)).body;
    expect(clone).toMatchObject({ state: 'draft', clonedFrom: request.id });
    const fixed = await partner.patch(`/v1/partner/drawdowns/${clone.id}`, {
      orderId: order.id,
      customer: clone.newCustomer,
      items: [
        { orderItemId: botLine.id, quantity: 5 },
        { orderItemId: roomLine.id, quantity: 1 },
      ],
    });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    expect((await partner.post(`/v1/partner/drawdowns/${clone.id}/actions/submit`)).body.state).toBe(
      'submitted',
    );
    expect((await server.api.post(`/v1/drawdowns/${clone.id}/actions/approve`)).body.state).toBe('approved');
    const accepted = (await partner.post(`/v1/partner/drawdowns/${clone.id}/actions/accept`)).body;
    expect(accepted.state).toBe('accepted');

    const own = (await partner.get('/v1/partner/entitlements')).body;
    expect(available(own, botType)).toBe(5);
    const customerView = (await partner.get(`/v1/partner/entitlements?customerId=${accepted.customerId}`))
      .body;
    expect(customerView.data.map((e: any) => [e.licenseTypeId, e.received, e.available])).toEqual(
      expect.arrayContaining([
        [botType, 5, 5],
        [roomType, 1, 1],
      ]),
    );
    expect(
      (await partner.get('/v1/partner/customers')).body.data.map((c: { name: string }) => c.name),
    ).toContain('Factory Ltd');

    const cloud = await partner.post(`/v1/partner/customers/${accepted.customerId}/licenses`, {
      licenseTypeId: roomType,
      delivery: 'cloud',
      installationId: '8b1f7a52-control-room',
    });
    expect(cloud.status, JSON.stringify(cloud.body)).toBe(201);
    expect(cloud.body.license).toMatchObject({ scope: 'installation', status: 'active', seatsUsed: 1 });
    const file = await partner.post(`/v1/partner/customers/${accepted.customerId}/licenses`, {
      licenseTypeId: botType,
      delivery: 'file',
      installationId: 'inst-1',
    });
    expect(decodeLicenseFile(file.body.file.content)).toBeDefined();
    const after = (
      await server.api.get(`/v1/entitlements?accountType=customer&accountId=${accepted.customerId}`)
    ).body;
    expect(available(after, roomType)).toBe(0);
    expect(available(after, botType)).toBe(4);
    const noMore = await partner.post(`/v1/partner/customers/${accepted.customerId}/licenses`, {
      licenseTypeId: roomType,
      delivery: 'cloud',
      installationId: 'x',
    });
    expect(noMore.body.error.code).toBe('INSUFFICIENT_ENTITLEMENT');
  });

  it('accepting the same request twice at once transfers once', async () => {
    const [botLine] = order.items;
    const customer = (await server.api.post('/v1/customers', { name: 'Twice Inc', partnerId })).body;
    const request = (
      await partner.post('/v1/partner/drawdowns', {
        orderId: order.id,
        customer: { id: customer.id },
        items: [{ orderItemId: botLine.id, quantity: 1 }],
      })
    ).body;
    await server.api.post(`/v1/drawdowns/${request.id}/actions/approve`);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => partner.post(`/v1/partner/drawdowns/${request.id}/actions/accept`)),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(
      answers.filter((a) => a.status === 409).every((a) => a.body.error.code === 'INVALID_TRANSITION'),
    ).toBe(true);
    const view = (await partner.get(`/v1/partner/entitlements?customerId=${customer.id}`)).body;
    expect(available(view, botType)).toBe(1);
  });

  it('a balance never goes negative when 20 licenses are issued at once from 3 entitlements', async () => {
    const customer = (await server.api.post('/v1/customers', { name: 'Racer', partnerId })).body;
    await server.api.post('/v1/orders', {
      account: { type: 'customer', id: customer.id },
      items: [{ licenseTypeId: botType, quantity: 3 }],
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        partner.post(`/v1/partner/customers/${customer.id}/licenses`, {
          licenseTypeId: botType,
          delivery: 'cloud',
          installationId: `pc-${i}`,
        }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(
      answers.filter((a) => a.status !== 201).every((a) => a.body.error.code === 'INSUFFICIENT_ENTITLEMENT'),
    ).toBe(true);
    const view = (await server.api.get(`/v1/entitlements?accountType=customer&accountId=${customer.id}`))
      .body;
    expect(view.data[0]).toMatchObject({ purchased: 3, allocated: 3, available: 0 });
  });

  it('a partner gets 404 for another partner’s customers, orders and requests', async () => {
    const otherPartner = (await server.api.post('/v1/partners', { name: 'Other reseller' })).body.id;
    const theirCustomer = (
      await server.api.post('/v1/customers', { name: 'Not yours', partnerId: otherPartner })
    ).body;
    const theirOrder = (
      await server.api.post('/v1/orders', {
        account: { type: 'partner', id: otherPartner },
        items: [{ licenseTypeId: botType, quantity: 5 }],
      })
    ).body;
    await server.api.post(`/v1/partners/${otherPartner}/users`, {
      email: 'other@reseller.test',
      name: 'O',
      password: 'partner-pass-2',
    });
    const login = await server.anon.post('/v1/partner/auth/login', {
      email: 'other@reseller.test',
      password: 'partner-pass-2',
    });
    const other = server.anon.withHeaders({
      cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
      'x-csrf-token': login.body.csrfToken,
    });
    const theirRequest = (
      await other.post('/v1/partner/drawdowns', {
        orderId: theirOrder.id,
        customer: { id: theirCustomer.id },
        items: [{ orderItemId: theirOrder.items[0].id, quantity: 1 }],
      })
    ).body;

    const attempts: [string, string, unknown?][] = [
      ['GET', `/v1/partner/customers/${theirCustomer.id}`],
      ['GET', `/v1/partner/entitlements?customerId=${theirCustomer.id}`],
      [
        'POST',
        `/v1/partner/customers/${theirCustomer.id}/licenses`,
        { licenseTypeId: botType, delivery: 'cloud', installationId: 'x' },
      ],
      ['GET', `/v1/partner/drawdowns/${theirRequest.id}`],
      ['POST', `/v1/partner/drawdowns/${theirRequest.id}/actions/accept`],
      ['POST', `/v1/partner/drawdowns/${theirRequest.id}/actions/clone`],
      [
        'PATCH',
        `/v1/partner/drawdowns/${theirRequest.id}`,
        {
          orderId: order.id,
          customer: { name: 'x' },
          items: [{ orderItemId: order.items[0].id, quantity: 1 }],
        },
      ],
      [
        'POST',
        '/v1/partner/drawdowns',
        {
          orderId: theirOrder.id,
          customer: { name: 'x' },
          items: [{ orderItemId: theirOrder.items[0].id, quantity: 1 }],
        },
      ],
      [
        'POST',
        '/v1/partner/drawdowns',
        {
          orderId: order.id,
          customer: { id: theirCustomer.id },
          items: [{ orderItemId: order.items[0].id, quantity: 1 }],
        },
      ],
    ];
    for (const [method, path, body] of attempts) {
      const response = await partner.request(method, path, body);
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    const orders = (await partner.get('/v1/partner/orders')).body.data.map((o: { id: string }) => o.id);
    expect(orders).not.toContain(theirOrder.id);
    expect(
      (await partner.get('/v1/partner/drawdowns')).body.data.map((d: { id: string }) => d.id),
    ).not.toContain(theirRequest.id);
    // A partner's cookie opens nothing in the vendor cabinet.
    expect((await partner.get('/v1/orders')).status).toBe(401);
  });

  it('the partner and the vendor page through every request to the last, newest first', async () => {
    const [botLine] = order.items;
    for (let i = 0; i < 3; i++)
      await partner.post('/v1/partner/drawdowns', {
        orderId: order.id,
        customer: { name: `Paged ${i}`, website: `https://paged-${i}.test` },
        items: [{ orderItemId: botLine.id, quantity: 1 }],
      });
    const walk = async (client: typeof partner, path: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = (
          await client.get(
            `${path}${path.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          )
        ).body;
        expect(page.data.length).toBeLessThanOrEqual(2);
        ids.push(...page.data.map((d: { id: string }) => d.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    const partnerIds = await walk(partner, '/v1/partner/drawdowns');
    expect(partnerIds.length).toBeGreaterThanOrEqual(3);
    expect([...partnerIds].sort().reverse()).toEqual(partnerIds);
    expect(new Set(partnerIds).size).toBe(partnerIds.length);
    const vendorIds = await walk(server.api, '/v1/drawdowns');
    expect(vendorIds).toEqual(expect.arrayContaining(partnerIds));
    expect((await server.api.get('/v1/drawdowns?limit=0')).status).toBe(400);
  });

  it('the partner pages its customers by name to the last and searches them; another partner’s never show', async () => {
    const other = (await server.api.post('/v1/partners', { name: 'Paging rival' })).body.id;
    for (const name of ['Zeta Mills', 'Alpha Farms', 'Mid Works', 'Beta Mills'])
      await server.api.post('/v1/customers', { name, partnerId });
    await server.api.post('/v1/customers', { name: 'Alpha Rival Mills', partnerId: other });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await partner.get(
          `/v1/partner/customers?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        )
      ).body;
      expect(page.data, JSON.stringify(page)).toBeDefined();
      expect(page.data.length).toBeLessThanOrEqual(2);
      names.push(...page.data.map((c: { name: string }) => c.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['Zeta Mills', 'Alpha Farms', 'Mid Works', 'Beta Mills']));
    expect(names).not.toContain('Alpha Rival Mills');
    const found = (await partner.get('/v1/partner/customers?q=mills')).body.data.map(
      (c: { name: string }) => c.name,
    );
    expect(found).toEqual(['Beta Mills', 'Zeta Mills']);
    const bad = await partner.get('/v1/partner/customers?cursor=not-a-cursor');
    expect([bad.status, bad.body.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
