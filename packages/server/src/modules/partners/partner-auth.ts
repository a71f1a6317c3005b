import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticatePortal, openPortalSession } from '../../platform/auth/portal-sessions.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { checkLoginPassword } from '../../platform/passwords.js';

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

async function loadPartnerUser(ctx: AppContext, where: { email?: string; id?: string }) {
  let query = ctx.handle.db
    .selectFrom('partner_users')
    .innerJoin('partners', 'partners.id', 'partner_users.partner_id')
    .selectAll('partner_users')
    .select('partners.name as partner_name');
  if (where.email) query = query.where('partner_users.email', '=', where.email.toLowerCase());
  if (where.id) query = query.where('partner_users.id', '=', where.id);
  return query.executeTakeFirst();
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
): Promise<PartnerPrincipal> {
  const user = await loadPartnerUser(ctx, { email });
  const ok = await checkLoginPassword(
    ctx.handle.db,
    'partner_users',
    user,
    password,
    ctx.config.passwordCost,
  );
  if (!user || !ok) throw new AppError('INVALID_CREDENTIALS', 'wrong e-mail or password');
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
  const user = await loadPartnerUser(ctx, { id: session.subjectId });
  if (!user) throw new AppError('UNAUTHENTICATED', 'the partner user no longer exists');
  return principalOf(user, session.csrfToken);
}
