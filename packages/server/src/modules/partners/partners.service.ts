import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';

export async function assertPartnerOf(db: Db, vendorId: string, id: string): Promise<void> {
  const row = await db
    .selectFrom('partners')
    .select('id')
    .where('vendor_id', '=', vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('PARTNER_NOT_FOUND', 'partner');
}

export async function listPartners(ctx: AppContext, principal: Principal) {
  const rows = await ctx.handle.db
    .selectFrom('partners')
    .selectAll()
    .where('vendor_id', '=', principal.vendorId)
    .orderBy('name')
    .execute();
  return { data: rows.map((p) => ({ id: p.id, name: p.name, createdAt: p.created_at })), nextCursor: null };
}

export async function createPartner(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: { name: string },
) {
  assertRole(principal.role, 'manager');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const id = newId();
    await trx
      .insertInto('partners')
      .values({ id, vendor_id: principal.vendorId, name: input.name, created_at: now.toISOString() })
      .execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'partner.created',
      subjectType: 'partner',
      subjectId: id,
      after: input,
    });
    return { id, name: input.name, createdAt: now.toISOString() };
  });
}
