import pino from 'pino';
import { jobHandlers, modules, schedulesFor } from './modules/index.js';
import { DeliveryLane } from './modules/webhooks/delivery-lane.js';
import { type Clock, systemClock } from './platform/clock.js';
import { type Config, loadConfig } from './platform/config.js';
import type { AppContext } from './platform/context.js';
import { ensureSchema, openDatabase } from './platform/db/database.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { buildApp } from './platform/http/app.js';
import type { Api } from './platform/http/types.js';
import { JobRunner } from './platform/jobs/runner.js';
import { createMailer } from './platform/mail/mailer.js';
import { openSecretBox } from './platform/secrets.js';
import { VendorSigner } from './platform/signing.js';

/** Opens storage, brings the schema up to date, and assembles what services need. */
export async function createContext(
  config: Config = loadConfig(),
  clock: Clock = systemClock,
): Promise<AppContext> {
  const handle = openDatabase(config);
  await ensureSchema(handle, config.databaseSchema);
  await migrateToLatest(handle.db, handle.dialect === 'postgres' ? config.databaseSchema : undefined);
  const secrets = await openSecretBox(config, handle);
  return {
    handle,
    clock,
    config,
    secrets,
    signer: new VendorSigner(handle.db, secrets),
    mailer: createMailer(config),
  };
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

/** The background job runner over this context (the server runs one; `licensor worker` runs one alone). */
export function createJobRunner(ctx: AppContext): JobRunner {
  return new JobRunner(ctx, jobHandlers, schedulesFor(ctx.config));
}

/** Everything that runs beside requests: the job queue, and the webhook deliveries in their own lane. */
export interface BackgroundWork {
  readonly runner: JobRunner;
  readonly lane: DeliveryLane;
  start(): void;
  /** Stops taking work and waits for what is in hand. */
  stop(): Promise<void>;
}

export function createBackgroundWork(ctx: AppContext): BackgroundWork {
  const runner = createJobRunner(ctx);
  const lane = new DeliveryLane(ctx);
  return {
    runner,
    lane,
    start: () => {
      runner.start();
      lane.start();
    },
    stop: async () => {
      await Promise.all([runner.stop(), lane.stop()]);
    },
  };
}

/** `licensor serve`: listen, run background jobs in-process, and shut down gracefully. */
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

  const background = createBackgroundWork(ctx);
  if (config.runJobs) background.start();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await background.stop();
      await app.close(); // stops accepting, lets in-flight requests finish
      await ctx.handle.close();
    })();
    return closing;
  };
  return { app, ctx, url, close };
}
