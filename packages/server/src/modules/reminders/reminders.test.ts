import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.js';
import type { AppContext } from '../../platform/context.js';
import { createContext, createJobRunner } from '../../server.js';
import { DIALECTS } from '../../test-support/databases.js';
import {
  createCustomerWithKey,
  createLicenseType,
  createProduct,
  issue,
} from '../../test-support/fixtures.js';
import { startSmtpServer } from '../../test-support/smtp.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { scanReminders } from './reminders.service.js';

const DAY = 86_400_000;

describe.each(DIALECTS)('expiry reminders on %s', (dialect) => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let server: TestServer;
  let second: AppContext;
  const clock = new ManualClock(new Date('2026-03-01T00:30:00Z'));
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer(dialect, {
      clock,
      config: { smtpUrl: smtp.url, publicUrl: 'https://lic.example.test' },
    });
    // A second runner with its own connections on PostgreSQL; SQLite runners share the process's connection.
    second = dialect === 'postgres' ? await createContext(server.store.config, clock) : server.ctx;
  });
  afterAll(async () => {
    if (second !== server.ctx) await second.handle.close();
    await server.close();
    await smtp.close();
  });

  it('two runners over 60 days send each threshold once, one e-mail per recipient per day listing every license due', async () => {
    const product = await createProduct(server.api, 'platform');
    const type = await createLicenseType(server.api, product.id, {
      scope: 'installation',
      term: { unit: 'day', count: 50 },
    });
    const partnerId = (await server.api.post('/v1/partners', { name: 'Reseller' })).body.id;
    await server.api.post(`/v1/partners/${partnerId}/users`, {
      email: 'partner@reseller.test',
      name: 'P',
      password: 'partner-pass-1',
      language: 'en',
    });
    const holder = await createCustomerWithKey(server.api, 'Bot Factory');
    await server.api.patch(`/v1/customers/${holder.customerId}`, {
      email: 'admin@botfactory.test',
      partnerId,
      language: 'ru', // the customer reads Russian; the partner user English
    });
    const first = await issue(server.api, holder.keyId, type.id); // expires in 50 days
    const later = await issue(server.api, holder.keyId, type.id, {
      startsAt: new Date(clock.now().getTime() + 5 * DAY).toISOString(),
    }); // in 55

    const runners = [createJobRunner(server.ctx), createJobRunner(second)];
    for (let day = 0; day <= 60; day++) {
      await Promise.all(runners.map((runner) => runner.drain()));
      clock.advance(DAY);
    }

    const customerMail = smtp.received.filter((m) => m.to.includes('admin@botfactory.test'));
    const partnerMail = smtp.received.filter((m) => m.to.includes('partner@reseller.test'));
    // Thresholds 45, 30, 15, 7…1 and 0 for each license; the two are five days apart, so on some days both are due.
    const thresholdDays = (offset: number) => [45, 30, 15, 7, 6, 5, 4, 3, 2, 1, 0].map((t) => offset - t);
    const dueDays = new Set([...thresholdDays(50), ...thresholdDays(55)]);
    expect(customerMail).toHaveLength(dueDays.size);
    expect(partnerMail).toHaveLength(dueDays.size);
    expect(customerMail[0].subject).toBe('Лицензии истекают: 1 — пора продлить');
    expect(partnerMail[0].subject).toBe('Licenses expiring: 1 — time to renew');
    expect(partnerMail[0].text).toContain('45 day(s) left');
    // The key logs into the customer cabinet: mails show it masked.
    for (const mail of [...customerMail, ...partnerMail]) expect(mail.text).not.toContain(holder.key);
    const [prefix, ...rest] = holder.key.split('-');
    expect(partnerMail[0].text).toContain(`${prefix}-…-${rest.at(-1)}`);
    const both = partnerMail.find((m) => m.subject === 'Licenses expiring: 2 — time to renew');
    expect(both?.text).toContain('https://lic.example.test/customer');

    const db = server.ctx.handle.db;
    for (const license of [first, later]) {
      const marks = await db
        .selectFrom('reminders_sent')
        .select('threshold')
        .where('license_id', '=', license.id)
        .execute();
      expect(marks.map((m) => m.threshold).sort((a, b) => b - a)).toEqual([
        45, 30, 15, 7, 6, 5, 4, 3, 2, 1, 0,
      ]);
    }
    const events = (await server.api.get(`/v1/events?keyId=${holder.keyId}&type=license.expiring&limit=100`))
      .body.data;
    expect(events).toHaveLength(22);
    expect(events.at(-1).after).toMatchObject({ daysLeft: 45, threshold: 45 });
  });

  it('the vendor sets its own reminder days', async () => {
    expect((await server.api.get('/v1/vendor/settings')).body.reminderDays).toEqual([
      45, 30, 15, 7, 6, 5, 4, 3, 2, 1, 0,
    ]);
    const updated = await server.api.patch('/v1/vendor/settings', { reminderDays: [1, 10, 60] });
    expect(updated.body.reminderDays).toEqual([60, 10, 1]);
    const support = server.anon.withToken(
      (await server.api.post('/v1/tokens', { name: 's', role: 'support' })).body.token,
    );
    expect((await support.patch('/v1/vendor/settings', { reminderDays: [5] })).status).toBe(403);
    expect((await server.api.patch('/v1/vendor/settings', { reminderDays: [] })).status).toBe(400);
    const product = await createProduct(server.api);
    const type = await createLicenseType(server.api, product.id, {
      scope: 'installation',
      term: { unit: 'day', count: 10 },
    });
    const holder = await createCustomerWithKey(server.api);
    const license = await issue(server.api, holder.keyId, type.id);
    await createJobRunner(server.ctx).drain();
    clock.advance(86_400_000);
    await createJobRunner(server.ctx).drain();
    const marks = await server.ctx.handle.db
      .selectFrom('reminders_sent')
      .select('threshold')
      .where('license_id', '=', license.id)
      .execute();
    expect(marks.map((m) => m.threshold)).toEqual([10]);
  });

  it('after a scan, only what crossed a day is read; raised or added days and new licenses still catch up once', async () => {
    await server.api.patch('/v1/vendor/settings', { reminderDays: [30, 7] });
    const product = await createProduct(server.api);
    const type = await createLicenseType(server.api, product.id, {
      scope: 'installation',
      term: { unit: 'day', count: 20 },
    });
    const holder = await createCustomerWithKey(server.api);
    const inBand = await issue(server.api, holder.keyId, type.id); // 20 days left: due at 30 at once
    const thresholds = async (licenseId: string) =>
      (
        await server.ctx.handle.db
          .selectFrom('reminders_sent')
          .select('threshold')
          .where('license_id', '=', licenseId)
          .execute()
      )
        .map((m) => m.threshold)
        .sort((a, b) => b - a);
    const nextDay = async (days = 1) => {
      for (let day = 0; day < days; day++) {
        clock.advance(DAY);
        await createJobRunner(server.ctx).drain();
      }
    };
    await nextDay();
    expect(await thresholds(inBand.id)).toEqual([30]);

    // Quiet days: nothing crossed a day, and the scans mark nothing new.
    await nextDay(2);
    expect(await thresholds(inBand.id)).toEqual([30]);
    // A license issued between scans is caught by the next one.
    const issued = await issue(server.api, holder.keyId, type.id);
    await nextDay();
    expect(await thresholds(issued.id)).toEqual([30]);
    // The vendor adds 15 when one license is already past it: it catches up once, at the next scan.
    await nextDay(3);
    expect(await thresholds(inBand.id)).toEqual([30]);
    await server.api.patch('/v1/vendor/settings', { reminderDays: [30, 15, 7] });
    await nextDay();
    expect(await thresholds(inBand.id)).toEqual([30, 15]);
    expect(await thresholds(issued.id)).toEqual([30, 15]);
    await nextDay();
    expect(await thresholds(inBand.id)).toEqual([30, 15]);
  });

  it('each vendor mails its own reminders, in each customer’s language, in a few queries however many holders', async () => {
    const beta = server.anon.withToken(
      (await server.addVendor(`B${dialect === 'sqlite' ? 'SQL' : 'PGS'}`)).token,
    );
    const mailsBefore = smtp.received.length;
    const expiring = async (client: typeof beta, customer: string, language: 'en' | 'ru') => {
      const product = await createProduct(client);
      const type = await createLicenseType(client, product.id, {
        scope: 'installation',
        term: { unit: 'day', count: 3 },
      });
      const holder = await createCustomerWithKey(client, customer);
      await client.patch(`/v1/customers/${holder.customerId}`, { email: 'it@both.test', language });
      await issue(client, holder.keyId, type.id);
    };
    await server.api.patch('/v1/vendor/settings', { reminderDays: [7] });
    await expiring(server.api, 'Acme client', 'en');
    await expiring(beta, 'Beta client', 'ru');
    // Thirty more customers, each with a partner of its own: the recipients are read in batches.
    for (let i = 0; i < 30; i++) {
      const partner = (await server.api.post('/v1/partners', { name: `Partner ${i}` })).body;
      await server.api.post(`/v1/partners/${partner.id}/users`, {
        email: `p${i}-${dialect}@partners.test`,
        name: 'P',
        password: 'partner-pass-1',
      });
      const product = await createProduct(server.api);
      const type = await createLicenseType(server.api, product.id, {
        scope: 'installation',
        term: { unit: 'day', count: 3 },
      });
      const holder = await createCustomerWithKey(server.api, `Client ${i}`);
      await server.api.patch(`/v1/customers/${holder.customerId}`, { partnerId: partner.id });
      await issue(server.api, holder.keyId, type.id);
    }
    const statements: string[] = [];
    server.ctx.handle.observer = (sql) => statements.push(sql);
    clock.advance(DAY);
    const due = await scanReminders(server.ctx);
    server.ctx.handle.observer = undefined;
    expect(due).toBeGreaterThanOrEqual(32);
    expect(statements.filter((s) => /from "(partner_users|users)"/.test(s)).length).toBeLessThanOrEqual(4);
    await createJobRunner(server.ctx).drain();

    const toBoth = smtp.received.slice(mailsBefore).filter((m) => m.to.includes('it@both.test'));
    expect(toBoth.map((m) => m.subject).sort()).toEqual([
      'Licenses expiring: 1 — time to renew',
      'Лицензии истекают: 1 — пора продлить',
    ]);
    expect(toBoth.find((m) => m.subject.startsWith('Licenses'))?.text).toContain('Acme client');
    expect(toBoth.find((m) => m.subject.startsWith('Лицензии'))?.text).toContain('Beta client');
  });
});
