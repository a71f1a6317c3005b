import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LicenseManager, type ManagerState } from './license-manager.js';
import { JsonFileStorage } from './node.js';
import { MemoryStorage } from './storage.js';
import { DAY, payload, seal, vendorKey } from './test-support.js';

const primo = vendorKey('prmo-1');
const START = new Date('2026-01-10T00:00:00Z');

function manager(clock: { now: Date }, storage = new MemoryStorage<ManagerState>()) {
  return new LicenseManager({
    vendor: 'PRMO',
    product: 'aistudio',
    installationId: 'inst-1',
    publicKeys: { [primo.kid]: primo.publicKey },
    storage,
    clock: () => clock.now,
  }).load();
}

const platform = (days: number, over = {}) =>
  payload({
    scope: 'installation',
    capabilities: ['manage', 'build'],
    expiresAt: new Date(new Date('2026-01-01').getTime() + days * DAY).toISOString(),
    ...over,
  });
const agentLicense = (days: number) =>
  payload({
    type: 'Agent',
    scope: 'seat',
    resourceKind: 'agent',
    capabilities: ['converse'],
    expiresAt: new Date(new Date('2026-01-01').getTime() + days * DAY).toISOString(),
  });

describe('LicenseManager', () => {
  it('the admin uploads a bundle of one platform and ten agent licenses: the platform applies, agents wait unused', async () => {
    const clock = { now: START };
    const m = await manager(clock);
    const bundle = (
      await Promise.all(
        [platform(60), ...Array.from({ length: 10 }, () => agentLicense(60))].map((p) => seal(primo, p)),
      )
    ).join('');
    const report = await m.import([bundle]);
    expect(report.filter((r) => r.valid)).toHaveLength(11);
    const list = m.list();
    expect(list.filter((l) => l.state === 'activated')).toHaveLength(1);
    expect(list.filter((l) => l.state === 'unused')).toHaveLength(10);
    expect(list.every((l) => l.tenant === 'default')).toBe(true);
    expect(m.can('manage')).toBe(true);
    expect(m.can('converse', { agent: 'a1' })).toBe(false);
  });

  it('reports each invalid certificate with its reason and ignores duplicates', async () => {
    const m = await manager({ now: START });
    const good = await seal(primo, platform(60));
    const report = await m.import([
      good,
      good,
      await seal(primo, platform(60, { installationId: 'elsewhere' })),
      'garbage',
    ]);
    expect(report.map((r) => r.code)).toEqual(['VALID', 'DUPLICATE', 'WRONG_INSTALLATION', 'MALFORMED']);
    expect(m.list().find((l) => l.state === 'invalid')?.reason).toContain('WRONG_INSTALLATION');
  });

  it('a second platform license extends from the current expiry', async () => {
    const m = await manager({ now: START });
    await m.import([await seal(primo, platform(30))]);
    await m.import([await seal(primo, platform(30))]);
    const expiries = m.list().map((l) => l.expiresAt);
    expect(expiries).toEqual(['2026-01-31T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
  });

  it('a second one-year certificate ends a calendar year after the first, across 29 February', async () => {
    const m = await manager({ now: new Date('2026-11-25T00:00:00Z') });
    const year = (startsAt: string, expiresAt: string) =>
      payload({
        scope: 'installation',
        capabilities: ['manage'],
        startsAt,
        expiresAt,
        term: { unit: 'year', count: 1 },
      });
    await m.import([await seal(primo, year('2026-11-25T00:00:00.000Z', '2027-11-25T00:00:00.000Z'))]);
    await m.import([await seal(primo, year('2026-11-25T00:00:00.000Z', '2027-11-25T00:00:00.000Z'))]);
    expect(m.list().map((l) => l.expiresAt)).toEqual([
      '2027-11-25T00:00:00.000Z',
      '2028-11-25T00:00:00.000Z',
    ]);
    // A month from 31 January ends on the last day of February.
    const months = await manager({ now: new Date('2027-01-01T00:00:00Z') });
    const month = payload({
      scope: 'installation',
      capabilities: ['manage'],
      startsAt: '2027-01-01T00:00:00.000Z',
      expiresAt: '2027-01-31T00:00:00.000Z',
      term: { unit: 'day', count: 30 },
    });
    const nextMonth = payload({
      scope: 'installation',
      capabilities: ['manage'],
      startsAt: '2027-01-01T00:00:00.000Z',
      expiresAt: '2027-02-01T00:00:00.000Z',
      term: { unit: 'month', count: 1 },
    });
    await months.import([await seal(primo, month)]);
    await months.import([await seal(primo, nextMonth)]);
    expect(months.list().map((l) => l.expiresAt)).toEqual([
      '2027-01-31T00:00:00.000Z',
      '2027-02-28T00:00:00.000Z',
    ]);
  });

  it('an agent license binds once and for good, and extends that agent’s time', async () => {
    const clock = { now: START };
    const m = await manager(clock);
    await m.import([
      await seal(primo, agentLicense(30)),
      await seal(primo, agentLicense(30)),
      await seal(primo, platform(365)),
    ]);
    const [first, second] = m.list().filter((l) => l.scope === 'seat');
    await m.createAgent('sales-bot');
    await m.createAgent('support-bot');
    await m.bindAgent(first.id, 'sales-bot');
    await expect(m.bindAgent(first.id, 'support-bot')).rejects.toMatchObject({ code: 'BINDING_LOCKED' });
    await m.bindAgent(second.id, 'sales-bot');
    expect(
      m
        .list()
        .filter((l) => l.agentId === 'sales-bot')
        .map((l) => l.expiresAt),
    ).toEqual(['2026-01-31T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
    expect(m.can('converse', { agent: 'sales-bot' })).toBe(true);
    expect(m.can('converse', { agent: 'support-bot' })).toBe(false);
  });

  it('a deleted agent’s license expires', async () => {
    const m = await manager({ now: START });
    await m.import([await seal(primo, agentLicense(60))]);
    const [license] = m.list();
    await m.createAgent('bot');
    await m.bindAgent(license.id, 'bot');
    await m.deleteAgent('bot');
    expect(m.list()[0]).toMatchObject({ state: 'expired', reason: 'the agent was deleted' });
    expect(m.can('converse', { agent: 'bot' })).toBe(false);
  });

  it('platform-unlimited grants every agent while it is valid, those created before it was uploaded too', async () => {
    const clock = { now: START };
    const m = await manager(clock);
    await m.createAgent('before');
    expect(m.can('converse', { agent: 'before' })).toBe(false);
    await m.import([
      await seal(
        primo,
        payload({
          type: 'Platform (unlimited agents)',
          scope: 'unlimited',
          resourceKind: 'agent',
          capabilities: ['manage', 'build', 'converse'],
          expiresAt: '2026-02-01T00:00:00.000Z',
        }),
      ),
    ]);
    expect(m.can('converse', { agent: 'before' })).toBe(true);
    expect(m.agents().find((a) => a.id === 'before')?.coveredBy).toBeTruthy();
    await m.createAgent('early');
    expect(m.can('converse', { agent: 'early' })).toBe(true);
    clock.now = new Date('2026-02-05T00:00:00Z');
    await m.createAgent('late');
    expect(m.can('converse', { agent: 'late' })).toBe(false);
    expect(m.can('converse', { agent: 'early' })).toBe(false);
    expect(m.can('converse', { agent: 'before' })).toBe(false);
  });

  it('what expires stops what it allows: platform expired → no management but agents still talk; only agents → no flow editing', async () => {
    const clock = { now: START };
    const m = await manager(clock);
    await m.import([await seal(primo, platform(30)), await seal(primo, agentLicense(90))]);
    await m.createAgent('bot');
    await m.bindAgent(m.list().find((l) => l.scope === 'seat')!.id, 'bot');
    expect(m.can('build')).toBe(true);
    clock.now = new Date('2026-02-15T00:00:00Z');
    expect(m.can('manage')).toBe(false);
    expect(m.can('build')).toBe(false);
    expect(m.can('converse', { agent: 'bot' })).toBe(true);
    clock.now = new Date('2026-04-15T00:00:00Z');
    expect(m.can('converse', { agent: 'bot' })).toBe(false);
  });

  it('licenses serve one tenant each: issued to a tenant, not usable by another', async () => {
    const m = await manager({ now: START });
    await m.import([await seal(primo, platform(60)), await seal(primo, platform(60))]);
    const [a, b] = m.list();
    await m.issueToTenant(b.id, 'sales');
    expect(m.can('manage', { tenant: 'sales' })).toBe(true);
    expect(m.can('manage', { tenant: 'support' })).toBe(false);
    await expect(m.issueToTenant(b.id, 'support')).rejects.toMatchObject({ code: 'TENANT_LOCKED' });
    expect(m.list().find((l) => l.id === a.id)?.tenant).toBe('default');
  });

  it('reminds at 45, 30, 15 and each of the last 7 days', async () => {
    const m = await manager({ now: START });
    await m.import([await seal(primo, platform(100))]);
    const expiry = new Date(m.list()[0].expiresAt!).getTime();
    const due: number[] = [];
    for (let day = 60; day >= 1; day--) {
      for (const reminder of m.reminders(new Date(expiry - day * DAY))) due.push(reminder.daysLeft);
    }
    expect(due).toEqual([45, 30, 15, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('refuses everything after the clock was turned back', async () => {
    const clock = { now: START };
    const m = await manager(clock);
    await m.import([await seal(primo, platform(60))]);
    clock.now = new Date(START.getTime() + 10 * DAY);
    expect(m.can('manage')).toBe(true);
    clock.now = START;
    expect(m.can('manage')).toBe(false);
    expect(m.list()[0].reason).toContain('CLOCK_ROLLBACK');
  });

  it('keeps its state in a JSON file that survives a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-sdk-'));
    try {
      const file = path.join(dir, 'licenses.json');
      const first = await manager({ now: START }, new JsonFileStorage(file));
      await first.import([await seal(primo, agentLicense(60))]);
      await first.createAgent('bot');
      await first.bindAgent(first.list()[0].id, 'bot');
      const again = await manager({ now: START }, new JsonFileStorage(file));
      expect(again.list()[0]).toMatchObject({ agentId: 'bot', state: 'activated' });
      expect(fs.readdirSync(dir)).toEqual(['licenses.json']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps nothing it has not verified: an edited state file grants no capability, time or license', async () => {
    const clock = { now: START };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-state-'));
    const file = path.join(dir, 'licenses.json');
    const storage = () => new JsonFileStorage<ManagerState>(file);
    const m = await manager(clock, storage());
    await m.import([await seal(primo, platform(30))]);
    expect(m.can('manage')).toBe(true);
    expect(m.can('export')).toBe(false);

    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as ManagerState;
    state.licenses[0].payload.capabilities.push('export');
    state.licenses[0].effectiveExpiry = '2099-01-01T00:00:00.000Z';
    state.licenses[0].payload.expiresAt = '2099-01-01T00:00:00.000Z';
    state.licenses.push({
      ...state.licenses[0],
      id: 'forged',
      file: 'none',
      payload: { ...state.licenses[0].payload, id: 'forged', capabilities: ['publish'] },
    });
    fs.writeFileSync(file, JSON.stringify(state));

    const reloaded = await manager(clock, storage());
    expect(reloaded.can('export')).toBe(false);
    expect(reloaded.can('publish')).toBe(false);
    expect(reloaded.can('manage')).toBe(true);
    clock.now = new Date(START.getTime() + 40 * DAY); // past the signed 30 days, before the edited 2099
    expect(reloaded.can('manage')).toBe(false);
    expect(reloaded.list().find((l) => l.id === 'forged')).toBeUndefined();
  });

  it('a file past its own fileExpiresAt stops granting at the next check, not only at import', async () => {
    const clock = { now: START };
    const m = await manager(clock);
    await m.import([
      await seal(primo, platform(365, { fileExpiresAt: new Date(START.getTime() + 5 * DAY).toISOString() })),
    ]);
    expect(m.can('manage')).toBe(true);
    clock.now = new Date(START.getTime() + 6 * DAY);
    expect(m.can('manage')).toBe(false);
    expect(m.list()[0]).toMatchObject({ state: 'expired' });
  });
});
