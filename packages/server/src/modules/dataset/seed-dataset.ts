import { randomBytes } from 'node:crypto';
import { generateCouponCode, generateLicenseKey } from '@licensor/core';
import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { idAt, newSecretId } from '../../platform/crypto.js';
import { analyze } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { UNUSABLE_PASSWORD_HASH } from '../../platform/passwords.js';
import { termRows } from '../customers/search-terms.js';
import { bulkInsert, type TableShape } from './bulk-insert.js';

/**
 * A realistic vendor's data for benchmarks and query-plan tests (DESIGN §6.11): written with straight
 * batched inserts, not through the API, so a million licenses take minutes. The shape follows the
 * seeds: customers with several keys, each key holding one license of each of five products (one per
 * scope), bindings on the seat-like ones, live floating sessions, coupon redemptions, two years of events.
 */
export interface DatasetSize {
  readonly licenses: number;
  readonly keys: number;
  readonly customers: number;
  readonly liveSessions: number;
  readonly events: number;
  readonly coupons: number;
  readonly redemptions: number;
}

/** Ratios of the reference dataset: 1,000,000 licenses on 200,000 keys for 20,000 customers. */
export function datasetOf(licenses: number): DatasetSize {
  return {
    licenses,
    keys: Math.max(1, Math.ceil(licenses / 5)),
    customers: Math.max(1, Math.ceil(licenses / 50)),
    liveSessions: Math.floor(licenses / 10),
    events: licenses * 2,
    coupons: Math.floor(licenses / 10),
    redemptions: Math.floor(licenses / 20),
  };
}

export interface SeedProgress {
  readonly table: string;
  readonly done: number;
  readonly total: number;
}

export interface SeedOptions {
  readonly vendorId: string;
  readonly size: DatasetSize;
  /** The present of the dataset: licenses start in the two years before it and expire up to a year after. */
  readonly now: Date;
  readonly onProgress?: (progress: SeedProgress) => void;
}

/** Product codes the seed creates (one scope each); a vendor seeded once refuses a second seed. */
const SEED_PRODUCTS = [
  { code: 'seed-studio', scope: 'installation', kind: 'installation', seats: 1, sessions: null, term: true },
  { code: 'seed-robot', scope: 'seat', kind: 'machine', seats: 5, sessions: null, term: true },
  { code: 'seed-mobile', scope: 'floating', kind: 'device', seats: null, sessions: 10, term: true },
  { code: 'seed-server', scope: 'tenant', kind: 'tenant', seats: 3, sessions: null, term: false },
  { code: 'seed-bot', scope: 'unlimited', kind: 'agent', seats: null, sessions: null, term: true },
] as const;

const DAY = 86_400_000;
const BATCH = 5_000;

const NAMES = ['Northwind', 'Contoso', 'Fabrikam', 'Tailspin', 'Wingtip', 'Litware', 'Adatum', 'Proseware'];
const TRADES = ['Traders', 'Logistics', 'Robotics', 'Pharma', 'Retail', 'Foods', 'Bank', 'Studio'];
const FIRST = ['Anna', 'Boris', 'Chen', 'Dana', 'Egor', 'Fatima', 'Gleb', 'Hana', 'Ivan', 'Julia'];
const LAST = ['Ivanova', 'Smith', 'Kim', 'Petrov', 'Garcia', 'Novak', 'Sato', 'Popova', 'Jones'];
const EVENT_TYPES = [
  ['license.created', 'license'],
  ['license.renewed', 'license'],
  ['binding.created', 'binding'],
  ['session.started', 'session'],
  ['session.expired', 'session'],
  ['coupon.redeemed', 'redemption'],
  ['key.created', 'key'],
  ['customer.updated', 'customer'],
] as const;

/** A small deterministic generator, so two seeds of one size have the same shape. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T = (columns: Record<string, 'text' | 'integer'>, name: string): TableShape => ({ name, columns });
const text = 'text' as const;
const int = 'integer' as const;

const TABLES = {
  products: T({ id: text, vendor_id: text, code: text, name: text, created_at: text }, 'products'),
  license_types: T(
    {
      id: text,
      vendor_id: text,
      product_id: text,
      name: text,
      scope: text,
      resource_kind: text,
      mode: text,
      term_unit: text,
      term_count: int,
      max_seats: int,
      max_sessions: int,
      heartbeat_seconds: int,
      capabilities: text,
      binding_locked: int,
      grace_days: int,
      created_at: text,
    },
    'license_types',
  ),
  partners: T({ id: text, vendor_id: text, name: text, created_at: text }, 'partners'),
  partner_users: T(
    {
      id: text,
      vendor_id: text,
      partner_id: text,
      email: text,
      name: text,
      password_hash: text,
      language: text,
      created_at: text,
    },
    'partner_users',
  ),
  customers: T(
    {
      id: text,
      vendor_id: text,
      name: text,
      contact_name: text,
      phone: text,
      email: text,
      website: text,
      partner_id: text,
      manager_id: text,
      comment: text,
      created_at: text,
      updated_at: text,
    },
    'customers',
  ),
  customer_users: T(
    {
      id: text,
      vendor_id: text,
      customer_id: text,
      email: text,
      name: text,
      password_hash: text,
      created_at: text,
    },
    'customer_users',
  ),
  license_keys: T(
    {
      id: text,
      vendor_id: text,
      customer_id: text,
      key: text,
      status: text,
      created_at: text,
      deleted_at: text,
    },
    'license_keys',
  ),
  licenses: T(
    {
      id: text,
      vendor_id: text,
      key_id: text,
      product_id: text,
      license_type_id: text,
      starts_at: text,
      expires_at: text,
      suspended_at: text,
      revoked_at: text,
      superseded_at: text,
      created_at: text,
      updated_at: text,
    },
    'licenses',
  ),
  bindings: T(
    {
      id: text,
      vendor_id: text,
      license_id: text,
      resource_kind: text,
      resource_id: text,
      resource_name: text,
      metadata: text,
      created_at: text,
    },
    'bindings',
  ),
  sessions: T(
    {
      id: text,
      vendor_id: text,
      license_id: text,
      key_id: text,
      resource_kind: text,
      resource_id: text,
      resource_name: text,
      started_at: text,
      last_heartbeat_at: text,
      expires_at: text,
      ended_at: text,
      end_reason: text,
    },
    'sessions',
  ),
  coupon_batches: T(
    {
      id: text,
      vendor_id: text,
      type: text,
      partner_id: text,
      items: text,
      count: int,
      reusable: int,
      key_id: text,
      activate_now: int,
      comment: text,
      created_by: text,
      created_at: text,
    },
    'coupon_batches',
  ),
  coupons: T({ id: text, vendor_id: text, batch_id: text, code: text, created_at: text }, 'coupons'),
  redemptions: T(
    {
      id: text,
      vendor_id: text,
      coupon_id: text,
      key_id: text,
      slot: text,
      channel: text,
      actor_type: text,
      actor_id: text,
      actor_name: text,
      effect: text,
      redeemed_at: text,
      reverted_at: text,
      reverted_by: text,
    },
    'redemptions',
  ),
  events: T(
    {
      id: text,
      vendor_id: text,
      at: text,
      actor_type: text,
      actor_id: text,
      actor_name: text,
      channel: text,
      type: text,
      subject_type: text,
      subject_id: text,
      key_id: text,
      customer_id: text,
      before: text,
      after: text,
    },
    'events',
  ),
  jobs: T(
    {
      id: text,
      vendor_id: text,
      kind: text,
      payload: text,
      unique_key: text,
      state: text,
      run_at: text,
      attempts: int,
      max_attempts: int,
      locked_by: text,
      locked_until: text,
      last_error: text,
      created_at: text,
      finished_at: text,
    },
    'jobs',
  ),
  reminders_sent: T({ license_id: text, threshold: int, sent_at: text }, 'reminders_sent'),
  search_terms: T({ vendor_id: text, term: text, customer_id: text, key_id: text }, 'search_terms'),
  attached_licenses: T(
    { customer_id: text, license_id: text, source: text, via_key_id: text, attached_at: text },
    'attached_licenses',
  ),
  service_requests: T(
    {
      id: text,
      vendor_id: text,
      customer_id: text,
      kind: text,
      license_id: text,
      product_id: text,
      comment: text,
      state: text,
      created_at: text,
      fulfilled_at: text,
      fulfilled_by: text,
    },
    'service_requests',
  ),
} as const;

export interface SeedSummary {
  readonly vendorId: string;
  readonly rows: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Writes the dataset into an existing vendor. */
export async function seedDataset(ctx: AppContext, options: SeedOptions): Promise<SeedSummary> {
  const started = Date.now();
  const db = ctx.handle.db;
  const { vendorId, size, now } = options;
  const vendor = await db
    .selectFrom('vendors')
    .select(['id', 'prefix'])
    .where('id', '=', vendorId)
    .executeTakeFirst();
  if (!vendor) throw new AppError('NOT_FOUND', 'no such vendor');
  const seeded = await db
    .selectFrom('products')
    .select('id')
    .where('vendor_id', '=', vendorId)
    .where('code', '=', SEED_PRODUCTS[0].code)
    .executeTakeFirst();
  if (seeded) throw new AppError('ALREADY_EXISTS', 'this vendor already holds a seeded dataset');

  const insert = bulkInsert(ctx.handle);
  const random = prng(size.licenses);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const counts: Record<string, number> = {};
  const nowMs = now.getTime();
  const iso = (ms: number) => new Date(ms).toISOString();
  /** A moment in the `days` before now, as milliseconds. */
  const past = (days: number) => nowMs - Math.floor(random() * days * DAY);

  /** Streams generated rows into a table in batches, reporting progress against `total`. */
  async function fill(table: TableShape, total: number, rows: Iterable<unknown[]>) {
    let batch: unknown[][] = [];
    let done = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await insert(table, batch);
      done += batch.length;
      batch = [];
      options.onProgress?.({ table: table.name, done, total });
    };
    for (const values of rows) {
      batch.push(values);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    counts[table.name] = (counts[table.name] ?? 0) + done;
  }
  /** `fill` with one row per index. */
  const fillEach = (table: TableShape, total: number, row: (i: number) => unknown[]) =>
    fill(
      table,
      total,
      (function* () {
        for (let i = 0; i < total; i++) yield row(i);
      })(),
    );

  const createdAt = iso(nowMs - 800 * DAY);
  const products = SEED_PRODUCTS.map((p) => ({ ...p, id: idAt(nowMs - 800 * DAY), typeId: '' }));
  await fillEach(TABLES.products, products.length, (i) => [
    products[i].id,
    vendorId,
    products[i].code,
    `Seed ${products[i].code.slice(5)}`,
    createdAt,
  ]);
  for (const p of products) p.typeId = idAt(nowMs - 800 * DAY);
  await fillEach(TABLES.license_types, products.length, (i) => {
    const p = products[i];
    return [
      p.typeId,
      vendorId,
      p.id,
      `${p.code} ${p.scope}`,
      p.scope,
      p.kind,
      p.term ? 'subscription' : 'perpetual',
      p.term ? 'year' : null,
      p.term ? 1 : null,
      p.seats,
      p.sessions,
      p.scope === 'floating' ? 600 : null,
      JSON.stringify(['run', 'build']),
      0,
      7,
      createdAt,
    ];
  });

  const partnerCount = Math.max(1, Math.floor(size.customers / 1000));
  const partners = Array.from({ length: partnerCount }, () => idAt(past(800)));
  await fillEach(TABLES.partners, partnerCount, (i) => [
    partners[i],
    vendorId,
    `Partner ${i + 1}`,
    createdAt,
  ]);
  const tag = vendor.prefix.toLowerCase();
  await fillEach(TABLES.partner_users, partnerCount, (i) => [
    idAt(past(800)),
    vendorId,
    partners[i],
    `partner${i + 1}@${tag}.seed.test`,
    `Partner user ${i + 1}`,
    UNUSABLE_PASSWORD_HASH,
    'en',
    createdAt,
  ]);

  // Customers are written oldest first so their time-ordered ids follow their creation.
  const customers: { id: string; name: string; contact_name: string; email: string }[] = [];
  const customerStart = nowMs - 730 * DAY;
  const customerStep = (730 * DAY) / size.customers;
  await fillEach(TABLES.customers, size.customers, (i) => {
    const at = iso(customerStart + i * customerStep);
    const customer = {
      id: idAt(customerStart + i * customerStep, i & 0xfff),
      name: `${pick(NAMES)} ${pick(TRADES)} ${i + 1}`,
      contact_name: `${pick(FIRST)} ${pick(LAST)}`,
      email: `contact${i + 1}@customer${i + 1}.${tag}.example`,
    };
    customers.push(customer);
    return [
      customer.id,
      vendorId,
      customer.name,
      customer.contact_name,
      `+1 555 ${String(i).padStart(7, '0')}`,
      customer.email,
      `https://customer${i + 1}.example`,
      i % 5 === 0 ? partners[i % partnerCount] : null,
      null,
      null,
      at,
      at,
    ];
  });
  await fillEach(TABLES.customer_users, Math.ceil(size.customers / 10), (i) => [
    idAt(past(700)),
    vendorId,
    customers[i * 10].id,
    `user${i + 1}@customer${i * 10 + 1}.${tag}.example`,
    `Customer user ${i + 1}`,
    UNUSABLE_PASSWORD_HASH,
    createdAt,
  ]);

  const keys: { id: string; key: string; customer: string; createdMs: number }[] = [];
  const keyStep = (730 * DAY) / size.keys;
  await fillEach(TABLES.license_keys, size.keys, (i) => {
    const ms = customerStart + i * keyStep;
    const key = {
      id: idAt(ms, i & 0xfff),
      key: generateLicenseKey(vendor.prefix, randomBytes),
      customer: customers[Math.floor((i * size.customers) / size.keys)].id,
      createdMs: ms,
    };
    keys.push(key);
    return [key.id, vendorId, key.customer, key.key, 'active', iso(ms), null];
  });

  // Search terms of each customer and its keys, as the services write them.
  const keysOf = new Map<string, typeof keys>();
  for (const key of keys)
    (keysOf.get(key.customer) ?? keysOf.set(key.customer, []).get(key.customer)!).push(key);
  const terms = customers.flatMap((c) => termRows(vendorId, c.id, c, keysOf.get(c.id) ?? []));
  await fillEach(TABLES.search_terms, terms.length, (i) => [
    terms[i].vendor_id,
    terms[i].term,
    terms[i].customer_id,
    terms[i].key_id,
  ]);

  // Each key holds one license of each product; floating licenses are remembered for the sessions.
  const floating: { id: string; key: string }[] = [];
  const bound: { id: string; product: (typeof products)[number] }[] = [];
  const expiring: string[] = [];
  const licenseIds: string[] = [];
  await fillEach(TABLES.licenses, size.licenses, (i) => {
    const key = keys[Math.floor(i / products.length) % keys.length];
    const product = products[i % products.length];
    // A key's licenses were bought together, within a month of the key.
    const startMs = Math.min(nowMs, key.createdMs + (i % 30) * DAY);
    const expiresMs = product.term ? startMs + 365 * DAY : null;
    const id = idAt(startMs);
    licenseIds.push(id);
    const roll = random();
    if (product.scope === 'floating') floating.push({ id, key: key.id });
    else if (roll < 0.7) bound.push({ id, product });
    if (expiresMs !== null && expiresMs < nowMs && expiresMs > nowMs - 60 * DAY) expiring.push(id);
    return [
      id,
      vendorId,
      key.id,
      product.id,
      product.typeId,
      iso(startMs),
      expiresMs === null ? null : iso(expiresMs),
      roll > 0.99 ? iso(past(30)) : null,
      roll > 0.98 && roll <= 0.99 ? iso(past(30)) : null,
      null,
      iso(startMs),
      iso(startMs),
    ];
  });

  const bindingTotal = bound.reduce((sum, b) => sum + (b.product.scope === 'seat' ? 2 : 1), 0);
  await fill(
    TABLES.bindings,
    bindingTotal,
    (function* () {
      for (const license of bound) {
        const kind = license.product.kind;
        for (let n = 1; n <= (license.product.scope === 'seat' ? 2 : 1); n++) {
          const resource = `${kind}-${license.id.slice(-12)}-${n}`;
          const at = past(700);
          yield [idAt(at), vendorId, license.id, kind, resource, `${kind} ${n}`, '{}', iso(at)];
        }
      }
    })(),
  );

  // Live sessions spread over the floating licenses, each within its 10 concurrent places; then as many ended.
  const liveSlots = Math.min(size.liveSessions, floating.length * 10);
  await fillEach(TABLES.sessions, liveSlots + Math.floor(liveSlots / 2), (i) => {
    const live = i < liveSlots;
    const license = floating[i % floating.length];
    const started = live ? nowMs - Math.floor(random() * 300_000) : past(700);
    const expires = live ? nowMs + 600_000 - Math.floor(random() * 300_000) : started + 600_000;
    return [
      newSecretId(),
      vendorId,
      license.id,
      license.key,
      'device',
      `device-${i}`,
      `Device ${i}`,
      iso(started),
      iso(started),
      iso(expires),
      live ? null : iso(expires),
      live ? null : 'checkin',
    ];
  });
  await sql`update licenses set live_sessions = live.n
    from (select license_id, count(*) as n from sessions where vendor_id = ${vendorId} and ended_at is null
      group by license_id) as live
    where licenses.id = live.license_id`.execute(db);

  const batches = Array.from({ length: 10 }, () => idAt(past(700)));
  await fillEach(TABLES.coupon_batches, batches.length, (i) => [
    batches[i],
    vendorId,
    'add_product',
    null,
    JSON.stringify([
      {
        productId: products[3].id,
        productCode: products[3].code,
        licenseTypeId: products[3].typeId,
        licenseTypeName: `${products[3].code} ${products[3].scope}`,
        term: null,
      },
    ]),
    Math.ceil(size.coupons / batches.length),
    0,
    null,
    0,
    `seed batch ${i + 1}`,
    null,
    createdAt,
  ]);
  const coupons: string[] = [];
  await fillEach(TABLES.coupons, size.coupons, (i) => {
    const id = idAt(past(700));
    coupons.push(id);
    return [
      id,
      vendorId,
      batches[i % batches.length],
      generateCouponCode(vendor.prefix, randomBytes),
      createdAt,
    ];
  });
  await fillEach(TABLES.redemptions, Math.min(size.redemptions, coupons.length), (i) => {
    const at = past(600);
    return [
      idAt(at),
      vendorId,
      coupons[i],
      pick(keys).id,
      'once',
      'app',
      'app',
      null,
      null,
      JSON.stringify({ created: [], extended: [], superseded: [] }),
      iso(at),
      null,
      null,
    ];
  });

  // Two years of history, oldest first.
  const eventStart = nowMs - 730 * DAY;
  const eventStep = (730 * DAY) / Math.max(1, size.events);
  await fillEach(TABLES.events, size.events, (i) => {
    const ms = eventStart + i * eventStep;
    const key = keys[Math.floor(random() * keys.length)];
    const [type, subjectType] = pick(EVENT_TYPES);
    return [
      idAt(ms, i & 0xfff),
      vendorId,
      iso(ms),
      'app',
      null,
      null,
      'app',
      type,
      subjectType,
      subjectType === 'key' ? key.id : idAt(ms),
      key.id,
      key.customer,
      null,
      '{"seed":true}',
    ];
  });

  const jobTotal = Math.floor(size.licenses / 10);
  await fillEach(TABLES.jobs, jobTotal, (i) => {
    const ms = eventStart + i * ((730 * DAY) / Math.max(1, jobTotal));
    return [
      idAt(ms),
      vendorId,
      'mail.send',
      '{}',
      `seed:${vendorId}:${i}`,
      'done',
      iso(ms),
      1,
      5,
      null,
      null,
      null,
      iso(ms),
      iso(ms + 1000),
    ];
  });
  // Licenses customers added to their cabinet by code, from keys of other customers.
  const attachedTotal = Math.floor(size.licenses / 20);
  await fillEach(TABLES.attached_licenses, attachedTotal, (i) => [
    customers[i % customers.length].id,
    licenseIds[(i * 13) % licenseIds.length],
    'code',
    null,
    iso(past(300)),
  ]);
  await fillEach(TABLES.reminders_sent, expiring.length, (i) => [expiring[i], 0, iso(past(60))]);
  const requestTotal = Math.floor(size.licenses / 20);
  await fillEach(TABLES.service_requests, requestTotal, (i) => {
    const key = keys[(i * 7) % keys.length];
    const at = past(300);
    const open = i % 10 === 0;
    return [
      idAt(at),
      vendorId,
      key.customer,
      'order',
      null,
      products[i % products.length].id,
      null,
      open ? 'open' : 'fulfilled',
      iso(at),
      open ? null : iso(at + DAY),
      open ? null : 'seed',
    ];
  });

  // As if the daily reminder scan had been running: the next one reads a day's worth of expiries.
  await db
    .updateTable('vendors')
    .set({ reminders_scanned_at: iso(nowMs - DAY) })
    .where('id', '=', vendorId)
    .execute();
  await analyze(ctx.handle);
  return { vendorId, rows: counts, seconds: (Date.now() - started) / 1000 };
}
