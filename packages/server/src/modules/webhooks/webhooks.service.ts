import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Principal } from '../../platform/auth/principal.js';
import { assertRole } from '../../platform/auth/roles.js';
import type { Actor, AppContext } from '../../platform/context.js';
import { newId } from '../../platform/crypto.js';
import type { Db } from '../../platform/db/database.js';
import type { WebhookDeliveryTable, WebhookEndpointTable } from '../../platform/db/schema.js';
import { inTransaction, lockRows } from '../../platform/db/transaction.js';
import { AppError, notFound } from '../../platform/errors.js';
import { recordEvent } from '../../platform/events.js';
import { enqueueJob } from '../../platform/jobs/enqueue.js';
import type { JobHandler } from '../../platform/jobs/runner.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { toEvent } from '../events/events.service.js';

export const DISPATCH_JOB = 'webhooks.dispatch';
export const DELIVER_JOB = 'webhooks.deliver';
/** Backoff 30 s, 1 min, 2 min … capped at 6 h: twelve attempts span about a day. */
const MAX_ATTEMPTS = 12;
/** Events younger than this may still have concurrent transactions committing siblings with smaller ids. */
const SETTLE_MS = 5000;
const TIMEOUT_MS = 10_000;

/** `*`, a family (`license.*`) or an exact event name. */
export function subscribed(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );
}

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

/** A new endpoint; its signing secret (Standard Webhooks `whsec_…`) is shown once. */
export async function createEndpoint(
  ctx: AppContext,
  principal: Principal,
  actor: Actor,
  input: { url: string; events: string[] },
) {
  assertRole(principal.role, 'admin');
  const now = ctx.clock.now();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const row: WebhookEndpointTable = {
    id: newId(),
    vendor_id: principal.vendorId,
    url: input.url,
    secret,
    events: JSON.stringify(input.events),
    enabled: 1,
    disabled_reason: null,
    last_event_id: newId(),
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
    await trx.updateTable('webhook_deliveries').set({ state: 'pending' }).where('id', '=', id).execute();
    await enqueueJob(trx, {
      kind: DELIVER_JOB,
      vendorId: row.vendor_id,
      payload: { deliveryId: id },
      runAt: now,
      maxAttempts: MAX_ATTEMPTS,
    });
    return toDelivery({ ...row, state: 'pending' });
  });
}

/**
 * Turns new events into deliveries. The event log is the outbox: each endpoint keeps the id of the last
 * event it has seen, advanced in the same transaction that writes its deliveries and their jobs, so an
 * event is never lost across a restart and never delivered twice by two runners.
 */
export const dispatchWebhooks: JobHandler = async (ctx) => {
  const now = ctx.clock.now();
  const settled = new Date(now.getTime() - SETTLE_MS).toISOString();
  const endpoints = await ctx.handle.db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('enabled', '=', 1)
    .execute();
  for (const { id } of endpoints) {
    await inTransaction(ctx.handle, async (trx) => {
      await lockRows(
        ctx.handle,
        trx.selectFrom('webhook_endpoints').select('id').where('id', '=', id),
      ).execute();
      const endpoint = await trx
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      if (endpoint.enabled !== 1) return;
      const events = await trx
        .selectFrom('events')
        .select(['id', 'type', 'at'])
        .where('vendor_id', '=', endpoint.vendor_id)
        .where('id', '>', endpoint.last_event_id)
        .orderBy('id')
        .limit(500)
        .execute();
      const patterns = JSON.parse(endpoint.events) as string[];
      let last = endpoint.last_event_id;
      for (const event of events) {
        if (event.at > settled) break;
        last = event.id;
        if (!subscribed(patterns, event.type)) continue;
        const deliveryId = newId();
        await trx
          .insertInto('webhook_deliveries')
          .values({
            id: deliveryId,
            vendor_id: endpoint.vendor_id,
            endpoint_id: endpoint.id,
            event_id: event.id,
            event_type: event.type,
            state: 'pending',
            attempts: 0,
            last_status: null,
            last_error: null,
            created_at: now.toISOString(),
            delivered_at: null,
          })
          .execute();
        await enqueueJob(trx, {
          kind: DELIVER_JOB,
          vendorId: endpoint.vendor_id,
          payload: { deliveryId },
          runAt: now,
          maxAttempts: MAX_ATTEMPTS,
        });
      }
      if (last !== endpoint.last_event_id)
        await trx
          .updateTable('webhook_endpoints')
          .set({ last_event_id: last })
          .where('id', '=', id)
          .execute();
    });
  }
};

/** One attempt: a signed POST (Standard Webhooks headers); a failure throws, so the job runner retries with backoff. */
export const deliverWebhook: JobHandler = async (ctx, job) => {
  const { deliveryId } = job.payload as { deliveryId: string };
  const db = ctx.handle.db;
  const delivery = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('id', '=', deliveryId)
    .executeTakeFirstOrThrow();
  const endpoint = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', delivery.endpoint_id)
    .executeTakeFirstOrThrow();
  if (endpoint.enabled !== 1) return;
  const event = await db
    .selectFrom('events')
    .selectAll()
    .where('id', '=', delivery.event_id)
    .executeTakeFirstOrThrow();
  const now = ctx.clock.now();
  const body = JSON.stringify({ type: event.type, timestamp: event.at, data: toEvent(event) });
  const headers = {
    'content-type': 'application/json',
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(endpoint.secret).sign(event.id, now, body),
  };
  let status: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = response.status;
    if (!response.ok) error = `HTTP ${response.status}`;
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  }
  const finalAttempt = job.attempt >= job.maxAttempts;
  await inTransaction(ctx.handle, async (trx) => {
    await trx
      .updateTable('webhook_deliveries')
      .set({
        attempts: delivery.attempts + 1,
        last_status: status,
        last_error: error,
        state: error ? (finalAttempt ? 'failed' : 'pending') : 'delivered',
        delivered_at: error ? null : now.toISOString(),
      })
      .where('id', '=', deliveryId)
      .execute();
    if (error && finalAttempt)
      await disableEndpoint(
        ctx,
        trx,
        endpoint,
        `delivery ${deliveryId} failed ${job.maxAttempts} times: ${error}`,
        now,
      );
  });
  if (error && !finalAttempt) throw new AppError('CONFLICT', `webhook delivery failed: ${error}`);
};

/** After a delivery has failed for a day, the endpoint is disabled and the vendor's admins are told. */
async function disableEndpoint(
  ctx: AppContext,
  trx: Db,
  endpoint: WebhookEndpointTable,
  reason: string,
  now: Date,
) {
  await trx
    .updateTable('webhook_endpoints')
    .set({ enabled: 0, disabled_reason: reason })
    .where('id', '=', endpoint.id)
    .execute();
  await recordEvent(trx, endpoint.vendor_id, { type: 'system', id: null, name: 'job', channel: 'job' }, now, {
    type: 'webhook.disabled',
    subjectType: 'webhook',
    subjectId: endpoint.id,
    after: { reason },
  });
  const admins = await trx
    .selectFrom('users')
    .select('email')
    .where('vendor_id', '=', endpoint.vendor_id)
    .where('role', 'in', ['owner', 'admin'])
    .execute();
  if (admins.length === 0) return;
  await sendMailLater(
    trx,
    endpoint.vendor_id,
    {
      to: admins.map((a) => a.email),
      subject: `Webhook endpoint disabled: ${endpoint.url}`,
      text: `Licensor stopped sending events to ${endpoint.url}.\n${reason}\nFix the receiver, then enable the endpoint again: ${ctx.config.publicUrl}/webhooks`,
    },
    now,
  );
}
