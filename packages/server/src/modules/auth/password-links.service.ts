import type { AppContext } from '../../platform/context.js';
import { newSecret, sha256 } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type { PasswordLinkTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError } from '../../platform/errors.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { hashPassword, UNUSABLE_PASSWORD_HASH } from '../../platform/passwords.js';

export type Portal = 'vendor' | 'partner' | 'customer';
type AccountTable = PasswordLinkTable['account_table'];

const TABLE_OF: Record<Portal, AccountTable> = {
  vendor: 'users',
  partner: 'partner_users',
  customer: 'customer_users',
};
const PORTAL_OF: Record<AccountTable, Portal> = {
  users: 'vendor',
  partner_users: 'partner',
  customer_users: 'customer',
};
/** Where each portal lives in the web app. */
const PORTAL_PATH: Record<Portal, string> = { vendor: '', partner: '/partner', customer: '/customer' };
const LIFETIME_MS = { invite: 7 * 86_400_000, reset: 3_600_000 } as const;

export interface LinkedAccount {
  vendorId: string;
  table: AccountTable;
  accountId: string;
  email: string;
  language: string;
}

/**
 * Mails a single-use link that sets the account's password: an invitation (valid 7 days) for an account
 * created without one, or a reset (valid 1 hour). Written in the caller's transaction, mailed by the job queue.
 */
export async function sendPasswordLink(
  ctx: AppContext,
  trx: Db,
  account: LinkedAccount,
  purpose: keyof typeof LIFETIME_MS,
  now: Date,
): Promise<void> {
  const token = newSecret('', 32);
  await trx
    .insertInto('password_links')
    .values({
      token_hash: sha256(token),
      vendor_id: account.vendorId,
      account_table: account.table,
      account_id: account.accountId,
      purpose,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + LIFETIME_MS[purpose]).toISOString(),
      used_at: null,
    })
    .execute();
  const vendor = await trx
    .selectFrom('vendors')
    .select('name')
    .where('id', '=', account.vendorId)
    .executeTakeFirstOrThrow();
  const link = `${ctx.config.publicUrl}${PORTAL_PATH[PORTAL_OF[account.table]]}/set-password?token=${token}`;
  const ru = account.language === 'ru';
  const text =
    purpose === 'invite'
      ? ru
        ? `${vendor.name} приглашает вас. Задайте пароль (ссылка действует 7 дней):\n${link}`
        : `${vendor.name} invites you. Set your password (the link works for 7 days):\n${link}`
      : ru
        ? `Чтобы задать новый пароль для ${vendor.name}, откройте ссылку (действует час):\n${link}\nЕсли вы не просили сброс, ничего не делайте.`
        : `To set a new password for ${vendor.name}, open this link (it works for an hour):\n${link}\nIf you did not ask for it, do nothing.`;
  const subject =
    purpose === 'invite'
      ? ru
        ? `Приглашение от ${vendor.name}`
        : `Your invitation from ${vendor.name}`
      : ru
        ? `Сброс пароля — ${vendor.name}`
        : `Reset your password — ${vendor.name}`;
  await sendMailLater(trx, account.vendorId, { to: [account.email], subject, text }, now);
}

/**
 * The first password of a new account: the one given, or — none given — an unusable hash now and, once the
 * account is written, an invitation to set one (`inviteUnlessPassword`). Nothing to read off a screen.
 */
export const firstPasswordHash = (ctx: AppContext, password: string | undefined): Promise<string> =>
  password ? hashPassword(password, ctx.config.passwordCost) : Promise.resolve(UNUSABLE_PASSWORD_HASH);

/** Mails the invitation of an account created without a password (in its transaction). */
export async function inviteUnlessPassword(
  ctx: AppContext,
  trx: Db,
  account: LinkedAccount,
  password: string | undefined,
  now: Date,
): Promise<void> {
  if (!password) await sendPasswordLink(ctx, trx, account, 'invite', now);
}

/**
 * "Forgot password": a reset link to every account of this portal with the e-mail (one per vendor). The
 * answer is the same whether or not any exists.
 */
export async function requestPasswordReset(ctx: AppContext, portal: Portal, email: string): Promise<void> {
  const table = TABLE_OF[portal];
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    // A customer's logins get their e-mails in the customer's language.
    const accounts =
      table === 'customer_users'
        ? await trx
            .selectFrom('customer_users')
            .innerJoin('customers', 'customers.id', 'customer_users.customer_id')
            .select([
              'customer_users.id',
              'customer_users.vendor_id',
              'customer_users.email',
              'customers.language',
            ])
            .where('customer_users.email', '=', email.toLowerCase())
            .execute()
        : await trx
            .selectFrom(table)
            .select(['id', 'vendor_id', 'email', 'language'])
            .where('email', '=', email.toLowerCase())
            .execute();
    for (const account of accounts.slice(0, 5))
      await sendPasswordLink(
        ctx,
        trx,
        {
          vendorId: account.vendor_id,
          table,
          accountId: account.id,
          email: account.email,
          language: account.language,
        },
        'reset',
        now,
      );
  });
}

/**
 * Sets the password a link is for. The link is used up in the same transaction (of two tabs, one wins), and a
 * reset ends the account's open sessions elsewhere.
 */
export async function setPasswordWithLink(
  ctx: AppContext,
  token: string,
  password: string,
): Promise<{ portal: Portal }> {
  const passwordHash = await hashPassword(password, ctx.config.passwordCost);
  const now = ctx.clock.now().toISOString();
  return inTransaction(ctx.handle, async (trx) => {
    const used = await trx
      .updateTable('password_links')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    if (!used) throw new AppError('LINK_INVALID', 'this link is invalid, used or expired; ask for a new one');
    await trx
      .updateTable(used.account_table)
      .set({ password_hash: passwordHash })
      .where('id', '=', used.account_id)
      .execute();
    const portal = PORTAL_OF[used.account_table];
    if (portal === 'vendor')
      await trx.deleteFrom('web_sessions').where('user_id', '=', used.account_id).execute();
    else if (portal === 'partner')
      await trx
        .deleteFrom('portal_sessions')
        .where('portal', '=', 'partner')
        .where('subject_id', '=', used.account_id)
        .execute();
    return { portal };
  });
}
