import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { AppContext } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import type { WebhookDeliveryTable } from '../../platform/db/schema.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { recordEvent } from '../../platform/events.js';
import { Periodic } from '../../platform/jobs/periodic.js';
import { retryDelayMs } from '../../platform/jobs/runner.js';
import { byLanguage } from '../../platform/mail/by-language.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { toEvent } from '../events/events.service.js';
import { postToWebhook } from './safe-destination.js';

/** Backoff 30 s, 1 min, 2 min … capped at 6 h: twelve attempts span about a day. */
export const MAX_ATTEMPTS = 12;
const TIMEOUT_MS = 10_000;

export interface LaneOptions {
  /** Deliveries in flight at once in this process. */
  readonly concurrency?: number;
  /** Deliveries in flight at once to one endpoint from this process: a hanging receiver holds no more. */
  readonly perEndpoint?: number;
  /** How long one attempt may take before it counts as failed. */
  readonly timeoutMs?: number;
}

/**
 * Sends webhook deliveries from the outbox (DESIGN §6.10), apart from the job queue: a receiver that never
 * answers holds at most `perEndpoint` slots of this lane and nothing of mail, reminders or session reaping.
 * Lanes in several processes share the outbox: a delivery is claimed (`FOR UPDATE SKIP LOCKED` on
 * PostgreSQL, an IMMEDIATE transaction on SQLite) with a lease before it is sent.
 */
export class DeliveryLane {
  readonly id = `lane-${randomBytes(4).toString('hex')}`;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perEndpoint = new Map<string, number>();
  private readonly periodic = new Periodic(() => this.claimAndSend());
  /** Where the next claim starts in the list of endpoints with due deliveries. */
  private turn = 0;
  private readonly concurrency: number;
  private readonly endpointLimit: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly ctx: AppContext,
    options: LaneOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.endpointLimit = options.perEndpoint ?? 2;
    this.timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  }

  start(intervalMs = 1000): void {
    this.periodic.start(intervalMs);
  }

  /** Stops claiming and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    await this.periodic.stop();
    await Promise.allSettled(this.inFlight.values());
  }

  /** Claims what is due and free slots allow, and starts sending it. Returns how many were started. */
  tick(): Promise<number> {
    return this.periodic.tick();
  }

  /** Sends until nothing is due and nothing is in flight (tests use it after moving the clock). */
  async drain(): Promise<void> {
    for (;;) {
      const started = await this.tick();
      if (started === 0 && this.inFlight.size === 0) return;
      await Promise.race(this.inFlight.values());
    }
  }

  private async claimAndSend(): Promise<number> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const claimed = await this.claim(free);
    for (const delivery of claimed) {
      this.perEndpoint.set(delivery.endpoint_id, (this.perEndpoint.get(delivery.endpoint_id) ?? 0) + 1);
      const sending = this.send(delivery)
        .catch(() => undefined) // a failed bookkeeping write leaves the lease to expire and the row to retry
        .finally(() => {
          this.inFlight.delete(delivery.id);
          const left = (this.perEndpoint.get(delivery.endpoint_id) ?? 1) - 1;
          if (left > 0) this.perEndpoint.set(delivery.endpoint_id, left);
          else this.perEndpoint.delete(delivery.endpoint_id);
          // A freed slot takes the next due delivery now, not at the next tick (a backlog drains at speed).
          if (this.periodic.started) this.tick().catch(() => undefined);
        });
      this.inFlight.set(delivery.id, sending);
    }
    return claimed.length;
  }

  /**
   * Due deliveries of enabled endpoints, at most `free`, each endpoint within its free slots, the endpoints
   * taken in turn (a rotating start): one receiver's backlog never keeps another's deliveries waiting.
   */
  private async claim(free: number): Promise<WebhookDeliveryTable[]> {
    const now = this.ctx.clock.now();
    const nowIso = now.toISOString();
    const lockedUntil = new Date(now.getTime() + this.timeoutMs * 6).toISOString();
    const db = this.ctx.handle.db;
    const due = (trx: Db, endpointId: string) =>
      trx
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', endpointId)
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', nowIso)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', nowIso)]));
    const endpoints = await db
      .selectFrom('webhook_endpoints as e')
      .select('e.id')
      .where('e.enabled', '=', 1)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('webhook_deliveries as d')
            .select('d.id')
            .whereRef('d.endpoint_id', '=', 'e.id')
            .where('d.state', '=', 'pending')
            .where('d.next_attempt_at', '<=', nowIso)
            .where((w) => w.or([w('d.locked_until', 'is', null), w('d.locked_until', '<', nowIso)])),
        ),
      )
      .orderBy('e.id')
      .execute();
    const start = endpoints.length ? this.turn++ % endpoints.length : 0;
    const claimed: WebhookDeliveryTable[] = [];
    for (const { id } of [...endpoints.slice(start), ...endpoints.slice(0, start)]) {
      const slots = Math.min(this.endpointLimit - (this.perEndpoint.get(id) ?? 0), free - claimed.length);
      if (slots <= 0) continue;
      const rows = await inTransaction(this.ctx.handle, async (trx) => {
        const query = due(trx, id).orderBy('next_attempt_at').limit(slots);
        // Other lanes skip what this one is claiming (SQLite's IMMEDIATE transaction serialises claims).
        const picked = await (this.ctx.handle.dialect === 'postgres'
          ? query.forUpdate().skipLocked()
          : query
        ).execute();
        if (picked.length === 0) return [];
        return trx
          .updateTable('webhook_deliveries')
          .set({ locked_by: this.id, locked_until: lockedUntil })
          .where(
            'id',
            'in',
            picked.map((row) => row.id),
          )
          .returningAll()
          .execute();
      });
      claimed.push(...rows);
      if (claimed.length >= free) break;
    }
    return claimed;
  }

  /** One attempt: a signed POST (Standard Webhooks headers); a failure is retried with backoff, then fails. */
  private async send(delivery: WebhookDeliveryTable): Promise<void> {
    const db = this.ctx.handle.db;
    const endpoint = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', delivery.endpoint_id)
      .executeTakeFirstOrThrow();
    let status: number | null = null;
    let error: string | null = null;
    // Whatever fails — reading the event, opening the secret, the request — is an attempt that failed.
    try {
      const event = await db
        .selectFrom('events')
        .selectAll()
        .where('id', '=', delivery.event_id)
        .executeTakeFirstOrThrow();
      const sentAt = this.ctx.clock.now();
      const body = JSON.stringify({ type: event.type, timestamp: event.at, data: toEvent(event) });
      const secret = this.ctx.secrets.open(endpoint.secret);
      const headers = {
        'content-type': 'application/json',
        'webhook-id': event.id,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(event.id, sentAt, body),
      };
      ({ status } = await postToWebhook(endpoint.url, headers, body, {
        timeoutMs: this.timeoutMs,
        allowPrivate: this.ctx.config.webhookAllowPrivate,
      }));
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    const now = this.ctx.clock.now();
    const attempts = delivery.attempts + 1;
    const failed = error !== null && attempts >= MAX_ATTEMPTS;
    await inTransaction(this.ctx.handle, async (trx) => {
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set({
          attempts,
          last_status: status,
          last_error: error,
          state: error ? (failed ? 'failed' : 'pending') : 'delivered',
          delivered_at: error ? null : now.toISOString(),
          next_attempt_at:
            error && !failed ? new Date(now.getTime() + retryDelayMs(attempts)).toISOString() : null,
          locked_by: null,
          locked_until: null,
        })
        .where('id', '=', delivery.id)
        .where('locked_by', '=', this.id)
        .executeTakeFirst();
      if (failed && Number(updated.numUpdatedRows) === 1)
        await this.disableEndpoint(
          trx,
          endpoint,
          `delivery ${delivery.id} failed ${MAX_ATTEMPTS} times: ${error}`,
          now,
        );
    });
  }

  /** After a delivery has failed for a day, the endpoint is disabled and the vendor's admins are told. */
  private async disableEndpoint(
    trx: Db,
    endpoint: { id: string; vendor_id: string; url: string },
    reason: string,
    now: Date,
  ): Promise<void> {
    await trx
      .updateTable('webhook_endpoints')
      .set({ enabled: 0, disabled_reason: reason })
      .where('id', '=', endpoint.id)
      .execute();
    await recordEvent(
      trx,
      endpoint.vendor_id,
      { type: 'system', id: null, name: 'job', channel: 'job' },
      now,
      {
        type: 'webhook.disabled',
        subjectType: 'webhook',
        subjectId: endpoint.id,
        after: { reason },
      },
    );
    const admins = await trx
      .selectFrom('users')
      .select(['email', 'language'])
      .where('vendor_id', '=', endpoint.vendor_id)
      .where('role', 'in', ['owner', 'admin'])
      .where('disabled_at', 'is', null)
      .execute();
    const page = `${this.ctx.config.publicUrl}/webhooks`;
    for (const [language, to] of byLanguage(admins))
      await sendMailLater(
        trx,
        endpoint.vendor_id,
        language === 'ru'
          ? {
              to,
              subject: `Вебхук отключён: ${endpoint.url}`,
              text: `Licensor перестал отправлять события на ${endpoint.url}.\n${reason}\nИсправьте приёмник и снова включите вебхук: ${page}`,
            }
          : {
              to,
              subject: `Webhook endpoint disabled: ${endpoint.url}`,
              text: `Licensor stopped sending events to ${endpoint.url}.\n${reason}\nFix the receiver, then enable the endpoint again: ${page}`,
            },
        now,
      );
  }
}
