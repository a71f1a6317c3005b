import type { Actor, AppContext } from '../../platform/context.js';
import { sha256 } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { hashPassword, verifyPassword } from '../../platform/passwords.js';

export type Language = 'en' | 'ru';

/** The account a staff or partner user is logged in as: its own profile is the only one it edits here. */
export interface ProfileAccount {
  readonly table: 'users' | 'partner_users';
  readonly vendorId: string;
  readonly id: string;
}

export interface Profile {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly language: Language;
}

const SUBJECT = { users: 'user', partner_users: 'partner_user' } as const;

export const asLanguage = (value: string): Language => (value === 'ru' ? 'ru' : 'en');

async function loadAccount(db: Db, account: ProfileAccount) {
  const row = await db
    .selectFrom(account.table)
    .select(['id', 'email', 'name', 'language', 'password_hash'])
    .where('vendor_id', '=', account.vendorId)
    .where('id', '=', account.id)
    .executeTakeFirst();
  if (!row) throw notFound('USER_NOT_FOUND', 'user');
  return row;
}

/** The caller's own name and the language of the e-mails it gets (invitations, resets, notices). */
export async function updateProfile(
  ctx: AppContext,
  account: ProfileAccount,
  actor: Actor,
  changes: { name?: string; language?: Language },
): Promise<Profile> {
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const before = await loadAccount(trx, account);
    const after = {
      name: changes.name?.trim() || before.name,
      language: changes.language ?? before.language,
    };
    await trx.updateTable(account.table).set(after).where('id', '=', account.id).execute();
    await recordEvent(trx, account.vendorId, actor, now, {
      type: `${SUBJECT[account.table]}.updated`,
      subjectType: SUBJECT[account.table],
      subjectId: account.id,
      before: { name: before.name, language: before.language },
      after,
    });
    return { id: before.id, email: before.email, name: after.name, language: asLanguage(after.language) };
  });
}

/**
 * A new password for the caller, given its current one. Every other session of the account ends (a stolen
 * cookie stops working) and unused password links die; the session the change came from stays.
 */
export async function changePassword(
  ctx: AppContext,
  account: ProfileAccount,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
  currentSessionToken: string | undefined,
): Promise<void> {
  const row = await loadAccount(ctx.handle.db, account);
  const check = await verifyPassword(input.currentPassword, row.password_hash, ctx.config.passwordCost);
  if (!check.ok) throw new AppError('WRONG_PASSWORD', 'the current password is wrong');
  const passwordHash = await hashPassword(input.newPassword, ctx.config.passwordCost);
  const keep = currentSessionToken ? sha256(currentSessionToken) : '';
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    await trx
      .updateTable(account.table)
      .set({ password_hash: passwordHash })
      .where('id', '=', account.id)
      .execute();
    if (account.table === 'users')
      await trx
        .deleteFrom('web_sessions')
        .where('user_id', '=', account.id)
        .where('token_hash', '!=', keep)
        .execute();
    else
      await trx
        .deleteFrom('portal_sessions')
        .where('portal', '=', 'partner')
        .where('subject_id', '=', account.id)
        .where('token_hash', '!=', keep)
        .execute();
    await trx
      .updateTable('password_links')
      .set({ used_at: now.toISOString() })
      .where('account_table', '=', account.table)
      .where('account_id', '=', account.id)
      .where('used_at', 'is', null)
      .execute();
    await recordEvent(trx, account.vendorId, actor, now, {
      type: `${SUBJECT[account.table]}.password_changed`,
      subjectType: SUBJECT[account.table],
      subjectId: account.id,
    });
  });
}
