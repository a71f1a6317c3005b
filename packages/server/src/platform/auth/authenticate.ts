import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { safeEqual, sha256 } from '../crypto.js';
import { AppError } from '../errors.js';
import type { Principal } from './principal.js';
import { isRole } from './roles.js';

export const SESSION_COOKIE = 'licensor_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Cookie-authenticated writes must echo the session's CSRF token: a cross-site form cannot set headers. */
export function checkCsrf(request: FastifyRequest, expected: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  const sent = request.headers['x-csrf-token'];
  if (typeof sent !== 'string' || !safeEqual(sent, expected)) {
    throw new AppError('CSRF_FAILED', 'missing or wrong x-csrf-token header');
  }
}

/**
 * Finds who is calling: a bearer API token, or the cabinet's session cookie. Cookie-authenticated
 * writes must echo the session's CSRF token in `x-csrf-token` (a cross-site form cannot set headers).
 */
export async function authenticate(ctx: AppContext, request: FastifyRequest): Promise<Principal> {
  const now = ctx.clock.now().toISOString();
  const authorization = request.headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new AppError('UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
    const token = await ctx.handle.db
      .selectFrom('api_tokens')
      .select(['id', 'vendor_id', 'role', 'name'])
      .where('token_hash', '=', sha256(match[1]))
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .executeTakeFirst();
    if (!token || !isRole(token.role))
      throw new AppError('UNAUTHENTICATED', 'unknown, revoked or expired API token');
    return {
      vendorId: token.vendor_id,
      role: token.role,
      userId: null,
      tokenId: token.id,
      name: token.name,
      csrfToken: null,
    };
  }

  const cookie = request.cookies?.[SESSION_COOKIE];
  if (!cookie) throw new AppError('UNAUTHENTICATED', 'log in or send an API token');
  const session = await ctx.handle.db
    .selectFrom('web_sessions')
    .innerJoin('users', 'users.id', 'web_sessions.user_id')
    .select([
      'users.id as userId',
      'users.email',
      'users.role',
      'web_sessions.vendor_id',
      'web_sessions.csrf_token',
    ])
    .where('web_sessions.token_hash', '=', sha256(cookie))
    .where('web_sessions.expires_at', '>', now)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!session || !isRole(session.role))
    throw new AppError('UNAUTHENTICATED', 'the session has expired; log in again');
  checkCsrf(request, session.csrf_token);
  return {
    vendorId: session.vendor_id,
    role: session.role,
    userId: session.userId,
    tokenId: null,
    name: session.email,
    csrfToken: session.csrf_token,
  };
}
