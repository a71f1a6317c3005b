import { randomBytes } from 'node:crypto';
import { assertRole, type Role } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import type { SecretBox } from '../../platform/secrets.js';
import { generateSigningKey, type SigningKeyMaterial } from '../../platform/signing.js';

/** A new key id: readable (vendor and date) and unique (random tail). */
export function newKid(prefix: string, now: Date): string {
  return `${prefix.toLowerCase()}-${now.toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
}

/** Stores a new active key of a vendor. */
export async function insertSigningKey(
  trx: Db,
  secrets: SecretBox,
  vendorId: string,
  key: SigningKeyMaterial,
  at: string,
): Promise<void> {
  await trx
    .insertInto('signing_keys')
    .values({
      kid: key.kid,
      vendor_id: vendorId,
      private_key: secrets.seal(key.privateKey),
      public_key: key.publicKey,
      created_at: at,
      retired_at: null,
      revoked_at: null,
    })
    .execute();
}

/** Who manages a vendor's keys: a staff principal, or the operator's CLI acting as owner. */
export interface KeyManager {
  readonly vendorId: string;
  readonly role: Role;
}

export async function listVendorSigningKeys(ctx: AppContext, manager: KeyManager) {
  const rows = await ctx.handle.db
    .selectFrom('signing_keys')
    .select(['kid', 'public_key', 'created_at', 'retired_at', 'revoked_at'])
    .where('vendor_id', '=', manager.vendorId)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((row) => ({
    kid: row.kid,
    alg: 'Ed25519' as const,
    publicKey: row.public_key,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    revokedAt: row.revoked_at,
    state: row.revoked_at ? 'revoked' : row.retired_at ? 'retired' : 'active',
  }));
}

/**
 * A new active key; the previous one retires: it signs nothing new but still verifies what it
 * signed (answers, license files in the field) until an admin revokes it.
 */
export async function rotateSigningKey(ctx: AppContext, manager: KeyManager, actor: Actor) {
  assertRole(manager.role, 'admin');
  const now = ctx.clock.now();
  const at = now.toISOString();
  const created = await inTransaction(ctx.handle, async (trx) => {
    const vendor = await trx
      .selectFrom('vendors')
      .select('prefix')
      .where('id', '=', manager.vendorId)
      .executeTakeFirstOrThrow();
    const key = generateSigningKey(newKid(vendor.prefix, now));
    const retired = await trx
      .updateTable('signing_keys')
      .set({ retired_at: at })
      .where('vendor_id', '=', manager.vendorId)
      .where('retired_at', 'is', null)
      .where('revoked_at', 'is', null)
      .returning('kid')
      .execute();
    await insertSigningKey(trx, ctx.secrets, manager.vendorId, key, at);
    await recordEvent(trx, manager.vendorId, actor, now, {
      type: 'signing_key.rotated',
      subjectType: 'signing_key',
      subjectId: key.kid,
      before: { active: retired.map((r) => r.kid) },
      after: { active: key.kid },
    });
    return { kid: key.kid, publicKey: key.publicKey, createdAt: at };
  });
  return created;
}

/** Revokes a retired key: files it signed stop verifying. The active key cannot be revoked; rotate first. */
export async function revokeSigningKey(ctx: AppContext, manager: KeyManager, actor: Actor, kid: string) {
  assertRole(manager.role, 'admin');
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    const key = await trx
      .selectFrom('signing_keys')
      .select(['kid', 'retired_at', 'revoked_at'])
      .where('vendor_id', '=', manager.vendorId)
      .where('kid', '=', kid)
      .executeTakeFirst();
    if (!key) throw notFound('NOT_FOUND', 'signing key');
    if (key.revoked_at) return;
    if (!key.retired_at)
      throw new AppError('INVALID_TRANSITION', 'the active signing key cannot be revoked; rotate first');
    await trx
      .updateTable('signing_keys')
      .set({ revoked_at: now.toISOString() })
      .where('kid', '=', kid)
      .execute();
    await recordEvent(trx, manager.vendorId, actor, now, {
      type: 'signing_key.revoked',
      subjectType: 'signing_key',
      subjectId: kid,
    });
  });
}
