export { reapSessions } from './modules/app-api/sessions.service.js';
export { type CreatedVendor, createVendor } from './modules/vendors/vendors.service.js';
export { type Clock, ManualClock, systemClock } from './platform/clock.js';
export { type Config, loadConfig } from './platform/config.js';
export type { AppContext } from './platform/context.js';
export { openDatabase } from './platform/db/database.js';
export { migrateToLatest } from './platform/db/migrate.js';
export { publicKeyFromRaw } from './platform/signing.js';
export { createApp, createContext, type RunningServer, startServer } from './server.js';
