import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError } from '../../platform/errors.js';
import { createKeyWith } from '../keys/keys.service.js';
import { findLicenseRow, toLicense } from '../licenses/licenses.queries.js';
import { issueLicenseWith } from '../licenses/licenses.service.js';
import { buildFile } from '../offline/offline.service.js';
import { type Account, balanceLines, lockAccount, postEntries } from './ledger.js';

/** An account's entitlements per license type: purchased, received, allocated, available (seed 002). */
export async function entitlementsOf(db: Db, vendorId: string, account: Account) {
  const lines = await balanceLines(db, vendorId, account);
  if (lines.length === 0) return { account, data: [] };
  const types = await db
    .selectFrom('license_types')
    .innerJoin('products', 'products.id', 'license_types.product_id')
    .select([
      'license_types.id',
      'license_types.name',
      'license_types.scope',
      'products.code',
      'products.name as product_name',
    ])
    .where(
      'license_types.id',
      'in',
      lines.map((l) => l.licenseTypeId),
    )
    .execute();
  const data = types.map((type) => {
    const own = lines.filter((line) => line.licenseTypeId === type.id);
    const sum = (field: 'purchased' | 'received' | 'allocated' | 'available') =>
      own.reduce((total, line) => total + line[field], 0);
    return {
      licenseTypeId: type.id,
      licenseTypeName: type.name,
      scope: type.scope,
      productCode: type.code,
      productName: type.product_name,
      purchased: sum('purchased'),
      received: sum('received'),
      allocated: sum('allocated'),
      available: sum('available'),
      byOrderItem: own,
    };
  });
  return { account, data };
}

export type Delivery = 'cloud' | 'file';

export interface IssueFromEntitlementInput {
  licenseTypeId: string;
  /** cloud: bound to a registered installation (a Control Room GUID); file: a license file for it. */
  delivery: Delivery;
  installationId: string;
}

/** The customer's first live key, or a new one: entitlements become licenses on a key. */
async function customerKey(
  trx: Db,
  vendorId: string,
  customerId: string,
  actor: Actor,
  now: Date,
): Promise<string> {
  const existing = await trx
    .selectFrom('license_keys')
    .select('id')
    .where('customer_id', '=', customerId)
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .executeTakeFirst();
  return existing?.id ?? (await createKeyWith(trx, vendorId, customerId, actor, now)).id;
}

/**
 * Spends one unit of a customer's entitlement on a license (the customer, or its partner on its
 * behalf). The balance is read and spent under the account lock, so it never goes negative.
 */
export async function issueFromEntitlement(
  ctx: AppContext,
  vendorId: string,
  customerId: string,
  actor: Actor,
  input: IssueFromEntitlementInput,
) {
  const signer = input.delivery === 'file' ? await ctx.signer.fileSigner(vendorId) : undefined;
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const account: Account = { type: 'customer', id: customerId };
    await lockAccount(ctx.handle, trx, account);
    const line = (await balanceLines(trx, vendorId, account)).find(
      (l) => l.licenseTypeId === input.licenseTypeId && l.available > 0,
    );
    if (!line)
      throw new AppError('INSUFFICIENT_ENTITLEMENT', 'no entitlement of this license type is available');
    const item = await trx
      .selectFrom('order_items')
      .select(['term_unit', 'term_count'])
      .where('id', '=', line.orderItemId)
      .executeTakeFirstOrThrow();
    const keyId = await customerKey(trx, vendorId, customerId, actor, now);
    const term =
      item.term_unit && item.term_count
        ? { unit: item.term_unit as 'day' | 'month' | 'year', count: item.term_count }
        : null;
    const license = await issueLicenseWith(trx, now, vendorId, actor, keyId, {
      licenseTypeId: input.licenseTypeId,
      term,
    });
    await postEntries(
      trx,
      vendorId,
      [
        {
          account,
          orderItemId: line.orderItemId,
          licenseTypeId: input.licenseTypeId,
          delta: -1,
          reason: 'issue',
          refId: license.id,
        },
      ],
      now,
    );
    const row = (await findLicenseRow(trx, vendorId, license.id))!;
    if (input.delivery === 'cloud') {
      await trx
        .insertInto('bindings')
        .values({
          id: newId(),
          vendor_id: vendorId,
          license_id: license.id,
          resource_kind: 'installation',
          resource_id: input.installationId,
          resource_name: null,
          metadata: '{}',
          created_at: now.toISOString(),
        })
        .execute();
      const bound = (await findLicenseRow(trx, vendorId, license.id))!;
      return { license: toLicense(bound, now), file: null };
    }
    const file = await buildFile(
      ctx.handle,
      trx,
      signer!,
      row,
      { installationId: input.installationId },
      actor,
      now,
    );
    return { license: file.license, file: { fileName: file.fileName, content: file.content } };
  });
}
