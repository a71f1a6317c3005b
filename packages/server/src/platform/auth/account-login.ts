import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { checkLoginPassword, type ScryptCost } from '../passwords.js';

/** An account an e-mail may log in to, with its vendor (e-mails are unique per vendor, not per server). */
export interface LoginCandidate {
  readonly id: string;
  readonly password_hash: string;
  readonly vendor_prefix: string;
  readonly vendor_name: string;
}

/** A person is rarely staff, partner or customer of more vendors than this on one server. */
const MAX_CANDIDATES = 5;

export const invalidCredentials = () => new AppError('INVALID_CREDENTIALS', 'wrong e-mail or password');

/**
 * The account an e-mail and password open, among the candidates with that e-mail (already narrowed to a
 * vendor when the login named one). The password is checked against each: an e-mail alone reveals nothing,
 * and when the password opens accounts with several vendors the answer lists those vendors (the caller has
 * proved the password) and asks to name one.
 */
export async function chooseAccount<T extends LoginCandidate>(
  db: Db,
  table: 'users' | 'partner_users' | 'customer_users',
  candidates: readonly T[],
  password: string,
  cost: ScryptCost,
): Promise<T> {
  if (candidates.length === 0) {
    await checkLoginPassword(db, table, undefined, password, cost); // as long as a wrong password takes
    throw invalidCredentials();
  }
  // Checked side by side, so an e-mail with accounts at several vendors takes about as long as one with one.
  const tried = candidates.slice(0, MAX_CANDIDATES);
  const results = await Promise.all(
    tried.map((candidate) => checkLoginPassword(db, table, candidate, password, cost)),
  );
  const opened = tried.filter((_, i) => results[i]);
  if (opened.length === 0) throw invalidCredentials();
  if (opened.length > 1)
    throw new AppError(
      'VENDOR_REQUIRED',
      'this e-mail and password open accounts with several vendors: choose one',
      opened.map((account) => ({ prefix: account.vendor_prefix, name: account.vendor_name })),
    );
  return opened[0];
}
