import { randomBytes } from 'node:crypto';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type { WebhookDeliveryTable, WebhookEndpointTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { assertWebhookUrl } from './safe-destination.js';

const toEndpoint = (row: WebhookEndpointTable) => ({
  id: row.id,
  url: row.url,
  events: JSON.parse(row.events) as string[],
  enabled: row.enabled === 1,
  disabledReason: row.disabled_reason,
  createdAt: row.created_at,
});

const toDelivery = (row: WebhookDeliveryTable) => ({
  id: row.id,
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  eventType: row.event_type,
  state: row.state,
  attempts: row.attempts,
  lastStatus: row.last_status,
  lastError: row.last_error,
  createdAt: row.created_at,
  deliveredAt: row.delivered_at,
});

async function findEndpoint(db: Db, vendorId: string, id: string) {
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('vendor_id', '=', vendorId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('NOT_FOUND', 'webhook endpoint');
  return row;
}

/**
 * A new endpoint; its signing secret (Standard Webhooks `whsec_…`) is shown once and stored sealed. It
 * receives the events recorded from now on.
 */
export async function createEndpoint(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: { url: string; events: string[] },
) {
  assertRole(principal.role, 'admin');
  assertWebhookUrl(input.url, ctx.config.webhookAllowPrivate);
  const now = ctx.clock.now();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const row: WebhookEndpointTable = {
    id: newId(),
    vendor_id: principal.vendorId,
    url: input.url,
    secret: ctx.secrets.seal(secret),
    events: JSON.stringify(input.events),
    enabled: 1,
    disabled_reason: null,
    created_at: now.toISOString(),
  };
  await inTransaction(ctx.handle, async (trx) => {
    await trx.insertInto('webhook_endpoints').values(row).execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'webhook.created',
      subjectType: 'webhook',
      subjectId: row.id,
      after: { url: row.url, events: input.events },
    });
  });
  return { ...toEndpoint(row), secret };
}

export async function listEndpoints(ctx: AppContext, principal: Principal) {
  const rows = await ctx.handle.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('vendor_id', '=', principal.vendorId)
    .orderBy('id')
    .execute();
  return { data: rows.map(toEndpoint), nextCursor: null };
}

/** Re-enables (after a fix on the receiver's side) or disables an endpoint, or changes its subscriptions. */
export async function updateEndpoint(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  id: string,
  input: { enabled?: boolean; events?: string[] },
) {
  assertRole(principal.role, 'admin');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const row = await findEndpoint(trx, principal.vendorId, id);
    const changes: Partial<WebhookEndpointTable> = {};
    if (input.events) changes.events = JSON.stringify(input.events);
    if (input.enabled !== undefined) {
      changes.enabled = input.enabled ? 1 : 0;
      changes.disabled_reason = input.enabled ? null : 'disabled by staff';
    }
    await trx.updateTable('webhook_endpoints').set(changes).where('id', '=', id).execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'webhook.updated',
      subjectType: 'webhook',
      subjectId: id,
      before: toEndpoint(row),
      after: input,
    });
    return toEndpoint({ ...row, ...changes });
  });
}

export async function listDeliveries(ctx: AppContext, principal: Principal, endpointId: string) {
  await findEndpoint(ctx.handle.db, principal.vendorId, endpointId);
  const rows = await ctx.handle.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('endpoint_id', '=', endpointId)
    .orderBy('id', 'desc')
    .limit(200)
    .execute();
  return { data: rows.map(toDelivery), nextCursor: null };
}

/** Sends a delivery again, whatever its state (manual redelivery from the delivery log). */
export async function redeliver(ctx: AppContext, principal: Principal, id: string) {
  assertRole(principal.role, 'admin');
  const now = ctx.clock.now();
  return inTransaction(ctx.handle, async (trx) => {
    const row = await trx
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('vendor_id', '=', principal.vendorId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('NOT_FOUND', 'webhook delivery');
    await trx
      .updateTable('webhook_deliveries')
      // A fresh day of attempts, as for a new delivery.
      .set({
        state: 'pending',
        attempts: 0,
        last_error: null,
        next_attempt_at: now.toISOString(),
        locked_by: null,
        locked_until: null,
      })
      .where('id', '=', id)
      .execute();
    return toDelivery({ ...row, state: 'pending', attempts: 0, last_error: null });
  });
}

/** Deletes an endpoint and its delivery log (admin); events stay in the event log. */
export async function deleteEndpoint(ctx: AppContext, principal: Principal, actor: Actor, id: string) {
  assertRole(principal.role, 'admin');
  const now = ctx.clock.now();
  await inTransaction(ctx.handle, async (trx) => {
    const row = await findEndpoint(trx, principal.vendorId, id);
    await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
    await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    await recordEvent(trx, principal.vendorId, actor, now, {
      type: 'webhook.deleted',
      subjectType: 'webhook',
      subjectId: id,
      before: toEndpoint(row),
    });
  });
}
