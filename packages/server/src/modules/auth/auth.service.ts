import { randomBytes } from 'node:crypto';
import { chooseAccount } from '../../platform/auth/account-login.js';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole, type Role } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId, newSecret, sha256 } from '../../platform/crypto.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { languageOfVendor, vendorLanguage } from '../vendors/vendor-language.js';
import { insertApiToken } from '../vendors/vendors.service.js';
import { assertEmailFree } from './accounts.js';
import { firstPasswordHash, inviteUnlessPassword } from './password-links.service.js';
import { asLanguage, type Language } from './profile.service.js';

const SESSION_DAYS = 7;

export interface LoginResult {
  sessionToken: string;
  expiresAt: Date;
  me: Me;
}

export interface Me {
  user: { id: string; email: string; name: string; role: string; language: Language };
  vendor: { id: string; name: string; prefix: string };
  csrfToken: string;
}

/**
 * E-mail + password (+ the vendor's prefix, when the e-mail is staff of several) → a new cabinet session;
 * the same answer whether the e-mail or the password is wrong.
 */
export async function login(
  ctx: AppContext,
  email: string,
  password: string,
  vendorPrefix?: string,
): Promise<LoginResult> {
  const db = ctx.handle.db;
  let query = db
    .selectFrom('users')
    .innerJoin('vendors', 'vendors.id', 'users.vendor_id')
    .select([
      'users.id',
      'users.email',
      'users.name',
      'users.role',
      'users.language',
      'users.password_hash',
      'vendors.id as vendorId',
      'vendors.name as vendor_name',
      'vendors.prefix as vendor_prefix',
    ])
    .where('users.email', '=', email.toLowerCase())
    .where('users.disabled_at', 'is', null)
    .orderBy('vendors.prefix');
  if (vendorPrefix) query = query.where('vendors.prefix', '=', vendorPrefix.toUpperCase());
  const user = await chooseAccount(db, 'users', await query.execute(), password, ctx.config.passwordCost);

  const now = ctx.clock.now();
  const sessionToken = newSecret('');
  const csrfToken = randomBytes(24).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
  await db
    .insertInto('web_sessions')
    .values({
      token_hash: sha256(sessionToken),
      user_id: user.id,
      vendor_id: user.vendorId,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    })
    .execute();
  return {
    sessionToken,
    expiresAt,
    me: {
      user: {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        language: asLanguage(user.language),
      },
      vendor: { id: user.vendorId, name: user.vendor_name, prefix: user.vendor_prefix },
      csrfToken,
    },
  };
}

export async function logout(ctx: AppContext, sessionToken: string): Promise<void> {
  await ctx.handle.db.deleteFrom('web_sessions').where('token_hash', '=', sha256(sessionToken)).execute();
}

export async function me(ctx: AppContext, principal: Principal): Promise<Me> {
  const { settings, ...vendor } = await ctx.handle.db
    .selectFrom('vendors')
    .select(['id', 'name', 'prefix', 'settings'])
    .where('id', '=', principal.vendorId)
    .executeTakeFirstOrThrow();
  const user = principal.userId
    ? await ctx.handle.db
        .selectFrom('users')
        .select(['id', 'email', 'name', 'role', 'language'])
        .where('id', '=', principal.userId)
        .executeTakeFirstOrThrow()
    : {
        id: principal.tokenId ?? '',
        email: '',
        name: principal.name,
        role: principal.role,
        language: vendorLanguage(settings),
      };
  return {
    user: { ...user, language: asLanguage(user.language) },
    vendor,
    csrfToken: principal.csrfToken ?? '',
  };
}

export async function listUsers(ctx: AppContext, principal: Principal) {
  const rows = await ctx.handle.db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'created_at', 'disabled_at'])
    .where('vendor_id', '=', principal.vendorId)
    .orderBy('email')
    .execute();
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: Boolean(u.disabled_at),
    createdAt: u.created_at,
  }));
}

export async function createUser(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: { email: string; name: string; role: Role; password?: string; language?: Language },
) {
  assertRole(principal.role, 'admin');
  if (input.role === 'owner') assertRole(principal.role, 'owner');
  const passwordHash = await firstPasswordHash(ctx, input.password);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const email = input.email.toLowerCase();
    await assertEmailFree(trx, 'users', principal.vendorId, email, 'a user');
    const id = newId();
    // Unless told, a new colleague's e-mails come in the vendor's language.
    const language = input.language ?? (await languageOfVendor(trx, principal.vendorId));
    await trx
      .insertInto('users')
      .values({
        id,
        vendor_id: principal.vendorId,
        email,
        name: input.name,
        role: input.role,
        password_hash: passwordHash,
        language,
        created_at: now.toISOString(),
      })
      .execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'user.created',
      subjectType: 'user',
      subjectId: id,
      after: { email, role: input.role },
    });
    await inviteUnlessPassword(
      ctx,
      trx,
      { vendorId: principal.vendorId, table: 'users', accountId: id, email, language },
      input.password,
      now,
    );
    return {
      id,
      email,
      name: input.name,
      role: input.role,
      disabled: false,
      createdAt: now.toISOString(),
      invited: !input.password,
    };
  });
}

export async function listTokens(ctx: AppContext, principal: Principal) {
  assertRole(principal.role, 'admin');
  const rows = await ctx.handle.db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'created_at', 'revoked_at', 'expires_at'])
    .where('vendor_id', '=', principal.vendorId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: t.created_at,
    revokedAt: t.revoked_at,
    expiresAt: t.expires_at ?? null,
  }));
}

/** A new API token, shown once; a token can never hold a role above its creator's. */
export async function createToken(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: { name: string; role: Role; expiresAt?: string },
) {
  assertRole(principal.role, 'admin');
  assertRole(principal.role, input.role);
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const created = await insertApiToken(trx, {
      vendorId: principal.vendorId,
      name: input.name,
      role: input.role,
      createdBy: principal.userId,
      now,
    });
    if (input.expiresAt)
      await trx
        .updateTable('api_tokens')
        .set({ expires_at: new Date(input.expiresAt).toISOString() })
        .where('id', '=', created.id)
        .execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'token.created',
      subjectType: 'token',
      subjectId: created.id,
      after: { name: input.name, role: input.role },
    });
    return {
      id: created.id,
      name: input.name,
      role: input.role,
      createdAt: now.toISOString(),
      revokedAt: null,
      expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
      token: created.token,
    };
  });
}

export async function revokeToken(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
): Promise<void> {
  assertRole(principal.role, 'admin');
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    const token = await trx
      .selectFrom('api_tokens')
      .select(['id', 'revoked_at'])
      .where('id', '=', id)
      .where('vendor_id', '=', principal.vendorId)
      .executeTakeFirst();
    if (!token) throw new AppError('NOT_FOUND', 'token not found');
    if (token.revoked_at) return;
    await trx.updateTable('api_tokens').set({ revoked_at: now.toISOString() }).where('id', '=', id).execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'token.revoked',
      subjectType: 'token',
      subjectId: id,
    });
  });
}

/**
 * Changes a staff user's role or disables (or re-enables) the user (admin; owners only by an owner). The last
 * active owner stays an owner, and nobody disables themselves. Disabling ends the user's sessions at once.
 */
export async function updateUser(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  input: { role?: Role; disabled?: boolean },
) {
  assertRole(principal.role, 'admin');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const user = await trx
      .selectFrom('users')
      .selectAll()
      .where('vendor_id', '=', principal.vendorId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!user) throw new AppError('USER_NOT_FOUND', 'user not found');
    if (user.role === 'owner' || input.role === 'owner') assertRole(principal.role, 'owner');
    if (input.disabled && id === principal.userId)
      throw new AppError('CONFLICT', 'you cannot disable yourself; ask another admin');
    const demotesOwner = user.role === 'owner' && ((input.role && input.role !== 'owner') || input.disabled);
    if (demotesOwner) {
      const owners = await trx
        .selectFrom('users')
        .select('id')
        .where('vendor_id', '=', principal.vendorId)
        .where('role', '=', 'owner')
        .where('disabled_at', 'is', null)
        .execute();
      if (owners.length <= 1) throw new AppError('CONFLICT', 'the vendor keeps at least one active owner');
    }
    const changes: { role?: string; disabled_at?: string | null } = {};
    if (input.role) changes.role = input.role;
    if (input.disabled !== undefined) changes.disabled_at = input.disabled ? now.toISOString() : null;
    if (Object.keys(changes).length)
      await trx.updateTable('users').set(changes).where('id', '=', id).execute();
    if (input.disabled) await trx.deleteFrom('web_sessions').where('user_id', '=', id).execute();
    const after = { ...user, ...changes };
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'user.updated',
      subjectType: 'user',
      subjectId: id,
      before: { role: user.role, disabled: Boolean(user.disabled_at) },
      after: { role: after.role, disabled: Boolean(after.disabled_at) },
    });
    return {
      id,
      email: user.email,
      name: user.name,
      role: after.role,
      disabled: Boolean(after.disabled_at),
      createdAt: user.created_at,
    };
  });
}
