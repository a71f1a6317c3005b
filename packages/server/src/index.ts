export { createVendor, type CreatedVendor } from './modules/vendors/vendors.service.js';
export { reapSessions } from './modules/app-api/sessions.service.js';
export { createApp, createContext, startServer, type RunningServer } from './server.js';
export { ManualClock, systemClock, type Clock } from './platform/clock.js';
export { loadConfig, type Config } from './platform/config.js';
export { openDatabase } from './platform/db/database.js';
export { migrateToLatest } from './platform/db/migrate.js';
export { publicKeyFromRaw } from './platform/signing.js';
export type { AppContext } from './platform/context.js';
