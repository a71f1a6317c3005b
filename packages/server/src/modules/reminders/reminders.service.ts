import { type AppContext, jobActor } from '../../platform/context.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { recordEvent } from '../../platform/events.js';
import { sendMailLater } from '../../platform/mail/send-later.js';
import { type DueLicense, reminderMail } from './reminder-mail.js';

/** Seed 001: 45, 30 and 15 days before expiry, each of the last seven days, and on the day itself. */
export const DEFAULT_REMINDER_DAYS = [45, 30, 15, 7, 6, 5, 4, 3, 2, 1, 0];
const DAY_MS = 86_400_000;

/** Whole calendar days (UTC) from `now` to `expiry`: every license due on a day is found by that day's scan. */
const calendarDaysLeft = (expiry: Date, now: Date) =>
  Math.round(
    (Date.UTC(expiry.getUTCFullYear(), expiry.getUTCMonth(), expiry.getUTCDate()) -
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) /
      DAY_MS,
  );

export function reminderDays(settings: string): number[] {
  const parsed = JSON.parse(settings) as { reminderDays?: unknown };
  const days = Array.isArray(parsed.reminderDays)
    ? parsed.reminderDays.filter((d): d is number => Number.isInteger(d) && d >= 0)
    : [];
  return days.length > 0 ? days : DEFAULT_REMINDER_DAYS;
}

/** The threshold a license is at today: the smallest one not below its days left (a missed day catches up once). */
export function thresholdFor(daysLeft: number, days: readonly number[]): number | undefined {
  const reached = days.filter((d) => d >= daysLeft);
  return reached.length ? Math.min(...reached) : undefined;
}

/**
 * The daily reminder scan: each license reaching a threshold is marked in `reminders_sent` (its key makes
 * the reminder exactly-once, whatever the number of runners or restarts), recorded as a `license.expiring`
 * event, and mailed — one message per recipient listing everything due that day, in the recipient's language.
 */
export async function scanReminders(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const horizon = new Date(now.getTime() + 400 * DAY_MS).toISOString();
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  return inTransaction(ctx.handle, async (trx) => {
    const candidates = await trx
      .selectFrom('licenses')
      .innerJoin('license_keys', 'license_keys.id', 'licenses.key_id')
      .innerJoin('customers', 'customers.id', 'license_keys.customer_id')
      .innerJoin('products', 'products.id', 'licenses.product_id')
      .innerJoin('vendors', 'vendors.id', 'licenses.vendor_id')
      .select([
        'licenses.id',
        'licenses.vendor_id',
        'licenses.expires_at',
        'license_keys.id as key_id',
        'license_keys.key',
        'customers.id as customer_id',
        'customers.name as customer_name',
        'customers.email as customer_email',
        'customers.partner_id',
        'customers.manager_id',
        'products.name as product_name',
        'vendors.settings',
      ])
      .where('licenses.expires_at', 'is not', null)
      .where('licenses.expires_at', '>', since)
      .where('licenses.expires_at', '<=', horizon)
      .where('licenses.revoked_at', 'is', null)
      .where('licenses.superseded_at', 'is', null)
      .where('licenses.suspended_at', 'is', null)
      .execute();

    const mail = new Map<string, { vendorId: string; language: string; items: DueLicense[] }>();
    let due = 0;
    for (const license of candidates) {
      const expiry = new Date(license.expires_at!);
      const daysLeft = Math.max(0, calendarDaysLeft(expiry, now));
      const threshold = thresholdFor(daysLeft, reminderDays(license.settings));
      if (threshold === undefined) continue;
      const marked = await trx
        .insertInto('reminders_sent')
        .values({ license_id: license.id, threshold, sent_at: now.toISOString() })
        .onConflict((conflict) => conflict.columns(['license_id', 'threshold']).doNothing())
        .returning('license_id')
        .execute();
      if (marked.length === 0) continue;
      due += 1;
      await recordEvent(trx, license.vendor_id, jobActor, now, {
        type: 'license.expiring',
        subjectType: 'license',
        subjectId: license.id,
        keyId: license.key_id,
        customerId: license.customer_id,
        after: { daysLeft, threshold, expiresAt: license.expires_at },
      });
      const item = {
        customerName: license.customer_name,
        productName: license.product_name,
        key: license.key,
        expiresAt: license.expires_at!,
        daysLeft,
      };
      const recipients: { email: string; language: string }[] = [];
      if (license.customer_email) recipients.push({ email: license.customer_email, language: 'ru' });
      if (license.manager_id) {
        const manager = await trx
          .selectFrom('users')
          .select(['email', 'language'])
          .where('id', '=', license.manager_id)
          .executeTakeFirst();
        if (manager) recipients.push(manager);
      }
      if (license.partner_id) {
        recipients.push(
          ...(await trx
            .selectFrom('partner_users')
            .select(['email', 'language'])
            .where('partner_id', '=', license.partner_id)
            .execute()),
        );
      }
      for (const recipient of recipients) {
        const entry = mail.get(recipient.email) ?? {
          vendorId: license.vendor_id,
          language: recipient.language,
          items: [],
        };
        entry.items.push(item);
        mail.set(recipient.email, entry);
      }
    }
    const day = now.toISOString().slice(0, 10);
    for (const [email, entry] of mail) {
      const message = reminderMail(entry.language, email, entry.items, `${ctx.config.publicUrl}/customer`);
      await sendMailLater(trx, entry.vendorId, message, now, `reminder:${email}:${day}`);
    }
    return due;
  });
}
