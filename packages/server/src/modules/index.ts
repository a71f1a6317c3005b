import type { Config } from '../platform/config.js';
import { refreshStatistics } from '../platform/db/database.js';
import type { AppModules } from '../platform/http/app.js';
import type { JobHandler, Schedule } from '../platform/jobs/runner.js';
import { MAIL_JOB, sendMailJob } from '../platform/mail/send-later.js';
import { appApiRoutes } from './app-api/app-api.routes.js';
import { reapSessions } from './app-api/sessions.service.js';
import { authRoutes, loginRoutes } from './auth/auth.routes.js';
import { couponRoutes } from './coupons/coupons.routes.js';
import { customerCabinetRoutes } from './customer-cabinet/customer-cabinet.routes.js';
import { serviceRequestRoutes } from './customer-cabinet/service-requests.routes.js';
import { customerRoutes } from './customers/customers.routes.js';
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
import { dataExchangeRoutes } from './data-exchange/data-exchange.routes.js';
import { drawdownRoutes } from './drawdowns/drawdowns.routes.js';
import { eventRoutes } from './events/events.routes.js';
import { keyRoutes } from './keys/keys.routes.js';
import { licenseTypeRoutes } from './license-types/license-types.routes.js';
import { licenseRoutes } from './licenses/licenses.routes.js';
import { offlineRoutes } from './offline/offline.routes.js';
import { orderRoutes } from './orders/orders.routes.js';
import { partnerPortalRoutes } from './partner-portal/partner-portal.routes.js';
import { partnerRoutes, partnerUserRoutes } from './partners/partners.routes.js';
import { productRoutes } from './products/products.routes.js';
import { scanReminders } from './reminders/reminders.service.js';
import { pruneHistory } from './system/retention.service.js';
import { vendorSettingsRoutes } from './vendors/settings.routes.js';
import { signingKeyManagementRoutes } from './vendors/signing-keys.routes.js';
import { signingKeyRoutes } from './vendors/vendors.routes.js';
import { webhookRoutes } from './webhooks/webhooks.routes.js';

/** Every module's routes; a new area adds its line here. */
export const modules: AppModules = {
  publicRoutes: [loginRoutes, signingKeyRoutes, customerCabinetRoutes, partnerPortalRoutes],
  instrumentedRoutes: [appApiRoutes],
  managementRoutes: [
    authRoutes,
    productRoutes,
    licenseTypeRoutes,
    customerRoutes,
    partnerRoutes,
    keyRoutes,
    licenseRoutes,
    eventRoutes,
    signingKeyManagementRoutes,
    offlineRoutes,
    couponRoutes,
    partnerUserRoutes,
    orderRoutes,
    drawdownRoutes,
    webhookRoutes,
    serviceRequestRoutes,
    vendorSettingsRoutes,
    dashboardRoutes,
    dataExchangeRoutes,
  ],
};

/** Background work: each job kind's handler, and what recurs (webhooks have their own lane). */
export const jobHandlers: Record<string, JobHandler> = {
  [MAIL_JOB]: sendMailJob,
  'sessions.reap': async (ctx) => {
    await reapSessions(ctx);
  },
  'reminders.scan': async (ctx) => {
    await scanReminders(ctx);
  },
  'statistics.refresh': (ctx) => refreshStatistics(ctx.handle),
  'retention.prune': async (ctx) => {
    await pruneHistory(ctx);
  },
};

export const schedulesFor = (config: Pick<Config, 'reapSeconds'>): Schedule[] => [
  { kind: 'sessions.reap', everyMs: config.reapSeconds * 1000 },
  // Reminders are counted in calendar days, so one scan a day finds everything due that day.
  { kind: 'reminders.scan', everyMs: 86_400_000 },
  // As often as autovacuum looks: a new store's tables grow a hundredfold in its first minutes.
  { kind: 'statistics.refresh', everyMs: 60_000 },
  { kind: 'retention.prune', everyMs: 86_400_000 },
];
