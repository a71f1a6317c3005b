import { type Kysely, sql } from 'kysely';

/** Coupon batches, coupons, and redemptions with their exact effect (so a revert can undo it). */
export async function up(db: Kysely<unknown>): Promise<void> {
  const s = db.schema;
  await s
    .createTable('coupon_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.references('partners.id'))
    .addColumn('items', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('reusable', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('key_id', 'text', (c) => c.references('license_keys.id'))
    .addColumn('activate_now', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await s
    .createTable('coupons')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('batch_id', 'text', (c) => c.notNull().references('coupon_batches.id'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('coupons_batch').on('coupons').columns(['batch_id', 'id']).execute();
  await s.createIndex('coupons_vendor').on('coupons').columns(['vendor_id', 'id']).execute();

  await s
    .createTable('redemptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id'))
    .addColumn('coupon_id', 'text', (c) => c.notNull().references('coupons.id'))
    .addColumn('key_id', 'text', (c) => c.notNull().references('license_keys.id'))
    // 'once' for a single-use coupon, the key id for a reusable one: the unique index below is then
    // invariant 2 itself — at most one live redemption per coupon, or per coupon and key.
    .addColumn('slot', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('effect', 'text', (c) => c.notNull())
    .addColumn('redeemed_at', 'text', (c) => c.notNull())
    .addColumn('reverted_at', 'text')
    .addColumn('reverted_by', 'text')
    .execute();
  await s
    .createIndex('redemptions_live_slot')
    .on('redemptions')
    .columns(['coupon_id', 'slot'])
    .unique()
    .where(sql.ref('reverted_at'), 'is', null)
    .execute();
  await s.createIndex('redemptions_key').on('redemptions').columns(['key_id', 'id']).execute();
}
