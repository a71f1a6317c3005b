import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Config, loadConfig } from '../platform/config.js';

export type TestDialect = 'sqlite' | 'postgres';
export const DIALECTS: readonly TestDialect[] = ['sqlite', 'postgres'];

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, isolated store: a new SQLite file, or a new PostgreSQL schema, so parallel runs never collide. */
export interface TestStore {
  readonly dialect: TestDialect;
  readonly config: Config;
  /** Environment for a child `licensor` process using the same store. */
  readonly env: Record<string, string>;
  drop(): Promise<void>;
}

export function createTestStore(dialect: TestDialect, overrides: Partial<Config> = {}): TestStore {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-test-'));
  const schema = `t_${randomBytes(6).toString('hex')}`;
  // Tests' webhook receivers listen on loopback, which a shared server refuses; and the tests log in hundreds
  // of times from one address, so passwords get scrypt's lowest accepted cost (the default's is tested in
  // passwords.test.ts) and the per-address login limit is raised (tests of limits set their own).
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    VALIDATE_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOW_PRIVATE: '1',
    PASSWORD_SCRYPT_N: '16384',
    LOGIN_ADDRESS_RATE_LIMIT: '1000',
  };
  if (dialect === 'postgres')
    Object.assign(env, { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema });
  const config: Config = { ...loadConfig({ ...env, SERVE_WEB: '0' }), ...overrides };
  return {
    dialect,
    config,
    env,
    async drop() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (dialect !== 'postgres') return;
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
