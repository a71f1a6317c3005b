import { type AppContext, jobActor } from '../../platform/context.js';
import type { Db } from '../../platform/db/database.js';
import { plannedPerRun } from '../../platform/db/postgres-prepared.js';
import { inTransaction } from '../../platform/db/transaction.js';
import { recordEvents } from '../../platform/events.js';
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

/** Midnight (UTC) of the day `days` after the day of `at`. */
const dayStart = (at: Date, days = 0) =>
  new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + days)).toISOString();

interface ExpiryRange {
  readonly from: string;
  readonly to: string;
}

/**
 * The expiry ranges a vendor's scan must read today. The first scan reads every license inside the largest
 * threshold (a missed reminder catches up once); later scans read, per threshold, only the days crossed since
 * the last scan, plus (separately) the licenses issued or changed since then.
 */
function rangesToScan(days: readonly number[], now: Date, lastScan: Date | null): ExpiryRange[] {
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  if (!lastScan) return [{ from: since, to: dayStart(now, Math.max(...days) + 1) }];
  return days
    .map((d) => ({ from: dayStart(lastScan, d + 1), to: dayStart(now, d + 1) }))
    .filter((range) => range.from < range.to)
    .map((range) => (range.from < since ? { ...range, from: since } : range));
}

/** The vendor's usable licenses with an expiry, by licenses index only; their keys and customers come after. */
function dueLicenses(trx: Db, vendorId: string) {
  return trx
    .selectFrom('licenses')
    .modifyFront(plannedPerRun)
    .innerJoin('products', 'products.id', 'licenses.product_id')
    .select(['licenses.id', 'licenses.key_id', 'licenses.expires_at', 'products.name as product_name'])
    .where('licenses.vendor_id', '=', vendorId)
    .where('licenses.revoked_at', 'is', null)
    .where('licenses.superseded_at', 'is', null)
    .where('licenses.suspended_at', 'is', null);
}

type DueRow = Awaited<ReturnType<ReturnType<typeof dueLicenses>['execute']>>[number];

interface Holder {
  key: string;
  customer_id: string;
  customer_name: string;
  customer_email: string | null;
  customer_language: string;
  partner_id: string | null;
  manager_id: string | null;
}

/** The keys and customers of the licenses found, looked up by id (never a join that a planner may turn into a scan). */
async function holdersOf(trx: Db, keyIds: string[]) {
  const holders = new Map<string, Holder>();
  for (let i = 0; i < keyIds.length; i += 500) {
    const rows = await trx
      .selectFrom('license_keys')
      .innerJoin('customers', 'customers.id', 'license_keys.customer_id')
      .select([
        'license_keys.id',
        'license_keys.key',
        'customers.id as customer_id',
        'customers.name as customer_name',
        'customers.email as customer_email',
        'customers.language as customer_language',
        'customers.partner_id',
        'customers.manager_id',
      ])
      .where('license_keys.id', 'in', keyIds.slice(i, i + 500))
      .execute();
    for (const row of rows) holders.set(row.id, row);
  }
  return holders;
}

/** How far back the scan also looks at changed licenses: a transaction still open at the last scan committed later. */
const CHANGE_OVERLAP_MS = 10 * 60_000;

/**
 * The daily reminder scan: each license reaching a threshold is marked in `reminders_sent` (its key makes
 * the reminder exactly-once, whatever the number of runners or restarts), recorded as a `license.expiring`
 * event, and mailed — one message per recipient listing everything due that day, in the recipient's language.
 * It reads only the licenses that crossed a threshold since the vendor's last scan, not every license.
 */
export async function scanReminders(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  return inTransaction(ctx.handle, async (trx) => {
    const vendors = await trx
      .selectFrom('vendors')
      .select(['id', 'settings', 'reminders_scanned_at'])
      .execute();
    // One message per vendor and recipient: a person on two vendors' lists gets each vendor's own e-mail.
    const mail = new Map<
      string,
      { vendorId: string; email: string; language: string; items: DueLicense[] }
    >();
    let due = 0;
    for (const vendor of vendors) {
      const days = reminderDays(vendor.settings);
      const lastScan = vendor.reminders_scanned_at ? new Date(vendor.reminders_scanned_at) : null;
      const found = new Map<string, DueRow>();
      for (const range of rangesToScan(days, now, lastScan)) {
        const rows = await dueLicenses(trx, vendor.id)
          .where('licenses.expires_at', '>=', range.from)
          .where('licenses.expires_at', '<', range.to)
          .execute();
        for (const row of rows) found.set(row.id, row);
      }
      if (lastScan) {
        const changed = await dueLicenses(trx, vendor.id)
          .where('licenses.updated_at', '>=', new Date(lastScan.getTime() - CHANGE_OVERLAP_MS).toISOString())
          .where('licenses.expires_at', '>', since)
          .where('licenses.expires_at', '<', dayStart(now, Math.max(...days) + 1))
          .execute();
        for (const row of changed) found.set(row.id, row);
      }
      await trx
        .updateTable('vendors')
        .set({ reminders_scanned_at: now.toISOString() })
        .where('id', '=', vendor.id)
        .execute();

      const candidates = [...found.values()].flatMap((license) => {
        const daysLeft = Math.max(0, calendarDaysLeft(new Date(license.expires_at!), now));
        const threshold = thresholdFor(daysLeft, days);
        return threshold === undefined ? [] : [{ license, daysLeft, threshold }];
      });
      const marked = new Set<string>();
      for (let i = 0; i < candidates.length; i += 500) {
        const rows = await trx
          .insertInto('reminders_sent')
          .values(
            candidates
              .slice(i, i + 500)
              .map((c) => ({ license_id: c.license.id, threshold: c.threshold, sent_at: now.toISOString() })),
          )
          .onConflict((conflict) => conflict.columns(['license_id', 'threshold']).doNothing())
          .returning('license_id')
          .execute();
        for (const row of rows) marked.add(row.license_id);
      }
      const reminded = candidates.filter((c) => marked.has(c.license.id));
      const holders = await holdersOf(trx, [...new Set(reminded.map((c) => c.license.key_id))]);
      due += reminded.length;
      await recordEvents(
        trx,
        vendor.id,
        jobActor,
        now,
        reminded.map(({ license, daysLeft, threshold }) => ({
          type: 'license.expiring',
          subjectType: 'license',
          subjectId: license.id,
          keyId: license.key_id,
          customerId: holders.get(license.key_id)?.customer_id ?? null,
          after: { daysLeft, threshold, expiresAt: license.expires_at },
        })),
      );
      const recipientsOf = await recipientLookup(trx, [...holders.values()]);
      for (const { license, daysLeft } of reminded) {
        const holder = holders.get(license.key_id);
        if (!holder) continue;
        const item = {
          customerName: holder.customer_name,
          productName: license.product_name,
          key: holder.key,
          expiresAt: license.expires_at!,
          daysLeft,
        };
        for (const recipient of recipientsOf(holder)) {
          const to = `${vendor.id}\n${recipient.email}`;
          const entry = mail.get(to) ?? {
            vendorId: vendor.id,
            email: recipient.email,
            language: recipient.language,
            items: [],
          };
          entry.items.push(item);
          mail.set(to, entry);
        }
      }
    }
    const day = now.toISOString().slice(0, 10);
    for (const entry of mail.values()) {
      const message = reminderMail(
        entry.language,
        entry.email,
        entry.items,
        `${ctx.config.publicUrl}/customer`,
      );
      await sendMailLater(
        trx,
        entry.vendorId,
        message,
        now,
        `reminder:${entry.vendorId}:${entry.email}:${day}`,
      );
    }
    return due;
  });
}

interface Recipient {
  email: string;
  language: string;
}

/**
 * Who hears of a license's expiry: the customer (in its language), its manager and its partner's users.
 * Managers and partner users of all the holders are read in a few batched queries, not one per license.
 */
async function recipientLookup(trx: Db, holders: Holder[]): Promise<(holder: Holder) => Recipient[]> {
  const managerIds = [...new Set(holders.flatMap((h) => (h.manager_id ? [h.manager_id] : [])))];
  const partnerIds = [...new Set(holders.flatMap((h) => (h.partner_id ? [h.partner_id] : [])))];
  const managers = new Map<string, Recipient>();
  const partnerUsers = new Map<string, Recipient[]>();
  for (let i = 0; i < managerIds.length; i += 500) {
    const rows = await trx
      .selectFrom('users')
      .select(['id', 'email', 'language'])
      .where('id', 'in', managerIds.slice(i, i + 500))
      .execute();
    for (const row of rows) managers.set(row.id, { email: row.email, language: row.language });
  }
  for (let i = 0; i < partnerIds.length; i += 500) {
    const rows = await trx
      .selectFrom('partner_users')
      .select(['partner_id', 'email', 'language'])
      .where('partner_id', 'in', partnerIds.slice(i, i + 500))
      .execute();
    for (const row of rows)
      partnerUsers.set(row.partner_id, [
        ...(partnerUsers.get(row.partner_id) ?? []),
        { email: row.email, language: row.language },
      ]);
  }
  return (holder) => [
    ...(holder.customer_email ? [{ email: holder.customer_email, language: holder.customer_language }] : []),
    ...(holder.manager_id && managers.has(holder.manager_id) ? [managers.get(holder.manager_id)!] : []),
    ...(holder.partner_id ? (partnerUsers.get(holder.partner_id) ?? []) : []),
  ];
}
