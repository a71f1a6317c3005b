import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateCouponCode, type RandomBytes } from '@licensor/core';
import { sql } from 'kysely';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole, type Role } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import { csvCell } from '../../platform/csv.js';
import type { Db } from '../../platform/db/database.js';
import { pageOf } from '../../platform/db/paging.js';
import type { CouponBatchTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { findKeyByCode } from '../app-api/app-api.queries.js';
import { findLiveKey } from '../keys/keys.queries.js';
import { assertPartnerOf } from '../partners/partners.service.js';
import { type CouponItemInput, type CouponType, resolveItems } from './coupon-items.js';
import { selectRedemptions, toBatch, toRedemption } from './coupons.queries.js';
import { redeemWith } from './redemptions.service.js';

export interface BatchInput {
  type: CouponType;
  partnerId?: string | null;
  items: CouponItemInput[];
  count?: number;
  reusable?: boolean;
  keyId?: string;
  activateNow?: boolean;
  comment?: string | null;
}

/** Staff, or the operator's CLI acting for a vendor. */
export interface CouponIssuer {
  readonly vendorId: string;
  readonly role: Role;
}

const CHUNK = 500;
/**
 * The pause between chunks. On SQLite a chunk's statements run synchronously, so every other request waits for a
 * whole chunk, and a validation takes several turns of the event loop (its read, its turn's signature, its write):
 * with one turn between chunks, each of its turns waited a chunk (the slowest validation meanwhile: 99–171 ms).
 * A millisecond lets it finish between two (80–101 ms), for 0.2 s more over 100,000 codes. Smaller chunks wrote
 * more (each commit writes every index page it touched again) and held validations as long.
 */
const PAUSE_MS = 1;
/** Enough for one code's random symbols (75 bits). */
const BYTES_PER_CODE = 10;

/**
 * A chunk's randomness in one call to the CSPRNG, each byte handed out once (more is drawn if it runs out): a call
 * per code spent a sixth of a batch's time in `randomFillSync`.
 */
function drawnAtOnce(expected: number): RandomBytes {
  let bytes = randomBytes(expected);
  let used = 0;
  return (size) => {
    if (used + size > bytes.length) {
      bytes = randomBytes(Math.max(size, expected));
      used = 0;
    }
    used += size;
    return bytes.subarray(used - size, used);
  };
}

/** The most codes one request generates: more would hold a client for minutes; make several batches. */
export const MAX_BATCH = 100_000;

/** Rules of the three coupon types (seed 004) that the schema cannot say. */
function checkBatch(input: BatchInput): void {
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_BATCH)
    throw new AppError('VALIDATION_FAILED', `a batch holds 1 to ${MAX_BATCH} coupons; make several batches`);
  if (input.reusable && input.type !== 'extend_trial')
    throw new AppError('VALIDATION_FAILED', 'only trial extension coupons can be reusable');
  if (input.type === 'change_composition') {
    if (!input.keyId)
      throw new AppError('VALIDATION_FAILED', 'an upgrade coupon needs the key to upgrade (keyId)');
    if (count !== 1)
      throw new AppError('VALIDATION_FAILED', 'an upgrade coupon is made one at a time, for one key');
  } else if (input.keyId || input.activateNow) {
    throw new AppError(
      'VALIDATION_FAILED',
      'keyId and activateNow belong to upgrade (change_composition) coupons',
    );
  }
}

/**
 * Generates a batch of coupons, a chunk per transaction: 100,000 codes take seconds, and one transaction
 * would hold SQLite's write lock (and this process's connection) all that time, freezing every other write.
 * The batch row counts the codes committed so far, so a batch cut short by a crash shows what it holds.
 * `onProgress` reports after each chunk. An upgrade coupon with "activate now" is redeemed at once.
 */
export async function generateCouponBatch(
  ctx: AppContext,
  issuer: CouponIssuer,
  actor: Actor,
  input: BatchInput,
  onProgress?: (done: number, total: number) => void,
) {
  assertRole(issuer.role, 'manager');
  checkBatch(input);
  const count = input.count ?? 1;
  const now = ctx.clock.now();
  const at = now.toISOString();
  const insertChunk = async (
    trx: Db,
    batch: CouponBatchTable,
    prefix: string,
    size: number,
    first?: string,
  ) => {
    const random = drawnAtOnce(size * BYTES_PER_CODE);
    const rows = Array.from({ length: size }, (_, i) => ({
      id: i === 0 && first ? first : newId(),
      vendor_id: issuer.vendorId,
      batch_id: batch.id,
      code: generateCouponCode(prefix, random),
      created_at: at,
    }));
    await trx.insertInto('coupons').values(rows).execute();
    return rows.map((row) => row.code);
  };
  const firstCoupon = newId();
  const started = await inTransaction(ctx.handle, async (trx) => {
    const vendor = await trx
      .selectFrom('vendors')
      .select('prefix')
      .where('id', '=', issuer.vendorId)
      .executeTakeFirstOrThrow();
    if (input.partnerId) await assertPartnerOf(trx, issuer.vendorId, input.partnerId);
    const targetKey = input.keyId ? await findLiveKey(trx, issuer.vendorId, input.keyId) : undefined;
    const items = await resolveItems(trx, issuer.vendorId, input.type, input.items);
    const batch: CouponBatchTable = {
      id: newId(),
      vendor_id: issuer.vendorId,
      type: input.type,
      partner_id: input.partnerId ?? null,
      items: JSON.stringify(items),
      count: Math.min(CHUNK, count),
      reusable: input.reusable ? 1 : 0,
      key_id: targetKey?.id ?? null,
      activate_now: input.activateNow ? 1 : 0,
      comment: input.comment ?? null,
      created_by: actor.name,
      created_at: at,
    };
    await trx.insertInto('coupon_batches').values(batch).execute();
    const codes = await insertChunk(trx, batch, vendor.prefix, batch.count, firstCoupon);
    await recordEvent(trx, issuer.vendorId, actor, now, {
      type: 'coupon_batch.generated',
      subjectType: 'coupon_batch',
      subjectId: batch.id,
      keyId: batch.key_id,
      after: { type: input.type, count, items, partnerId: batch.partner_id, comment: batch.comment },
    });
    if (input.activateNow && targetKey) {
      const { key } = await findKeyByCode(trx, targetKey.key);
      await redeemWith(trx, ctx.handle, key!, { ...toBatch(batch), couponId: firstCoupon }, actor, now);
    }
    return { batch, prefix: vendor.prefix, codes };
  });
  const { batch, prefix, codes } = started;
  onProgress?.(batch.count, count);
  while (batch.count < count) {
    await sleep(PAUSE_MS);
    const size = Math.min(CHUNK, count - batch.count);
    const chunk = await inTransaction(ctx.handle, async (trx) => {
      const inserted = await insertChunk(trx, batch, prefix, size);
      await trx
        .updateTable('coupon_batches')
        .set((eb) => ({ count: eb('count', '+', size) }))
        .where('id', '=', batch.id)
        .execute();
      return inserted;
    });
    batch.count += size;
    if (codes.length < 1000) codes.push(...chunk.slice(0, 1000 - codes.length));
    onProgress?.(batch.count, count);
  }
  return { ...toBatch(batch), codes };
}

export interface CouponQuery {
  type?: CouponType;
  partnerId?: string;
  batchId?: string;
  state?: 'active' | 'redeemed';
  q?: string;
  limit?: number;
  cursor?: string;
}

/** Coupons with their batch and how often they are redeemed now; filter by type, distributor, state and batch. */
export async function listCoupons(
  ctx: AppContext,
  principal: Pick<Principal, 'vendorId'>,
  query: CouponQuery,
) {
  const limit = query.limit ?? 50;
  let select = ctx.handle.db
    .selectFrom('coupons')
    .innerJoin('coupon_batches', 'coupon_batches.id', 'coupons.batch_id')
    .select((eb) => [
      'coupons.id',
      'coupons.code',
      'coupons.batch_id',
      'coupons.created_at',
      'coupon_batches.type',
      'coupon_batches.partner_id',
      'coupon_batches.reusable',
      'coupon_batches.comment',
      eb
        .selectFrom('redemptions')
        .select((r) => r.fn.countAll<number>().as('n'))
        .whereRef('redemptions.coupon_id', '=', 'coupons.id')
        .where('redemptions.reverted_at', 'is', null)
        .as('redemptions'),
    ])
    .where('coupons.vendor_id', '=', principal.vendorId);
  if (query.type) select = select.where('coupon_batches.type', '=', query.type);
  if (query.partnerId) select = select.where('coupon_batches.partner_id', '=', query.partnerId);
  if (query.batchId) select = select.where('coupons.batch_id', '=', query.batchId);
  if (query.q)
    select = select.where('coupons.code', 'like', `%${query.q.toUpperCase().replace(/[%_\\]/g, '')}%`);
  if (query.state) {
    const redeemed = sql<boolean>`exists (select 1 from redemptions r where r.coupon_id = coupons.id and r.reverted_at is null)`;
    select =
      query.state === 'redeemed'
        ? select.where('coupon_batches.reusable', '=', 0).where(redeemed)
        : select.where((eb) => eb.or([eb('coupon_batches.reusable', '=', 1), eb.not(redeemed)]));
  }
  if (query.cursor) select = select.where('coupons.id', '<', query.cursor);
  const page = pageOf(
    await select
      .orderBy('coupons.id', 'desc')
      .limit(limit + 1)
      .execute(),
    limit,
  );
  return {
    data: page.data.map((row) => {
      const redemptions = Number(row.redemptions ?? 0);
      return {
        id: row.id,
        code: row.code,
        batchId: row.batch_id,
        type: row.type,
        partnerId: row.partner_id,
        reusable: row.reusable === 1,
        comment: row.comment,
        state: row.reusable === 0 && redemptions > 0 ? 'redeemed' : 'active',
        redemptions,
        createdAt: row.created_at,
      };
    }),
    nextCursor: page.nextCursor,
  };
}

/** One coupon, its batch, and every redemption of it (reverted ones too). */
export async function getCoupon(ctx: AppContext, principal: Principal, id: string) {
  const db = ctx.handle.db;
  const coupon = await db
    .selectFrom('coupons')
    .selectAll()
    .where('vendor_id', '=', principal.vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!coupon) throw notFound('COUPON_NOT_FOUND', 'coupon');
  const batch = await db
    .selectFrom('coupon_batches')
    .selectAll()
    .where('id', '=', coupon.batch_id)
    .executeTakeFirstOrThrow();
  const history = await selectRedemptions(db).where('redemptions.coupon_id', '=', id).execute();
  return {
    id: coupon.id,
    code: coupon.code,
    createdAt: coupon.created_at,
    batch: toBatch(batch),
    history: history.map(toRedemption),
  };
}

export async function listBatches(ctx: AppContext, principal: Principal) {
  const rows = await ctx.handle.db
    .selectFrom('coupon_batches')
    .selectAll()
    .where('vendor_id', '=', principal.vendorId)
    .orderBy('id', 'desc')
    .limit(500)
    .execute();
  return { data: rows.map(toBatch), nextCursor: null };
}

/** A batch as CSV (code, type, state, redemptions, last key, last redeemed at), streamed in pages. */
export async function* exportBatchCsv(
  ctx: AppContext,
  principal: Pick<Principal, 'vendorId'>,
  batchId: string,
): AsyncGenerator<string> {
  const batch = await ctx.handle.db
    .selectFrom('coupon_batches')
    .select('id')
    .where('vendor_id', '=', principal.vendorId)
    .where('id', '=', batchId)
    .executeTakeFirst();
  if (!batch) throw notFound('NOT_FOUND', 'coupon batch');
  yield 'code,type,state,redemptions,comment,created_at\n';
  let cursor: string | undefined;
  do {
    const page = await listCoupons(ctx, principal, { batchId, limit: 200, cursor });
    yield page.data
      .map((c) => [c.code, c.type, c.state, c.redemptions, c.comment, c.createdAt].map(csvCell).join(','))
      .join('\n') + (page.data.length ? '\n' : '');
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** The key card's "redeemed coupons" tab: who redeemed what, when, through which channel, what changed. */
export async function listKeyRedemptions(ctx: AppContext, principal: Principal, keyId: string) {
  await findLiveKey(ctx.handle.db, principal.vendorId, keyId).catch((error: AppError) => {
    if (error.code !== 'KEY_DELETED') throw error;
  });
  const rows = await selectRedemptions(ctx.handle.db)
    .where('redemptions.key_id', '=', keyId)
    .where('redemptions.vendor_id', '=', principal.vendorId)
    .execute();
  return { data: rows.map(toRedemption), nextCursor: null };
}
