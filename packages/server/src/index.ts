export { reapSessions } from './modules/app-api/sessions.service.js';
export {
  type BackupResult,
  backupDatabase,
  type RestoreResult,
  restoreDatabase,
} from './modules/backup/backup.service.js';
export { exportBatchCsv, generateCouponBatch } from './modules/coupons/coupon-batches.service.js';
export { COUPON_TYPES, type CouponType } from './modules/coupons/coupon-items.js';
export {
  customersFromCsv,
  type ExchangeFile,
  type RowProblem,
} from './modules/data-exchange/exchange.schema.js';
export { exportVendorData } from './modules/data-exchange/export.service.js';
export {
  type ImportProgress,
  type ImportResult,
  importVendorData,
} from './modules/data-exchange/import.service.js';
export { datasetOf, type SeedSummary, seedDataset } from './modules/dataset/seed-dataset.js';
export { scanReminders } from './modules/reminders/reminders.service.js';
export { listVendorSigningKeys, rotateSigningKey } from './modules/vendors/signing-keys.service.js';
export { type CreatedVendor, createVendor } from './modules/vendors/vendors.service.js';
export { type Clock, ManualClock, systemClock } from './platform/clock.js';
export { type Config, loadConfig } from './platform/config.js';
export type { AppContext } from './platform/context.js';
export { cliActor } from './platform/context.js';
export { openDatabase } from './platform/db/database.js';
export { migrateToLatest } from './platform/db/migrate.js';
export { planOf, type StatementPlan } from './platform/db/query-plans.js';
export { AppError } from './platform/errors.js';
export { publicKeyFromRaw } from './platform/signing.js';
export {
  type BackgroundWork,
  createApp,
  createBackgroundWork,
  createContext,
  createJobRunner,
  type RunningServer,
  startServer,
} from './server.js';
