import type { FastifyReply, FastifyRequest } from 'fastify';
import { chooseAccount } from '../../platform/auth/account-login.js';
import { authenticatePortal, openPortalSession } from '../../platform/auth/portal-sessions.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';

/** A partner user in the partner portal: sees its own partner's orders, customers and requests only. */
export interface PartnerPrincipal {
  readonly vendorId: string;
  readonly partnerId: string;
  readonly partnerName: string;
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly language: string;
  readonly csrfToken: string;
}

export const partnerActor = (partner: PartnerPrincipal): Actor => ({
  type: 'partner',
  id: partner.userId,
  name: partner.email,
  channel: 'portal',
});

function partnerUsers(ctx: AppContext) {
  return ctx.handle.db
    .selectFrom('partner_users')
    .innerJoin('partners', 'partners.id', 'partner_users.partner_id')
    .innerJoin('vendors', 'vendors.id', 'partner_users.vendor_id')
    .selectAll('partner_users')
    .select([
      'partners.name as partner_name',
      'vendors.name as vendor_name',
      'vendors.prefix as vendor_prefix',
    ]);
}

async function loadPartnerUser(ctx: AppContext, id: string) {
  return partnerUsers(ctx).where('partner_users.id', '=', id).executeTakeFirst();
}

const principalOf = (
  user: NonNullable<Awaited<ReturnType<typeof loadPartnerUser>>>,
  csrfToken: string,
): PartnerPrincipal => ({
  vendorId: user.vendor_id,
  partnerId: user.partner_id,
  partnerName: user.partner_name,
  userId: user.id,
  email: user.email,
  name: user.name,
  language: user.language,
  csrfToken,
});

export async function loginPartner(
  ctx: AppContext,
  reply: FastifyReply,
  email: string,
  password: string,
  vendorPrefix?: string,
): Promise<PartnerPrincipal> {
  let query = partnerUsers(ctx)
    .where('partner_users.email', '=', email.toLowerCase())
    .orderBy('vendors.prefix');
  if (vendorPrefix) query = query.where('vendors.prefix', '=', vendorPrefix.toUpperCase());
  const candidates = await query.execute();
  const user = await chooseAccount(
    ctx.handle.db,
    'partner_users',
    candidates,
    password,
    ctx.config.passwordCost,
  );
  const session = await openPortalSession(ctx, reply, 'partner', {
    vendorId: user.vendor_id,
    subjectId: user.id,
  });
  return principalOf(user, session.csrfToken);
}

export async function authenticatePartner(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<PartnerPrincipal> {
  const session = await authenticatePortal(ctx, request, 'partner');
  const user = await loadPartnerUser(ctx, session.subjectId);
  if (!user) throw new AppError('UNAUTHENTICATED', 'the partner user no longer exists');
  return principalOf(user, session.csrfToken);
}
