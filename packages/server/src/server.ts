import pino from 'pino';
import { reapSessions } from './modules/app-api/sessions.service.js';
import { modules } from './modules/index.js';
import { type Clock, systemClock } from './platform/clock.js';
import { type Config, loadConfig } from './platform/config.js';
import type { AppContext } from './platform/context.js';
import { ensureSchema, openDatabase } from './platform/db/database.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { buildApp } from './platform/http/app.js';
import type { Api } from './platform/http/types.js';
import { VendorSigner } from './platform/signing.js';

/** Opens storage, brings the schema up to date, and assembles what services need. */
export async function createContext(
  config: Config = loadConfig(),
  clock: Clock = systemClock,
): Promise<AppContext> {
  const handle = openDatabase(config);
  await ensureSchema(handle, config.databaseSchema);
  await migrateToLatest(handle.db);
  return { handle, clock, config, signer: new VendorSigner(handle.db) };
}

export function createApp(ctx: AppContext, logger: pino.Logger | boolean = false): Promise<Api> {
  return buildApp(ctx, modules, logger);
}

export interface RunningServer {
  readonly app: Api;
  readonly ctx: AppContext;
  readonly url: string;
  close(): Promise<void>;
}

const REAP_EVERY_MS = 30_000;

/** `licensor serve`: listen, reap dead sessions in the background, and shut down gracefully. */
export async function startServer(
  config: Config = loadConfig(),
  clock: Clock = systemClock,
): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel });
  const ctx = await createContext(config, clock);
  const app = await createApp(ctx, logger);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;

  const reaper = setInterval(() => {
    reapSessions(ctx).catch((err) => logger.error({ err }, 'session reaping failed'));
  }, REAP_EVERY_MS);
  reaper.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(reaper);
      await app.close(); // stops accepting, lets in-flight requests finish
      await ctx.handle.close();
    })();
    return closing;
  };
  return { app, ctx, url, close };
}
