import { sql } from 'kysely';
import { newId } from '../../platform/crypto.js';
import type { DatabaseHandle, Db } from '../../platform/db/database.js';
import { lockRows } from '../../platform/db/transaction.js';

/** Who holds entitlements: a partner (reseller) or a customer. */
export interface Account {
  readonly type: 'partner' | 'customer';
  readonly id: string;
}

export type EntryReason = 'order' | 'transfer_out' | 'transfer_in' | 'issue';

export interface Entry {
  account: Account;
  orderItemId: string;
  licenseTypeId: string;
  delta: number;
  reason: EntryReason;
  refId: string | null;
}

/** One line of an account's balance: per license type, and per order item it came from. */
export interface BalanceLine {
  orderItemId: string;
  licenseTypeId: string;
  /** Bought on an order of this account. */
  purchased: number;
  /** Moved in from a partner's draw-down. */
  received: number;
  /** Moved out to customers or spent on licenses. */
  allocated: number;
  available: number;
}

export async function postEntries(trx: Db, vendorId: string, entries: Entry[], now: Date): Promise<void> {
  if (entries.length === 0) return;
  await trx
    .insertInto('entitlement_entries')
    .values(
      entries.map((entry) => ({
        id: newId(),
        vendor_id: vendorId,
        account_type: entry.account.type,
        account_id: entry.account.id,
        order_item_id: entry.orderItemId,
        license_type_id: entry.licenseTypeId,
        delta: entry.delta,
        reason: entry.reason,
        ref_id: entry.refId,
        created_at: now.toISOString(),
      })),
    )
    .execute();
}

/** An account's balance lines, summed from the ledger (never stored, so never out of step). */
export async function balanceLines(db: Db, vendorId: string, account: Account): Promise<BalanceLine[]> {
  const rows = await db
    .selectFrom('entitlement_entries')
    .select([
      'order_item_id',
      'license_type_id',
      sql<number>`sum(case when reason = 'order' then delta else 0 end)`.as('purchased'),
      sql<number>`sum(case when reason = 'transfer_in' then delta else 0 end)`.as('received'),
      sql<number>`sum(case when delta < 0 then -delta else 0 end)`.as('allocated'),
      sql<number>`sum(delta)`.as('available'),
    ])
    .where('vendor_id', '=', vendorId)
    .where('account_type', '=', account.type)
    .where('account_id', '=', account.id)
    .groupBy(['order_item_id', 'license_type_id'])
    .orderBy('order_item_id')
    .execute();
  return rows.map((row) => ({
    orderItemId: row.order_item_id,
    licenseTypeId: row.license_type_id,
    purchased: Number(row.purchased),
    received: Number(row.received),
    allocated: Number(row.allocated),
    available: Number(row.available),
  }));
}

/**
 * Serializes every balance change of one account: the account's row is locked (PostgreSQL) or the
 * transaction holds the write lock (SQLite), so two spends can never both see the last unit.
 */
export async function lockAccount(handle: DatabaseHandle, trx: Db, account: Account): Promise<void> {
  const table = account.type === 'partner' ? 'partners' : 'customers';
  await lockRows(handle, trx.selectFrom(table).select('id').where('id', '=', account.id)).execute();
}
