import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as foundation from './migrations/0001-foundation.js';
import * as coupons from './migrations/0002-coupons.js';
import * as portalSessions from './migrations/0003-portal-sessions.js';
import * as jobs from './migrations/0004-jobs.js';
import * as partnerChannel from './migrations/0005-partner-channel.js';
import * as reminders from './migrations/0006-reminders.js';
import * as webhooks from './migrations/0007-webhooks.js';
import * as customerCabinet from './migrations/0008-customer-cabinet.js';
import * as hotPathIndexes from './migrations/0009-hot-path-indexes.js';
import * as webhookOutbox from './migrations/0010-webhook-outbox.js';
import * as retention from './migrations/0011-retention.js';
import * as emailsPerVendor from './migrations/0012-emails-per-vendor.js';
import * as customerLanguage from './migrations/0013-customer-language.js';
import * as orderRequests from './migrations/0014-order-requests.js';
import * as cabinetUsed from './migrations/0015-cabinet-used.js';
import * as passwordLinks from './migrations/0016-password-links.js';
import * as archiveCatalog from './migrations/0017-archive-catalog.js';
import * as staffUpkeep from './migrations/0018-staff-upkeep.js';
import * as jobQueueIndexes from './migrations/0019-job-queue-indexes.js';
import * as dashboard from './migrations/0020-dashboard.js';
import * as externalIds from './migrations/0021-external-ids.js';
import * as liveSessionCounts from './migrations/0022-live-session-counts.js';
import * as sessionTtl from './migrations/0023-session-ttl.js';
import * as sortedLists from './migrations/0024-sorted-lists.js';
import * as openSessionsByKey from './migrations/0025-open-sessions-by-key.js';
import * as bindingsByResource from './migrations/0026-bindings-by-resource.js';
import * as boundSeats from './migrations/0027-bound-seats.js';
import * as attemptWindows from './migrations/0028-attempt-windows.js';

/** Migrations live in code (not discovered on disk) so the built server and the tests run the same list. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-coupons': coupons,
  '0003-portal-sessions': portalSessions,
  '0004-jobs': jobs,
  '0005-partner-channel': partnerChannel,
  '0006-reminders': reminders,
  '0007-webhooks': webhooks,
  '0008-customer-cabinet': customerCabinet,
  '0009-hot-path-indexes': hotPathIndexes,
  '0010-webhook-outbox': webhookOutbox,
  '0011-retention': retention,
  '0012-emails-per-vendor': emailsPerVendor,
  '0013-customer-language': customerLanguage,
  '0014-order-requests': orderRequests,
  '0015-cabinet-used': cabinetUsed,
  '0016-password-links': passwordLinks,
  '0017-archive-catalog': archiveCatalog,
  '0018-staff-upkeep': staffUpkeep,
  '0019-job-queue-indexes': jobQueueIndexes,
  '0020-dashboard': dashboard,
  '0021-external-ids': externalIds,
  '0022-live-session-counts': liveSessionCounts,
  '0023-session-ttl': sessionTtl,
  '0024-sorted-lists': sortedLists,
  '0025-open-sessions-by-key': openSessionsByKey,
  '0026-bindings-by-resource': bindingsByResource,
  '0027-bound-seats': boundSeats,
  '0028-attempt-windows': attemptWindows,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one is ours; with
  // several schemas in one database (parallel test runs) it would find another run's tables.
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  for (let attempt = 1; ; attempt += 1) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (attempt === 3 || !isOtherSchemaDropped(error, schema)) throw error;
  }
}

/**
 * Kysely finds its bookkeeping table by listing the tables of every schema it may use; a schema dropped by
 * someone else meanwhile (another test run's, in a shared database) fails that listing with "schema … does not
 * exist", or with "relation <its schema>.<table> does not exist" when the listing resolves that table's name
 * (`pg_get_serial_sequence`) as it goes. Nothing was migrated yet, so trying again is safe.
 */
function isOtherSchemaDropped(error: unknown, schema: string | undefined): boolean {
  const { code, message } = error as { code?: string; message?: string };
  const ours = schema !== undefined && (message?.includes(`"${schema}"`) || message?.includes(`"${schema}.`));
  return (code === '3F000' || code === '42P01') && !ours;
}
