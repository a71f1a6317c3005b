import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';
import { customerTerms, keyTerms } from './search-terms.js';

describe('search terms', () => {
  it('are the lower-cased words of the name, contact and e-mail, in any script', () => {
    expect(
      customerTerms({
        name: 'ООО «Ромашка» Hewlett-Packard',
        contact_name: null,
        email: 'Info@My-Company.com',
      }),
    ).toEqual(['ооо', 'ромашка', 'hewlett', 'packard', 'info', 'my', 'company', 'com']);
  });
  it('of a key are its body from each group on', () => {
    expect(keyTerms('ACME-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE')).toEqual([
      'aaaaabbbbbcccccdddddeeeee',
      'bbbbbcccccdddddeeeee',
      'cccccdddddeeeee',
      'dddddeeeee',
      'eeeee',
    ]);
  });
});

describe.each(DIALECTS)('customer and key search on %s', (dialect) => {
  let server: TestServer;
  const ids: Record<string, string> = {};
  let key = '';

  const names = async (q: string) =>
    (await server.api.get(`/v1/customers?q=${encodeURIComponent(q)}`)).body.data.map(
      (c: { name: string }) => c.name,
    );
  const keys = async (q: string) =>
    (await server.api.get(`/v1/keys?q=${encodeURIComponent(q)}`)).body.data.map(
      (k: { key: string }) => k.key,
    );

  beforeAll(async () => {
    server = await startTestServer(dialect);
    const add = async (body: Record<string, string>) =>
      (await server.api.post('/v1/customers', body)).body.id;
    ids.hp = await add({
      name: 'Hewlett-Packard Enterprise',
      email: 'info@my-company.com',
      contactName: 'Anna Maria',
    });
    ids.romashka = await add({ name: 'ООО Ромашка', email: 'buh@romashka.ru' });
    ids.northwind = await add({ name: 'Northwind Traders', contactName: 'Nancy Davolio' });
    ids.symbols = await add({ name: '---' });
    key = (await server.api.post('/v1/keys', { customerId: ids.northwind })).body.key;
  });
  afterAll(() => server.close());

  it('a vendor finds customers by the start of any word of name, contact or e-mail, in any case and script', async () => {
    expect(await names('north')).toEqual(['Northwind Traders']);
    expect(await names('TRADERS north')).toEqual(['Northwind Traders']);
    expect(await names('hewlett-packard')).toEqual(['Hewlett-Packard Enterprise']);
    expect(await names('my-company')).toEqual(['Hewlett-Packard Enterprise']);
    expect(await names('info@my-company.com')).toEqual(['Hewlett-Packard Enterprise']);
    expect(await names('anna-maria')).toEqual(['Hewlett-Packard Enterprise']);
    expect(await names('ромаш')).toEqual(['ООО Ромашка']);
    expect(await names('РОМАШКА.RU')).toEqual(['ООО Ромашка']);
    expect(await names('nothing-like-this')).toEqual([]);
    expect(await names('@@@')).toEqual([]);
  });

  it('a vendor finds a customer by its license key, whole or a run of its groups, with or without dashes', async () => {
    const groups = key.split('-');
    for (const q of [
      key,
      key.toLowerCase(),
      key.replace(/-/g, ''),
      groups.slice(1).join('-'),
      `${groups[0]}-${groups[1]}-${groups[2].slice(0, 2)}`,
      groups.slice(2, 4).join('-'),
      groups[3],
    ])
      expect(await names(q), q).toEqual(['Northwind Traders']);
    expect(await keys(groups.slice(2, 5).join('-'))).toEqual([key]);
    expect(await keys('northwind')).toEqual([]);
  });

  it('search follows edits: a renamed customer and a key moved to another customer', async () => {
    await server.api.patch(`/v1/customers/${ids.romashka}`, { name: 'ООО Василёк' });
    expect(await names('ромашка')).toEqual([]);
    expect(await names('василёк')).toEqual(['ООО Василёк']);
    expect(await names('romashka')).toEqual(['ООО Василёк']); // still its e-mail
    await server.api.patch(`/v1/customers/${ids.romashka}`, { email: 'buh@vasilek.ru' });
    expect(await names('romashka')).toEqual([]);

    const keyId = (await server.api.get(`/v1/keys?customerId=${ids.northwind}`)).body.data[0].id;
    expect((await server.api.patch(`/v1/keys/${keyId}`, { customerId: ids.hp })).status).toBe(200);
    expect(await names(key)).toEqual(['Hewlett-Packard Enterprise']);
    expect(await names('northwind')).toEqual(['Northwind Traders']);
  });

  it("a search among one customer's keys is not cut short by other customers' newer keys", async () => {
    const mine = (await server.api.post('/v1/customers', { name: 'Key Owner' })).body.id;
    const key = (await server.api.post('/v1/keys', { customerId: mine })).body.key as string;
    const others = (await server.api.post('/v1/customers', { name: 'Many Keys' })).body.id;
    for (let i = 0; i < 64; i++) await server.api.post('/v1/keys', { customerId: others });
    // One symbol of a group: some of the 64 newer keys have a group starting with it too.
    const q = `${key.slice(0, 5)}${key[5]}`;
    expect((await server.api.get(`/v1/keys?q=${q}`)).body.data.length).toBeGreaterThan(1);
    const found = await server.api.get(`/v1/keys?customerId=${mine}&q=${q}&limit=1`);
    expect(found.body.data.map((k: { key: string }) => k.key)).toEqual([key]);
  });

  it('a customer matching a word several times takes one place on a page', async () => {
    await server.api.post('/v1/customers', { name: 'Alan Ashford' });
    await server.api.post('/v1/customers', { name: 'Alice Adams', contactName: 'Ann Archer' });
    const first = await server.api.get('/v1/customers?q=a&limit=1');
    expect(first.body.data.map((c: { name: string }) => c.name)).toEqual(['Alice Adams']);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await server.api.get(`/v1/customers?q=a&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((c: { name: string }) => c.name)).toEqual(['Alan Ashford']);
    // Words of customers are not keys: a key search by a word finds no key, not an empty page cut short.
    expect((await server.api.get('/v1/keys?q=a')).status).toBe(200);
  });

  it('search pages to the end with the cursor', async () => {
    for (let i = 0; i < 5; i++) await server.api.post('/v1/customers', { name: `Paged Customer ${i}` });
    const first = await server.api.get('/v1/customers?q=paged&limit=3');
    expect(first.body.data).toHaveLength(3);
    const second = await server.api.get(`/v1/customers?q=paged&limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.data).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.data, ...second.body.data].map((c: { name: string }) => c.name)).toEqual(
      [4, 3, 2, 1, 0].map((i) => `Paged Customer ${i}`),
    );
  });

  it('a vendor pages through customers by name to the end, equal names included, and a search keeps the order', async () => {
    for (const name of ['Sorted Delta', 'Sorted alpha', 'Sorted Bravo', 'Sorted Bravo', 'Sorted Charlie'])
      await server.api.post('/v1/customers', { name });
    const whole = (await server.api.get('/v1/customers?sort=name&limit=200&q=sorted')).body;
    expect(whole.nextCursor).toBeNull();
    const names = whole.data.map((c: { name: string }) => c.name);
    expect(names).toHaveLength(5);
    expect(names.filter((n: string) => n === 'Sorted Bravo')).toHaveLength(2);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (
        await server.api.get(`/v1/customers?sort=name&limit=2&q=sorted${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      paged.push(...page.data.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(whole.data.map((c: { id: string }) => c.id));
    // Without a search, the whole list in that order; a cursor of the other order is refused.
    const all = (await server.api.get('/v1/customers?sort=name&limit=200')).body.data.map(
      (c: { name: string }) => c.name,
    );
    expect(all.indexOf('Sorted Bravo')).toBeLessThan(all.indexOf('Sorted Charlie'));
    expect((await server.api.get('/v1/customers?sort=name&cursor=not-a-cursor')).status).toBe(400);
  });
});
