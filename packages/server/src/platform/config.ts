import path from 'node:path';
import { costWithN, type ScryptCost } from './passwords.js';

/** Everything the server reads from its environment, in one place (the README's table mirrors it). */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** PostgreSQL connection string; SQLite under `dataDir` when absent. */
  readonly databaseUrl: string | undefined;
  /** PostgreSQL schema to use (created if missing): lets parallel test runs share one database. */
  readonly databaseSchema: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly publicUrl: string;
  readonly logLevel: string;
  /** Requests per minute per client address on the app API's key checks; 0 turns the limit off. */
  readonly validateRateLimit: number;
  /** Login attempts per minute per client address and e-mail. */
  readonly loginRateLimit: number;
  /** Login attempts per minute per client address, whatever the e-mail (password spraying). */
  readonly loginAddressRateLimit: number;
  /**
   * Fastify's `trustProxy`: whose `X-Forwarded-For` names the client (rate limits key on it). Off by default;
   * `true` (any peer is a trusted proxy), or a comma-separated list of proxy addresses/CIDRs (`loopback`,
   * `10.0.0.0/8`, …).
   */
  readonly trustProxy: boolean | string[];
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** Serve the built web cabinet at `/` (off in API-only tests). */
  readonly serveWeb: boolean;
  /** Run background jobs in the server process (off when separate `licensor worker` processes do). */
  readonly runJobs: boolean;
  /** How many processes `licensor serve` runs on this machine, sharing its port (node:cluster). */
  readonly webConcurrency: number;
  /** scrypt's cost N for new password hashes (a power of two; 2^17 by default, lower only for tests). */
  readonly passwordCost: ScryptCost;
  /** Bearer token `/metrics` asks for; without one, only loopback clients may read it. */
  readonly metricsToken: string | undefined;
  /** Days finished jobs, settled webhook deliveries and ended sessions are kept (0: kept for ever). */
  readonly retentionDays: number;
  /** How often dead floating sessions (no heartbeat) are ended and their seats freed. */
  readonly reapSeconds: number;
  /** Let webhooks reach loopback and private addresses (tests, on-premises receivers); off on a shared server. */
  readonly webhookAllowPrivate: boolean;
  /** The master key sealing secrets at rest (base64, 32 bytes); `DATA_DIR/master.key` when absent. */
  readonly masterKey: string | undefined;
}

function integer(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

function powerOfTwo(value: string | undefined, fallback: number, name: string): number {
  const parsed = integer(value, fallback, name);
  if (parsed < 16_384 || parsed > 1_048_576 || (parsed & (parsed - 1)) !== 0)
    throw new Error(`${name} must be a power of two from 16384 to 1048576, got "${value}"`);
  return parsed;
}

function trustProxyOf(value: string | undefined): boolean | string[] {
  if (!value || value === '0' || value === 'false') return false;
  if (value === 'true' || value === '1') return true;
  return value.split(',').map((entry) => entry.trim());
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env.PORT, 8080, 'PORT');
  const host = env.HOST || '127.0.0.1';
  return {
    port,
    host,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    publicUrl: env.PUBLIC_URL || `http://${host}:${port}`,
    logLevel: env.LOG_LEVEL || 'info',
    validateRateLimit: integer(env.VALIDATE_RATE_LIMIT, 1200, 'VALIDATE_RATE_LIMIT'),
    loginRateLimit: integer(env.LOGIN_RATE_LIMIT, 10, 'LOGIN_RATE_LIMIT'),
    loginAddressRateLimit: integer(env.LOGIN_ADDRESS_RATE_LIMIT, 60, 'LOGIN_ADDRESS_RATE_LIMIT'),
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    bodyLimit: integer(env.BODY_LIMIT, 1_048_576, 'BODY_LIMIT'),
    serveWeb: env.SERVE_WEB !== '0',
    runJobs: env.RUN_JOBS !== '0',
    webConcurrency: Math.max(1, integer(env.WEB_CONCURRENCY, 1, 'WEB_CONCURRENCY')),
    masterKey: env.LICENSOR_MASTER_KEY || undefined,
    webhookAllowPrivate: env.WEBHOOK_ALLOW_PRIVATE === '1',
    passwordCost: costWithN(powerOfTwo(env.PASSWORD_SCRYPT_N, 131_072, 'PASSWORD_SCRYPT_N')),
    metricsToken: env.METRICS_TOKEN || undefined,
    retentionDays: integer(env.RETENTION_DAYS, 90, 'RETENTION_DAYS'),
    reapSeconds: Math.max(1, integer(env.SESSION_REAP_SECONDS, 30, 'SESSION_REAP_SECONDS')),
  };
}
