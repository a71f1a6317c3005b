import { needsBinding, parseLicenseKey } from '@licensor/core';
import type { Selectable } from 'kysely';
import { type AppContext, appActor } from '../../platform/context.js';
import { type Db, runNamed } from '../../platform/db/database.js';
import type { BindingTable } from '../../platform/db/schema.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { batchesPer, rowsByQuestion } from '../../platform/db/turn-batches.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import type { LicenseRow } from '../licenses/licenses.queries.js';
import { claimSeat } from '../licenses/seats.js';
import { type AppKey, type Candidate, findKeyByCode, productLicenses, usableNow } from './app-api.queries.js';
import type { ValidationReader } from './validation-reader.js';

export interface ResourceInput {
  kind: string;
  id: string;
  name?: string;
  metadata?: Record<string, unknown>;
}

export interface Binding {
  id: string;
  licenseId: string;
  product: string;
  resource: { kind: string; id: string; name: string | null };
  createdAt: string;
}

/** The key behind an app request; unknown keys are a 404, as for any missing resource. */
export async function requireKey(db: Db, input: string): Promise<AppKey> {
  const { key } = await findKeyByCode(db, input);
  if (!key) throw notFound('KEY_NOT_FOUND', 'license key');
  return key;
}

/** The licenses of a product on the key that are usable right now (valid or in grace). */
export async function usableLicenses(
  ctx: AppContext,
  trx: Db,
  key: AppKey,
  product: string,
): Promise<Candidate[]> {
  const rows = await productLicenses(trx, key.id, product);
  const outcome = usableNow(key.status, rows, ctx.clock.now());
  if (!outcome.valid) throw new AppError('LICENSE_NOT_USABLE', outcome.detail, [{ code: outcome.code }]);
  return [...outcome.usable];
}

/** The usable licenses with their rows locked, so that counting their seats and adding one happen as one step. */
async function lockUsableLicenses(
  ctx: AppContext,
  trx: Db,
  key: AppKey,
  product: string,
): Promise<Candidate[]> {
  const usable = await usableLicenses(ctx, trx, key, product);
  const ids = usable.map((c) => c.row.id);
  await lockRows(
    ctx.handle,
    trx.selectFrom('licenses').select('id').where('id', 'in', ids).orderBy('id'),
  ).execute();
  return usable;
}

const toBinding = (
  row: {
    id: string;
    license_id: string;
    resource_kind: string;
    resource_id: string;
    resource_name: string | null;
    created_at: string;
  },
  product: string,
): Binding => ({
  id: row.id,
  licenseId: row.license_id,
  product,
  resource: { kind: row.resource_kind, id: row.resource_id, name: row.resource_name },
  createdAt: row.created_at,
});

const bindsKind = (license: Candidate, kind: string) =>
  (needsBinding(license.scope) || license.scope === 'unlimited') &&
  (license.kind === null || license.kind === kind);

type ActivateInput = { key: string; product: string; resource: ResourceInput };
type Activated = { created: boolean; binding: Binding; vendorId: string; activeKid: string | null };

/** The usable licenses that bind the resource's kind; none is LICENSE_NOT_USABLE. */
function bindable(usable: readonly Candidate[], input: ActivateInput): Candidate[] {
  const binding = usable.filter((c) => bindsKind(c, input.resource.kind));
  if (binding.length === 0)
    throw new AppError(
      'LICENSE_NOT_USABLE',
      `no license of ${input.product} on this key binds a ${input.resource.kind}`,
    );
  return binding;
}

/**
 * Binds a resource to a free seat of the product. Idempotent: a resource already bound gets its
 * binding back. The seat count is read under the license row locks, so concurrent activations
 * can never bind more resources than there are seats (invariant 1).
 */
export async function activate(
  ctx: AppContext,
  reader: ValidationReader,
  input: ActivateInput,
): Promise<Activated> {
  // Most activations repeat (an app activates at every start): a resource already bound to a usable license is
  // answered from the validation read and its binding's row, without a transaction or a lock that would queue it
  // behind the key's other ones. Anything else — an unknown key, nothing usable, a new binding — is the
  // transaction's to decide and to answer.
  const parsed = parseLicenseKey(input.key);
  const read =
    parsed.ok && (await reader.read({ code: parsed.code, product: input.product, resource: input.resource }));
  if (!read) return bindNew(ctx, input);
  const outcome = usableNow(read.key.status, read.licenses, ctx.clock.now());
  const bound = outcome.valid
    ? outcome.usable.filter((c) => bindsKind(c, input.resource.kind) && read.usage.bound.has(c.row.id))
    : [];
  if (bound.length === 0) return bindNew(ctx, input);
  // A resource holds one seat of a product (claimSeat finds it before it binds another): the first bound license's.
  const binding = await findBinding(ctx, {
    licenseId: bound[0]!.row.id,
    kind: input.resource.kind,
    id: input.resource.id,
  });
  if (!binding) return bindNew(ctx, input); // deactivated since the read
  return {
    created: false,
    binding: toBinding(binding, input.product),
    vendorId: read.key.vendor_id,
    activeKid: read.key.active_kid,
  };
}

type BindingRow = Selectable<BindingTable>;
interface BindingAsked {
  licenseId: string;
  kind: string;
  id: string;
}

const FIND_BINDINGS = `
  select b.*, asked.i::int as asked_index
    from unnest($1::text[], $2::text[], $3::text[]) with ordinality as asked(license_id, kind, id, i)
    join bindings b on b.license_id = asked.license_id and b.resource_kind = asked.kind and b.resource_id = asked.id`;

/** PostgreSQL: the bindings asked in one turn, in one statement (platform/db/turn-batches.ts). */
const bindingBatches = batchesPer<AppContext, BindingAsked, BindingRow | undefined>(
  async (ctx, questions) => {
    const rows = await runNamed<BindingRow & { asked_index: number }>(ctx.handle, 'readPool', {
      name: 'find_bindings',
      text: FIND_BINDINGS,
      values: [questions.map((q) => q.licenseId), questions.map((q) => q.kind), questions.map((q) => q.id)],
    });
    return rowsByQuestion(rows, questions.length).map(([row]) => row);
  },
);

function findBinding(ctx: AppContext, asked: BindingAsked): Promise<BindingRow | undefined> {
  if (ctx.handle.dialect === 'postgres') return bindingBatches(ctx).ask(asked);
  return ctx.handle.db
    .selectFrom('bindings')
    .selectAll()
    .where('license_id', '=', asked.licenseId)
    .where('resource_kind', '=', asked.kind)
    .where('resource_id', '=', asked.id)
    .executeTakeFirst();
}

async function bindNew(ctx: AppContext, input: ActivateInput): Promise<Activated> {
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const key = await requireKey(trx, input.key);
    const usable = bindable(await lockUsableLicenses(ctx, trx, key, input.product), input);
    const claimed = await claimSeat(
      trx,
      usable.map((c) => c.row),
      input.resource,
      now,
    );
    const binding = toBinding(claimed.binding, input.product);
    if (!claimed.created)
      return { created: false, binding, vendorId: key.vendorId, activeKid: key.activeKid };
    await recordEvent(trx, key.vendorId, appActor, now, {
      type: 'binding.created',
      subjectType: 'binding',
      subjectId: binding.id,
      keyId: key.id,
      customerId: key.customerId,
      after: binding,
    });
    return { created: true, binding, vendorId: key.vendorId, activeKid: key.activeKid };
  });
}

/** Frees a resource's seat, unless the license type locks bindings (invariant 4). */
export async function deactivate(
  ctx: AppContext,
  input: { key: string; product: string; resource: { kind: string; id: string } },
): Promise<void> {
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    const key = await requireKey(trx, input.key);
    const licenses: LicenseRow[] = await productLicenses(trx, key.id, input.product);
    const ids = licenses.map((l) => l.id);
    const binding =
      ids.length === 0
        ? undefined
        : await trx
            .selectFrom('bindings')
            .selectAll()
            .where('license_id', 'in', ids)
            .where('resource_kind', '=', input.resource.kind)
            .where('resource_id', '=', input.resource.id)
            .executeTakeFirst();
    if (!binding) throw notFound('BINDING_NOT_FOUND', 'activation of this resource');
    const license = licenses.find((l) => l.id === binding.license_id)!;
    if (license.binding_locked === 1) {
      throw new AppError(
        'BINDING_LOCKED',
        'this license type locks a seat to its resource; only a vendor admin can transfer it',
      );
    }
    // The license first, as an activation locks it before it binds: the binding's delete updates the license's
    // count of bound seats (migration 0027), and the two must not lock each other's rows crosswise.
    await lockRows(
      ctx.handle,
      trx.selectFrom('licenses').select('id').where('id', '=', license.id),
    ).execute();
    await trx.deleteFrom('bindings').where('id', '=', binding.id).execute();
    await recordEvent(trx, key.vendorId, appActor, now, {
      type: 'binding.deleted',
      subjectType: 'binding',
      subjectId: binding.id,
      keyId: key.id,
      customerId: key.customerId,
      before: toBinding(binding, input.product),
    });
  });
}
