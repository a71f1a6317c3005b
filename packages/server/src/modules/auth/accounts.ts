import type { Db } from '../../platform/db/database.js';
import type { PasswordLinkTable } from '../../platform/db/schema.js';
import { AppError } from '../../platform/errors.js';

/** Refuses a second login with this e-mail among the vendor's staff, partner or customer logins. */
export async function assertEmailFree(
  trx: Db,
  table: PasswordLinkTable['account_table'],
  vendorId: string,
  email: string,
  what: string,
): Promise<void> {
  const taken = await trx
    .selectFrom(table)
    .select('id')
    .where('vendor_id', '=', vendorId)
    .where('email', '=', email)
    .executeTakeFirst();
  if (taken) throw new AppError('ALREADY_EXISTS', `${what} with e-mail ${email} exists`);
}
