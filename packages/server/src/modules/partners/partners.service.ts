import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { assertEmailFree } from '../auth/accounts.js';
import { firstPasswordHash, inviteUnlessPassword } from '../auth/password-links.service.js';
import { languageOfVendor } from '../vendors/vendor-language.js';

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

export interface PartnerUserInput {
  email: string;
  name: string;
  password?: string;
  language?: 'ru' | 'en';
}

/** A login for the partner portal; a generated password is shown once. */
export async function createPartnerUser(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  partnerId: string,
  input: PartnerUserInput,
) {
  assertRole(principal.role, 'admin');
  const passwordHash = await firstPasswordHash(ctx, input.password);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    await assertPartnerOf(trx, principal.vendorId, partnerId);
    const email = input.email.toLowerCase();
    await assertEmailFree(trx, 'partner_users', principal.vendorId, email, 'a partner user');
    const id = newId();
    const language = input.language ?? (await languageOfVendor(trx, principal.vendorId));
    await trx
      .insertInto('partner_users')
      .values({
        id,
        vendor_id: principal.vendorId,
        partner_id: partnerId,
        email,
        name: input.name,
        password_hash: passwordHash,
        language,
        created_at: now.toISOString(),
      })
      .execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'partner_user.created',
      subjectType: 'partner_user',
      subjectId: id,
      after: { partnerId, email },
    });
    await inviteUnlessPassword(
      ctx,
      trx,
      { vendorId: principal.vendorId, table: 'partner_users', accountId: id, email, language },
      input.password,
      now,
    );
    return {
      id,
      partnerId,
      email,
      name: input.name,
      language,
      createdAt: now.toISOString(),
      invited: !input.password,
    };
  });
}

export async function listPartnerUsers(ctx: AppContext, principal: Principal, partnerId: string) {
  await assertPartnerOf(ctx.handle.db, principal.vendorId, partnerId);
  const rows = await ctx.handle.db
    .selectFrom('partner_users')
    .selectAll()
    .where('partner_id', '=', partnerId)
    .orderBy('email')
    .execute();
  return {
    data: rows.map((u) => ({
      id: u.id,
      partnerId: u.partner_id,
      email: u.email,
      name: u.name,
      language: u.language,
      createdAt: u.created_at,
    })),
    nextCursor: null,
  };
}
