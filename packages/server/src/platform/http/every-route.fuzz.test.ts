import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../../test-support/databases.js';
import { type Licensed, setupLicensed } from '../../test-support/fixtures.js';
import type { ApiClient } from '../../test-support/http-client.js';
import { startTestServer, type TestServer } from '../../test-support/test-server.js';

/** Invariant 7 over every route of /openapi.json: schema-derived bad input is a coded 4xx and writes nothing. */
const RUNS = 200;

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  additionalProperties?: boolean;
}

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/** Text a careless or hostile client sends: NUL, empty, huge, lone surrogates, scripts, dates out of range. */
const nastyText = fc.oneof(
  fc.constant(''),
  fc.constant('a\u0000b'),
  fc.constant('\ud800'),
  fc.constant('x'.repeat(5000)),
  fc.constant('0000-01-01T00:00:00Z'),
  fc.constant('+275760-09-13T00:00:00Z'),
  fc.constant('1969-12-31T23:59:59Z'),
  fc.constant('<script>alert(1)</script>'),
  fc.constant("' or 1=1 --"),
  fc.constant('=HYPERLINK("x")'),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
);

/** A value that satisfies the schema as far as this generator knows (it seeds the mutations below). */
function valid(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return fc.oneof(...union.map(valid));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const shape = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, valid(v)]));
      return fc.record(shape, { requiredKeys: schema.required ?? [] });
    }
    case 'array':
      return fc.array(valid(schema.items ?? {}), { maxLength: 3 });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string':
      if (schema.format === 'date-time') return fc.constant('2026-06-01T00:00:00.000Z');
      if (schema.format === 'email') return fc.constant('fuzz@example.test');
      if (schema.format === 'uri') return fc.constant('https://example.test/hook');
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 20, 20) });
    default:
      return fc.jsonValue();
  }
}

/** A body the schema refuses: a valid one with one thing broken, or no JSON at all. */
function invalidBody(schema: Schema): fc.Arbitrary<string> {
  const properties = Object.keys(schema.properties ?? {});
  const required = schema.required ?? [];
  const base = valid(schema).map((value) => (typeof value === 'object' && value ? { ...value } : {}));
  const broken: fc.Arbitrary<unknown>[] = [
    fc.constantFrom(null, 42, 'text', [], true),
    base.map((value) => ({ ...(value as object), unexpectedField: 'x' })),
  ];
  if (required.length)
    broken.push(
      fc.tuple(base, fc.constantFrom(...required)).map(([value, key]) => {
        const copy = { ...(value as Record<string, unknown>) };
        delete copy[key];
        return copy;
      }),
    );
  if (properties.length)
    broken.push(
      fc
        .tuple(
          base,
          fc.constantFrom(...properties),
          fc.oneof(nastyText, fc.constantFrom({}, [[]], -1, 1e308)),
        )
        .map(([value, key, bad]) => ({ ...(value as object), [key]: bad })),
    );
  return fc.oneof(
    fc.oneof(...broken).map((value) => JSON.stringify(value)),
    fc.constantFrom('{"unterminated": ', 'not json', '[1,2', '{"a":1}{"b":2}'),
  );
}

/** A path parameter: a real id now and then (so handlers run), else junk. */
const pathParameter = (real: string[]) =>
  fc.oneof(
    fc.constantFrom(...real),
    fc.string({ minLength: 1, maxLength: 80 }).map(percentEncode),
    fc.constantFrom('%00', '%FF', 'x'.repeat(300), '01900000-0000-7000-8000-000000000000', '..%2F..'),
  );

/** encodeURIComponent, except that a lone surrogate goes out as the invalid UTF-8 a broken client sends. */
function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

const queryValue = (schema: Schema) =>
  fc.oneof(
    valid(schema).map((value) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))),
    nastyText,
    fc.constantFrom('%FF', '-1', '1e999', '[]'),
  );

describe.each(DIALECTS)('every route of /openapi.json under bad input, on %s', (dialect) => {
  let server: TestServer;
  let licensed: Licensed;
  const clients: Record<'staff' | 'partner' | 'customer' | 'anyone', ApiClient> = {} as never;
  let operations: [string, string, Operation][] = [];
  let tables: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
    licensed = await setupLicensed(server.api, { scope: 'floating', maxSessions: 3 });
    const partner = (await server.api.post('/v1/partners', { name: 'Fuzz partner' })).body;
    await server.api.post(`/v1/partners/${partner.id}/users`, {
      email: 'fuzz-partner@example.test',
      name: 'P',
      password: 'partner-pass-1',
    });
    const portal = async (path: string, body: Record<string, string>) => {
      const login = await server.anon.post(path, body);
      return server.anon.withHeaders({
        cookie: (login.headers.get('set-cookie') ?? '').split(';')[0],
        'x-csrf-token': login.body.csrfToken,
      });
    };
    clients.staff = server.api;
    clients.anyone = server.anon;
    clients.partner = await portal('/v1/partner/auth/login', {
      email: 'fuzz-partner@example.test',
      password: 'partner-pass-1',
    });
    clients.customer = await portal('/v1/customer/auth/login', { key: licensed.key });
    const doc = (await server.anon.get('/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = Object.entries(doc.paths)
      .flatMap(([path, ops]) =>
        Object.entries(ops).map(
          ([method, op]) => [method.toUpperCase(), path, op] as [string, string, Operation],
        ),
      )
      // Logging out ends the session the portal routes use, so those go last.
      .sort((a, b) => Number(a[1].includes('logout')) - Number(b[1].includes('logout')));
    tables =
      dialect === 'postgres'
        ? (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = current_schema() and table_name not like 'kysely%'`.execute(
              server.ctx.handle.db,
            )
          ).rows.map((r) => r.name)
        : (
            await sql<{ name: string }>`select name from sqlite_master where type = 'table'
              and name not like 'kysely%' and name not like 'sqlite%'`.execute(server.ctx.handle.db)
          ).rows.map((r) => r.name);
  });
  afterAll(() => server.close());

  /**
   * Every row of every table: any write shows. But the login limits' counters, which count every attempt to
   * prove a password (a login, a password change, a password link), refused or not: that is what they are for.
   */
  async function snapshot(): Promise<string> {
    const parts: string[] = [];
    for (const table of tables.sort().filter((name) => name !== 'attempt_windows'))
      parts.push(
        JSON.stringify(
          (await sql`select * from ${sql.table(table)} order by 1`.execute(server.ctx.handle.db)).rows,
        ),
      );
    return parts.join('\n');
  }

  const clientFor = (path: string): ApiClient =>
    path.startsWith('/v1/partner/')
      ? clients.partner
      : path.startsWith('/v1/customer/')
        ? clients.customer
        : clients.staff;

  it(`${RUNS} bad inputs per route: never a 5xx, always a coded error, nothing written`, async () => {
    expect(operations.length).toBeGreaterThan(90);
    const real = [
      licensed.keyId,
      licensed.licenseId,
      licensed.customerId,
      licensed.productId,
      licensed.licenseTypeId,
    ];
    const failures: string[] = [];
    for (const [method, template, operation] of operations) {
      const body = operation.requestBody?.content['application/json']?.schema;
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query');
      const before = await snapshot();
      let accepted = 0;
      const input = fc.record({
        path: fc.array(pathParameter(real), { minLength: 4, maxLength: 4 }),
        query: fc.array(
          fc.tuple(
            fc.constantFrom(...(query.length ? query : [{ name: 'junk', schema: {} }])),
            queryValue({}),
          ),
          {
            maxLength: 3,
          },
        ),
        body: body
          ? invalidBody(body)
          : fc.oneof(fc.constant(undefined), fc.constantFrom('{"x":1}', '[1]', '"text"')),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ path, query: pairs, body: raw }) => {
          let i = 0;
          const url = template.replace(/\{[a-zA-Z]+\}/g, () => path[i++]);
          const search = pairs.map(([p, v]) => `${p.name}=${percentEncode(v)}`).join('&');
          const target = search ? `${url}?${search}` : url;
          const client =
            template.includes('/auth/login') ||
            (/validate|activate|sessions|coupons\/redeem/.test(template) && !template.includes('customer'))
              ? clients.anyone
              : clientFor(template);
          const response = await client.request(
            method,
            target,
            undefined,
            method === 'GET' ? undefined : raw,
          );
          if (response.status >= 500)
            failures.push(`${method} ${target} ${raw} → ${response.status} ${response.text}`);
          else if (response.status >= 400 && !/^[A-Z][A-Z0-9_]+$/.test(response.body?.error?.code ?? ''))
            failures.push(`${method} ${target} → ${response.status} without a code: ${response.text}`);
          if (response.status < 400) accepted++;
        }),
        { numRuns: RUNS },
      );
      if (method !== 'GET' && accepted === 0 && (await snapshot()) !== before)
        failures.push(`${method} ${template}: refused every input, yet something was written`);
    }
    expect(failures.slice(0, 20), failures.slice(0, 20).join('\n')).toEqual([]);
  }, 600_000);
});
