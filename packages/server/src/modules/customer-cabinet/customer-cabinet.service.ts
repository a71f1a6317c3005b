import type { AppContext } from '../../platform/context.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { asLanguage, type Language } from '../auth/profile.service.js';
import { selectRedemptions, toRedemption } from '../coupons/coupons.queries.js';
import { redeemCoupon } from '../coupons/redemptions.service.js';
import {
  firstListed,
  LISTED_SESSIONS,
  listedBindings,
  listedSessionsOfKey,
  openSessionsByKey,
} from '../keys/keys.queries.js';
import { selectLicenses, toLicense } from '../licenses/licenses.queries.js';
import { type CustomerPrincipal, customerActor } from './customer-auth.js';

/** The keys this session may see: the one it logged in with, or all of the customer's live keys. */
async function visibleKeys(ctx: AppContext, principal: CustomerPrincipal) {
  let query = ctx.handle.db
    .selectFrom('license_keys')
    .select(['id', 'key', 'status'])
    .where('vendor_id', '=', principal.vendorId)
    .where('customer_id', '=', principal.customerId)
    .where('deleted_at', 'is', null);
  if (principal.keyId) query = query.where('id', '=', principal.keyId);
  return query.orderBy('id').execute();
}

export async function customerMe(ctx: AppContext, principal: CustomerPrincipal) {
  const customer = await ctx.handle.db
    .selectFrom('customers')
    .innerJoin('vendors', 'vendors.id', 'customers.vendor_id')
    .select([
      'customers.id',
      'customers.name',
      'customers.language',
      'vendors.name as vendorName',
      'vendors.prefix',
    ])
    .where('customers.id', '=', principal.customerId)
    .executeTakeFirstOrThrow();
  return {
    customer: { id: customer.id, name: customer.name, language: asLanguage(customer.language) },
    vendor: { name: customer.vendorName, prefix: customer.prefix },
    keys: await visibleKeys(ctx, principal),
    loggedInWithKey: principal.keyId !== null,
    csrfToken: principal.csrfToken,
  };
}

/** The customer chooses the language of its e-mails (reminders, invitations of its logins). */
export async function setCustomerLanguage(
  ctx: AppContext,
  principal: CustomerPrincipal,
  language: Language,
): Promise<void> {
  // A key opens that key's licenses only (seed 004); the customer's own settings are for its logins.
  if (principal.keyId !== null)
    throw new AppError(
      'FORBIDDEN',
      "log in with e-mail and password to change the customer's e-mail language",
    );
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    const before = await trx
      .selectFrom('customers')
      .select('language')
      .where('id', '=', principal.customerId)
      .executeTakeFirstOrThrow();
    await trx.updateTable('customers').set({ language }).where('id', '=', principal.customerId).execute();
    await recordEvent(trx, principal.vendorId, customerActor(principal), now, {
      type: 'customer.updated',
      subjectType: 'customer',
      subjectId: principal.customerId,
      customerId: principal.customerId,
      before: { language: before.language },
      after: { language },
    });
  });
}

/** Seed 003's words for a license's state: free (not yet activated), activated, expired. */
const CABINET_STATE: Record<string, string> = {
  unused: 'free',
  active: 'activated',
  expiring: 'activated',
  expired: 'expired',
  suspended: 'suspended',
};

/** Licenses attached by hand that this session may see (a key-login session: those it attached itself). */
async function attachedLicenseIds(ctx: AppContext, principal: CustomerPrincipal): Promise<string[]> {
  let query = ctx.handle.db
    .selectFrom('attached_licenses')
    .select('license_id')
    .where('customer_id', '=', principal.customerId);
  if (principal.keyId) query = query.where('via_key_id', '=', principal.keyId);
  return (await query.execute()).map((row) => row.license_id);
}

/**
 * The cabinet's licenses: those on the session's keys ("cloud": they appear once an app activates
 * them) and those added by hand by code or file ("local"), each with where it is activated.
 */
export async function customerLicenses(ctx: AppContext, principal: CustomerPrincipal) {
  const keys = await visibleKeys(ctx, principal);
  const attached = await attachedLicenseIds(ctx, principal);
  if (keys.length === 0 && attached.length === 0) return { data: [], nextCursor: null };
  const now = ctx.clock.now();
  const rows = await selectLicenses(ctx.handle.db)
    .where((eb) =>
      eb.or([
        ...(keys.length
          ? [
              eb(
                'licenses.key_id',
                'in',
                keys.map((k) => k.id),
              ),
            ]
          : []),
        ...(attached.length ? [eb('licenses.id', 'in', attached)] : []),
      ]),
    )
    // Replaced editions and revoked grants are no longer the customer's.
    .where('licenses.superseded_at', 'is', null)
    .where('licenses.revoked_at', 'is', null)
    .orderBy('licenses.id')
    .execute();
  // Each license's first LISTED_BINDINGS activations; `seatsUsed` says how many it has.
  const bindings = await listedBindings(ctx.handle.db, rows);
  const ownKeys = new Set(keys.map((k) => k.id));
  return {
    data: rows.map((row) => {
      const license = toLicense(row, now);
      return {
        ...license,
        cabinetState: CABINET_STATE[license.status] ?? license.status,
        origin: ownKeys.has(row.key_id) ? 'cloud' : 'local',
        activations: bindings
          .filter((b) => b.license_id === row.id)
          .map((b) => ({ kind: b.resource_kind, id: b.resource_id, name: b.resource_name })),
      };
    }),
    nextCursor: null,
  };
}

/** Devices and other resources the customer's licenses are activated on, and the live sessions. */
export async function customerDevices(ctx: AppContext, principal: CustomerPrincipal) {
  const keys = (await visibleKeys(ctx, principal)).map((k) => k.id);
  if (keys.length === 0) return { resources: [], resourcesBound: 0, sessionsOpen: 0, sessions: [] };
  const db = ctx.handle.db;
  const licenses = await db
    .selectFrom('licenses')
    .select(['id', 'bound_seats as seats_used'])
    .where('key_id', 'in', keys)
    .where('bound_seats', '>', 0)
    .execute();
  const resources = firstListed(await listedBindings(db, licenses));
  // The latest sessions of each key that has any (one index range per key: a key list in one statement would
  // sort every session of a site license), then the latest of them all.
  const now = ctx.clock.now();
  const open = await openSessionsByKey(db, keys);
  const sessions = (await Promise.all([...open.keys()].map((keyId) => listedSessionsOfKey(db, keyId, now))))
    .flat()
    .sort((a, b) => b.expires_at.localeCompare(a.expires_at) || a.id.localeCompare(b.id))
    .slice(0, LISTED_SESSIONS);
  const resource = (r: { resource_kind: string; resource_id: string; resource_name: string | null }) => ({
    kind: r.resource_kind,
    id: r.resource_id,
    name: r.resource_name,
  });
  return {
    resources: resources.map((r) => ({ ...resource(r), product: r.product_name, activatedAt: r.created_at })),
    resourcesBound: licenses.reduce((bound, l) => bound + l.seats_used, 0),
    sessionsOpen: [...open.values()].reduce((sum, n) => sum + n, 0),
    sessions: sessions.map((s) => ({
      ...resource(s),
      product: s.product_name,
      lastHeartbeatAt: s.last_heartbeat_at,
      expiresAt: s.expires_at,
    })),
  };
}

/** The customer redeems a coupon on its key in the cabinet (seed 004, the second of three ways). */
export async function customerRedeem(
  ctx: AppContext,
  principal: CustomerPrincipal,
  input: { coupon: string; keyId?: string },
) {
  const keys = await visibleKeys(ctx, principal);
  const key = input.keyId ? keys.find((k) => k.id === input.keyId) : keys[0];
  if (!key) throw notFound('KEY_NOT_FOUND', 'license key');
  const { vendorId: _, ...redeemed } = await redeemCoupon(
    ctx,
    { actor: customerActor(principal), vendorId: principal.vendorId },
    { key: key.key, coupon: input.coupon },
  );
  return redeemed;
}

export async function customerRedemptions(ctx: AppContext, principal: CustomerPrincipal) {
  const keys = await visibleKeys(ctx, principal);
  if (keys.length === 0) return { data: [], nextCursor: null };
  const rows = await selectRedemptions(ctx.handle.db)
    .where(
      'redemptions.key_id',
      'in',
      keys.map((k) => k.id),
    )
    .execute();
  return { data: rows.map(toRedemption), nextCursor: null };
}
