import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { newSecret, sha256 } from '../crypto.js';
import { AppError } from '../errors.js';
import { checkCsrf } from './authenticate.js';

export type Portal = 'customer' | 'partner';

/** Each portal has its own cookie, so a session of one never opens another. */
const COOKIES: Record<Portal, string> = { customer: 'licensor_customer', partner: 'licensor_partner' };
const SESSION_DAYS = 7;

export interface PortalSession {
  readonly vendorId: string;
  readonly subjectId: string;
  readonly keyId: string | null;
  readonly csrfToken: string;
}

/** Opens a session and sets its HttpOnly, SameSite=Strict cookie. */
export async function openPortalSession(
  ctx: AppContext,
  reply: FastifyReply,
  portal: Portal,
  subject: { vendorId: string; subjectId: string; keyId?: string | null },
): Promise<PortalSession> {
  const now = ctx.clock.now();
  const token = newSecret('');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
  await ctx.handle.db
    .insertInto('portal_sessions')
    .values({
      token_hash: sha256(token),
      portal,
      vendor_id: subject.vendorId,
      subject_id: subject.subjectId,
      key_id: subject.keyId ?? null,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    })
    .execute();
  reply.setCookie(COOKIES[portal], token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: ctx.config.publicUrl.startsWith('https:'),
    path: '/',
    expires: expiresAt,
  });
  return {
    vendorId: subject.vendorId,
    subjectId: subject.subjectId,
    keyId: subject.keyId ?? null,
    csrfToken,
  };
}

/** The raw token of the caller's portal session (its cookie), when it has one. */
export const portalSessionToken = (request: FastifyRequest, portal: Portal): string | undefined =>
  request.cookies?.[COOKIES[portal]];

export async function closePortalSession(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  portal: Portal,
) {
  const token = portalSessionToken(request, portal);
  if (token)
    await ctx.handle.db.deleteFrom('portal_sessions').where('token_hash', '=', sha256(token)).execute();
  reply.clearCookie(COOKIES[portal], { path: '/' });
}

/** The session behind a portal request; cookie-authenticated writes must carry its CSRF token. */
export async function authenticatePortal(
  ctx: AppContext,
  request: FastifyRequest,
  portal: Portal,
): Promise<PortalSession> {
  const token = portalSessionToken(request, portal);
  if (!token) throw new AppError('UNAUTHENTICATED', `log in to the ${portal} portal`);
  const session = await ctx.handle.db
    .selectFrom('portal_sessions')
    .selectAll()
    .where('token_hash', '=', sha256(token))
    .where('portal', '=', portal)
    .where('expires_at', '>', ctx.clock.now().toISOString())
    .executeTakeFirst();
  if (!session) throw new AppError('UNAUTHENTICATED', 'the session has expired; log in again');
  checkCsrf(request, session.csrf_token);
  return {
    vendorId: session.vendor_id,
    subjectId: session.subject_id,
    keyId: session.key_id,
    csrfToken: session.csrf_token,
  };
}
