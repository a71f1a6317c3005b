import { type ChildProcess, execFileSync } from 'node:child_process';
import { createHash, randomBytes, verify } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFromRaw } from '../../platform/signing.js';
import { createTestStore, TEST_DATABASE_URL, type TestStore } from '../../test-support/databases.js';
import { setupLicensed } from '../../test-support/fixtures.js';
import { ApiClient, type ApiResponse } from '../../test-support/http-client.js';
import { runCli, spawnServer } from '../../test-support/test-server.js';

/** Verifies an app API answer against the key the server publishes; returns that key. */
async function signedBy(
  client: ApiClient,
  prefix: string,
  answer: ApiResponse,
): Promise<{ kid: string; publicKey: string }> {
  const match = /kid="([^"]+)", alg="ed25519", sig="([^"]+)"/.exec(
    answer.headers.get('licensor-signature') ?? '',
  );
  expect(match, 'the answer carries a signature').not.toBeNull();
  const keys = await client.get(`/v1/vendors/${prefix}/signing-keys`);
  const published = keys.body.data.find((key: { kid: string }) => key.kid === match![1]);
  expect(published, `kid ${match![1]} is published`).toBeDefined();
  const signature = Buffer.from(match![2], 'base64');
  expect(verify(null, Buffer.from(answer.text), publicKeyFromRaw(published.publicKey), signature)).toBe(true);
  return { kid: published.kid, publicKey: published.publicKey };
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const databaseOf = (store: TestStore) => path.join(store.config.dataDir, 'licensor.sqlite');
const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('licensor backup and restore on SQLite', () => {
  const stores: TestStore[] = [];
  const dirs: string[] = [];
  const store = () => {
    const created = createTestStore('sqlite');
    stores.push(created);
    return created;
  };
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-backup-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.drop()));
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an operator backs up a server taking writes from four lanes, restores it into a fresh data dir, and every write acknowledged before the backup is there, still signed by the same key', async () => {
    const source = store();
    const init = await runCli(
      ['init', '--vendor', 'Backed', '--prefix', 'BACK', '--email', 'ops@back.test'],
      source.env,
    );
    expect(init.code, init.stderr).toBe(0);
    const { token } = JSON.parse(init.stdout);
    const file = path.join(tempDir(), 'licensor-backup.sqlite');

    const first = await spawnServer(source.env);
    const acknowledged: string[] = [];
    let acknowledgedBeforeBackup: string[] = [];
    let licensed: Awaited<ReturnType<typeof setupLicensed>>;
    let original: { kid: string; publicKey: string };
    let backup: Awaited<ReturnType<typeof runCli>>;
    try {
      const api = new ApiClient(first.url).withToken(token);
      licensed = await setupLicensed(api, { scope: 'seat', maxSeats: 2 });
      const answer = await api.post('/v1/validate', { key: licensed.key, product: licensed.productCode });
      expect(answer.body.valid).toBe(true);
      original = await signedBy(api, 'BACK', answer);

      let stop = false;
      const failures: string[] = [];
      const lane = async (n: number) => {
        for (let i = 0; !stop && failures.length === 0; i++) {
          const response = await api.post('/v1/customers', { name: `lane ${n} #${i}` });
          if (response.status === 201) acknowledged.push(response.body.id);
          else failures.push(`${response.status} ${response.text}`);
        }
      };
      const lanes = Array.from({ length: 4 }, (_, n) => lane(n));
      while (acknowledged.length < 60 && failures.length === 0)
        await new Promise((resolve) => setTimeout(resolve, 5));
      acknowledgedBeforeBackup = [...acknowledged];
      backup = await runCli(['backup', '--out', file], source.env);
      const acknowledgedByTheEnd = acknowledged.length;
      stop = true;
      await Promise.all(lanes);
      expect(failures).toEqual([]);
      // The lanes kept being answered while the backup ran: it copied a database under writes.
      expect(acknowledgedByTheEnd).toBeGreaterThan(acknowledgedBeforeBackup.length);
    } finally {
      await stopServer(first.child);
    }

    expect(backup.code, backup.stderr).toBe(0);
    const report = JSON.parse(backup.stdout);
    const masterKeyFile = path.join(source.config.dataDir, 'master.key');
    expect(report).toMatchObject({
      file,
      database: databaseOf(source),
      vendors: ['BACK'],
      masterKey: { from: 'file', file: masterKeyFile, opensBackup: true },
    });
    expect(report.warning).toMatch(/master key is NOT inside this backup/);
    expect(backup.stderr).toMatch(/master key is NOT inside this backup/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['licensor-backup.sqlite']);

    // A fresh installation: an empty data dir, given the master key the backup names.
    const target = store();
    fs.copyFileSync(report.masterKey.file, path.join(target.config.dataDir, 'master.key'));
    const restored = await runCli(['restore', file], target.env);
    expect(restored.code, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({
      database: databaseOf(target),
      restoredFrom: file,
      vendors: ['BACK'],
      previous: null,
    });

    const second = await spawnServer(target.env);
    try {
      const api = new ApiClient(second.url).withToken(token);
      const missing: string[] = [];
      for (const id of acknowledgedBeforeBackup)
        if ((await api.get(`/v1/customers/${id}`)).status !== 200) missing.push(id);
      expect(missing).toEqual([]);
      const answer = await api.post('/v1/validate', { key: licensed!.key, product: licensed!.productCode });
      expect(answer.body).toMatchObject({ valid: true, code: 'VALID' });
      expect(await signedBy(api, 'BACK', answer)).toEqual(original!);
    } finally {
      await stopServer(second.child);
    }
  });

  it('restore refuses while a server has the database open, and replaces it once the server stops, keeping the old one', async () => {
    const installation = store();
    const init = await runCli(
      ['init', '--vendor', 'Busy', '--prefix', 'BUSY', '--email', 'ops@busy.test'],
      installation.env,
    );
    const { token } = JSON.parse(init.stdout);
    const file = path.join(tempDir(), 'busy.sqlite');
    const running = await spawnServer(installation.env);
    try {
      const made = await runCli(['backup', '--out', file], installation.env);
      expect(made.code, made.stderr).toBe(0);
      // A second backup to the same file keeps the first, unless told to replace it.
      const before = fs.statSync(file).mtimeMs;
      const again = await runCli(['backup', '--out', file], installation.env);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/exists: choose another file or a directory, or add --force/);
      expect(fs.statSync(file).mtimeMs).toBe(before);
      const forced = await runCli(['backup', '--out', file, '--force'], installation.env);
      expect(forced.code, forced.stderr).toBe(0);
      const refused = await runCli(['restore', file], installation.env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/is in use .*stop them, then restore/);
      expect(fs.readdirSync(installation.config.dataDir).filter((name) => name.includes('restor'))).toEqual(
        [],
      );
      const api = new ApiClient(running.url).withToken(token);
      expect((await api.post('/v1/customers', { name: 'still served' })).status).toBe(201);
    } finally {
      await stopServer(running.child);
    }

    const restored = await runCli(['restore', file], installation.env);
    expect(restored.code, restored.stderr).toBe(0);
    const report = JSON.parse(restored.stdout);
    expect(report.previous).toMatch(/licensor\.sqlite\.before-restore-/);
    // The kept database is whole on its own: it has the customer written after the backup.
    const kept = new SqliteDatabase(report.previous, { readonly: true });
    try {
      expect(kept.prepare(`select count(*) as n from customers where name = 'still served'`).get()).toEqual({
        n: 1,
      });
    } finally {
      kept.close();
    }

    const again = await spawnServer(installation.env);
    try {
      const api = new ApiClient(again.url).withToken(token);
      const customers = await api.get('/v1/customers?q=still');
      expect(customers.status).toBe(200);
      expect(customers.body.data).toEqual([]); // the backup predates that customer
    } finally {
      await stopServer(again.child);
    }
  });
});

describe('licensor restore refuses what it cannot safely install', () => {
  let other: TestStore; // the installation whose backup is offered (its own master key)
  let installation: TestStore; // the installation being restored into
  let backupOfOther: string;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-restore-'));
    other = createTestStore('sqlite');
    installation = createTestStore('sqlite');
    const inits = await Promise.all([
      runCli(['init', '--vendor', 'Other', '--prefix', 'OTHR', '--email', 'o@other.test'], other.env),
      runCli(['init', '--vendor', 'Mine', '--prefix', 'MINE', '--email', 'm@mine.test'], installation.env),
    ]);
    for (const init of inits) expect(init.code, init.stderr).toBe(0);
    backupOfOther = path.join(dir, 'other.sqlite');
    const made = await runCli(['backup', '--out', backupOfOther], other.env);
    expect(made.code, made.stderr).toBe(0);
  });
  afterAll(async () => {
    await Promise.all([other?.drop(), installation?.drop()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Each case writes the file to offer and names what the refusal says. */
  const cases: [string, () => string, RegExp][] = [
    [
      'a damaged file (a table page overwritten)',
      () => {
        const file = path.join(dir, 'damaged.sqlite');
        fs.copyFileSync(backupOfOther, file);
        const sqlite = new SqliteDatabase(file);
        const { rootpage } = sqlite
          .prepare(`select rootpage from sqlite_schema where name = 'signing_keys'`)
          .get() as { rootpage: number };
        const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
        sqlite.close();
        const fd = fs.openSync(file, 'r+');
        fs.writeSync(fd, Buffer.alloc(pageSize, 0x55), 0, pageSize, (rootpage - 1) * pageSize);
        fs.closeSync(fd);
        return file;
      },
      /is damaged/,
    ],
    [
      'a file that is not a SQLite database',
      () => {
        const file = path.join(dir, 'notes.sqlite');
        fs.writeFileSync(file, 'these are notes, not a database\n'.repeat(200));
        return file;
      },
      /is not a SQLite database/,
    ],
    [
      "another program's SQLite database",
      () => {
        const file = path.join(dir, 'foreign.sqlite');
        const sqlite = new SqliteDatabase(file);
        sqlite.exec(
          `create table notes (id integer primary key, body text); insert into notes (body) values ('x')`,
        );
        sqlite.close();
        return file;
      },
      /is a SQLite database, but not a Licensor one/,
    ],
    [
      'a backup made by a newer Licensor',
      () => {
        const file = path.join(dir, 'future.sqlite');
        fs.copyFileSync(backupOfOther, file);
        const sqlite = new SqliteDatabase(file);
        sqlite
          .prepare('insert into kysely_migration (name, timestamp) values (?, ?)')
          .run('9999-from-the-future', new Date().toISOString());
        sqlite.close();
        return file;
      },
      /made by a newer Licensor \(migrations this version does not have: 9999-from-the-future\)/,
    ],
    [
      'a backup sealed under a different master key',
      () => backupOfOther,
      /master key \(.*master\.key\) does not open the signing keys in .* \(vendors OTHR\)/,
    ],
  ];

  it.each(cases)(
    'an operator restoring %s is refused, and the installation stays as it was',
    async (_, make, says) => {
      const file = make();
      const database = databaseOf(installation);
      const before = { digest: digest(database), files: fs.readdirSync(installation.config.dataDir).sort() };
      const result = await runCli(['restore', file], installation.env);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(says);
      expect(result.stdout).toBe('');
      expect({ digest: digest(database), files: fs.readdirSync(installation.config.dataDir).sort() }).toEqual(
        before,
      );
    },
  );

  it('an operator running backup or restore without its argument gets the usage and exit code 2', async () => {
    expect((await runCli(['backup'], installation.env)).code).toBe(2);
    expect((await runCli(['restore'], installation.env)).code).toBe(2);
    const help = await runCli(['restore', '--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('restore FILE');
    expect(help.stdout).not.toContain('backup --out');
  });
});

const README = fileURLToPath(new URL('../../../../../README.md', import.meta.url));

/** The shell lines of the README's "Backups" section that run pg_dump, createdb and pg_restore. */
function readmePostgresCommands(): string[] {
  const section = fs
    .readFileSync(README, 'utf8')
    .split(/^## /m)
    .find((part) => part.startsWith('Backups'));
  expect(section, 'the README has a Backups section').toBeDefined();
  const blocks = [...section!.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1]);
  return blocks
    .flatMap((block) => block.split('\n'))
    .filter((line) => /^(pg_dump|createdb|pg_restore) /.test(line));
}

const withDatabase = (url: string, database: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

describe('backups on PostgreSQL go through pg_dump and pg_restore', () => {
  let store: TestStore | undefined;
  let restoredDatabase: string | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await store?.drop();
    store = undefined;
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    if (!restoredDatabase) return;
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`drop database if exists ${restoredDatabase} with (force)`);
    } finally {
      await client.end();
    }
    restoredDatabase = undefined;
  });

  it("an operator runs the README's pg_dump, createdb and pg_restore against a live server, and a server on the new database reads the data back, signed by the same key", async () => {
    store = createTestStore('postgres');
    const schema = store.env.DATABASE_SCHEMA;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-pgdump-'));
    const freshDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'licensor-pgdump-data-'));
    dirs.push(dir, freshDataDir);
    const init = await runCli(
      ['init', '--vendor', 'Pg', '--prefix', 'PGDB', '--email', 'ops@pg.test'],
      store.env,
    );
    expect(init.code, init.stderr).toBe(0);
    const { token } = JSON.parse(init.stdout);
    const commands = readmePostgresCommands();
    expect(commands.map((line) => line.split(' ')[0])).toEqual(['pg_dump', 'createdb', 'pg_restore']);

    // licensor backup and restore refuse on PostgreSQL, printing the README's commands with this installation's values.
    const dump = path.join(dir, 'licensor.dump');
    const values: Record<string, string> = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: schema,
      RESTORED_URL: withDatabase(TEST_DATABASE_URL, 'licensor_restored'),
    };
    const expand = (line: string) =>
      line
        .replaceAll('"', '')
        .replace(/\$(\w+)/g, (_, name: string) => values[name])
        .replace(/(?<=[ =])licensor\.dump\b/, dump);
    const backupAdvice = await runCli(['backup', '--out', dump], store.env);
    expect(backupAdvice.code).toBe(1);
    for (const line of commands) expect(backupAdvice.stderr).toContain(expand(line));
    const restoreAdvice = await runCli(['restore', dump], store.env);
    expect(restoreAdvice.code).toBe(1);
    expect(restoreAdvice.stderr).toContain(expand(commands[2]));
    expect(fs.existsSync(dump)).toBe(false);

    const first = await spawnServer(store.env);
    const customers: string[] = [];
    let licensed: Awaited<ReturnType<typeof setupLicensed>>;
    let original: { kid: string; publicKey: string };
    try {
      const api = new ApiClient(first.url).withToken(token);
      licensed = await setupLicensed(api, { scope: 'seat', maxSeats: 2 });
      const answer = await api.post('/v1/validate', { key: licensed.key, product: licensed.productCode });
      original = await signedBy(api, 'PGDB', answer);
      for (let i = 0; i < 5; i++)
        customers.push((await api.post('/v1/customers', { name: `pg ${i}` })).body.id);

      // Run while the server is up, as an operator would, into a database of this test's own.
      restoredDatabase = `r_${randomBytes(6).toString('hex')}`;
      const env = {
        ...process.env,
        DATABASE_URL: TEST_DATABASE_URL,
        DATABASE_SCHEMA: schema,
        RESTORED_URL: withDatabase(TEST_DATABASE_URL, restoredDatabase),
      };
      for (const line of commands)
        execFileSync('sh', ['-c', line.replaceAll('licensor_restored', restoredDatabase)], { cwd: dir, env });
    } finally {
      await stopServer(first.child);
    }

    const masterKey = fs.readFileSync(path.join(store.config.dataDir, 'master.key'), 'utf8').trim();
    const second = await spawnServer({
      ...store.env,
      DATABASE_URL: withDatabase(TEST_DATABASE_URL, restoredDatabase),
      DATA_DIR: freshDataDir,
      LICENSOR_MASTER_KEY: masterKey,
    });
    try {
      const api = new ApiClient(second.url).withToken(token);
      for (const id of customers) expect((await api.get(`/v1/customers/${id}`)).status).toBe(200);
      const answer = await api.post('/v1/validate', { key: licensed!.key, product: licensed!.productCode });
      expect(answer.body).toMatchObject({ valid: true, code: 'VALID' });
      expect(await signedBy(api, 'PGDB', answer)).toEqual(original!);
    } finally {
      await stopServer(second.child);
    }
  });
});
