import { VENDOR_PREFIX_PATTERN } from '@licensor/core';
import type { Role } from '../../platform/auth/roles.js';
import { type AppContext, cliActor } from '../../platform/context.js';
import { newId, newSecret, sha256 } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { hashPassword } from '../../platform/passwords.js';
import { generateSigningKey } from '../../platform/signing.js';
import { insertSigningKey, newKid } from './signing-keys.service.js';

export interface CreateVendorInput {
  readonly name: string;
  readonly prefix: string;
  readonly ownerEmail: string;
  readonly ownerPassword?: string;
}

export interface CreatedVendor {
  vendor: { id: string; name: string; prefix: string };
  owner: { id: string; email: string; password: string };
  token: string;
  signingKey: { kid: string; publicKey: string };
}

export const API_TOKEN_PREFIX = 'lic_';

export async function insertApiToken(
  trx: Db,
  input: { vendorId: string; name: string; role: Role; createdBy: string | null; now: Date },
): Promise<{ id: string; token: string }> {
  const id = newId();
  const token = newSecret(API_TOKEN_PREFIX);
  await trx
    .insertInto('api_tokens')
    .values({
      id,
      vendor_id: input.vendorId,
      name: input.name,
      role: input.role,
      token_hash: sha256(token),
      created_by: input.createdBy,
      created_at: input.now.toISOString(),
      revoked_at: null,
    })
    .execute();
  return { id, token };
}

/**
 * `licensor init`: a vendor with its owner, its first signing key and an owner API token,
 * all in one transaction so a failed init leaves nothing half-made.
 */
export async function createVendor(ctx: AppContext, input: CreateVendorInput): Promise<CreatedVendor> {
  const prefix = input.prefix.toUpperCase();
  if (!VENDOR_PREFIX_PATTERN.test(prefix)) {
    throw new AppError('VALIDATION_FAILED', 'the key prefix must be exactly four Latin letters');
  }
  const now = ctx.clock.now();
  const password = input.ownerPassword ?? newSecret('', 12);
  const passwordHash = await hashPassword(password, ctx.config.passwordCost);
  const vendorId = newId();
  const ownerId = newId();
  const key = generateSigningKey(newKid(prefix, now));

  return inTransaction(ctx.handle, async (trx) => {
    const taken = await trx
      .selectFrom('vendors')
      .select('id')
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    if (taken) throw new AppError('ALREADY_EXISTS', `the prefix ${prefix} is taken`);
    const at = now.toISOString();
    await trx
      .insertInto('vendors')
      .values({ id: vendorId, name: input.name, prefix, settings: '{}', created_at: at })
      .execute();
    await trx
      .insertInto('users')
      .values({
        id: ownerId,
        vendor_id: vendorId,
        email: input.ownerEmail.toLowerCase(),
        name: input.ownerEmail,
        role: 'owner',
        password_hash: passwordHash,
        language: 'en',
        created_at: at,
      })
      .execute();
    await insertSigningKey(trx, ctx.secrets, vendorId, key, at);
    const token = await insertApiToken(trx, {
      vendorId,
      name: 'init',
      role: 'owner',
      createdBy: ownerId,
      now,
    });
    await recordEvent(trx, vendorId, cliActor, now, {
      type: 'vendor.created',
      subjectType: 'vendor',
      subjectId: vendorId,
      after: { name: input.name, prefix, owner: input.ownerEmail },
    });
    return {
      vendor: { id: vendorId, name: input.name, prefix },
      owner: { id: ownerId, email: input.ownerEmail.toLowerCase(), password },
      token: token.token,
      signingKey: { kid: key.kid, publicKey: key.publicKey },
    };
  });
}

export async function listSigningKeys(ctx: AppContext, prefix: string) {
  const vendor = await ctx.handle.db
    .selectFrom('vendors')
    .select('id')
    .where('prefix', '=', prefix.toUpperCase())
    .executeTakeFirst();
  if (!vendor) throw new AppError('NOT_FOUND', `no vendor with prefix ${prefix}`);
  const rows = await ctx.handle.db
    .selectFrom('signing_keys')
    .select(['kid', 'public_key', 'created_at', 'retired_at'])
    .where('vendor_id', '=', vendor.id)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'asc')
    .execute();
  return rows.map((row) => ({
    kid: row.kid,
    alg: 'Ed25519' as const,
    publicKey: row.public_key,
    createdAt: row.created_at,
    ...(row.retired_at ? { retiredAt: row.retired_at } : {}),
  }));
}
