import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { DEFAULT_MIGRATION_TABLE, Kysely, SqliteDialect } from 'kysely';
import type { Config } from '../../platform/config.js';
import { migrateToLatest } from '../../platform/db/migrate.js';
import { AppError } from '../../platform/errors.js';
import { MASTER_KEY_FILE, SecretBox } from '../../platform/secrets.js';

/** The SQLite file under DATA_DIR (the name `openDatabase` opens). */
export const DATABASE_FILE = 'licensor.sqlite';

/** How secrets.ts marks a sealed value; anything else is a secret stored before sealing existed. */
const SEALED = 'sealed:v1:';

type StorageConfig = Pick<Config, 'dataDir' | 'databaseUrl' | 'databaseSchema' | 'masterKey'>;

/** Where the master key that opens the database's sealed secrets comes from. */
export type MasterKeySource =
  | { readonly from: 'environment'; readonly variable: 'LICENSOR_MASTER_KEY' }
  | { readonly from: 'file'; readonly file: string }
  | { readonly from: 'nowhere'; readonly file: string };

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  readonly database: string;
  /** The newest migration the copy has (it restores into this version of Licensor or a newer one). */
  readonly migration: string | null;
  readonly vendors: string[];
  readonly masterKey: MasterKeySource & {
    /** Whether that key opens the copy's sealed secrets; null when it holds none. */
    readonly opensBackup: boolean | null;
  };
  readonly warning: string;
}

export interface RestoreResult {
  readonly database: string;
  readonly restoredFrom: string;
  readonly migration: string | null;
  readonly vendors: string[];
  /** The database that was replaced, kept beside it (delete it once the restore is confirmed). */
  readonly previous: string | null;
  readonly next: string;
}

/** What a copy holds, read before trusting it. */
interface Contents {
  readonly migration: string | null;
  readonly vendors: string[];
  readonly sealedSecrets: number;
  /** Prefixes of vendors with a sealed secret the master key does not open. */
  readonly unopened: string[];
}

const refused = (reason: string, message: string) => new AppError('BAD_REQUEST', message, [{ reason }]);
const backupExists = (file: string) =>
  refused(
    'BACKUP_EXISTS',
    `${file} exists: choose another file or a directory, or add --force to replace it`,
  );

/**
 * `licensor backup`: a consistent copy of the SQLite database while servers and workers keep writing, through
 * SQLite's online backup API. The copy is written beside the target and renamed into place, so a backup cut
 * short never looks complete. PostgreSQL is pg_dump's job: the error carries the exact commands.
 */
export async function backupDatabase(
  config: StorageConfig,
  out: string,
  options: { overwrite?: boolean } = {},
): Promise<BackupResult> {
  if (config.databaseUrl) throw new AppError('BAD_REQUEST', postgresAdvice('backup', config, out));
  const database = path.join(config.dataDir, DATABASE_FILE);
  if (!fs.existsSync(database))
    throw refused(
      'NO_DATABASE',
      `no database at ${database}: set DATA_DIR to the installation's data directory`,
    );
  const file = backupFileName(out);
  if (sameFile(file, database)) throw refused('SAME_FILE', `--out ${file} is the live database itself`);
  // An earlier backup is worth more than a typo in a cron line: replacing one is asked for, not assumed.
  if (!options.overwrite && fs.existsSync(file)) throw backupExists(file);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const source = new SqliteDatabase(database, { fileMustExist: true, timeout: 5000 });
    try {
      // All pages in one step, inside one read transaction: a snapshot, and a writer cannot stall it. Copied a
      // few pages at a time (the default), every commit by a server would restart the copy from page one.
      await source.backup(partial, { progress: () => 0x7fffffff });
    } finally {
      source.close();
    }
    // It holds password hashes, customers and the sealed keys: readable by its owner only.
    fs.chmodSync(partial, 0o600);
    const master = masterKeyOf(config);
    const contents = await inspect(partial, `the copy of ${database}`, 'quick_check', master.key);
    if (options.overwrite) fs.renameSync(partial, file);
    else {
      // A link fails if the name exists by now (another backup finished meanwhile); a rename would replace it.
      try {
        fs.linkSync(partial, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw backupExists(file);
        throw error;
      }
    }
    return {
      file,
      bytes: fs.statSync(file).size,
      database,
      migration: contents.migration,
      vendors: contents.vendors,
      masterKey: {
        ...master.source,
        opensBackup: contents.sealedSecrets === 0 ? null : contents.unopened.length === 0,
      },
      warning: `The master key is NOT inside this backup, and the backup cannot sign without it: the vendors' signing keys and webhook secrets in it are sealed with that key. Keep a copy of the master key (${describe(master.source)}) with your backups, stored apart from them: whoever holds both can forge licenses.`,
    };
  } finally {
    removeQuietly(partial);
  }
}

/**
 * `licensor restore FILE`: replaces DATA_DIR's database with a backup, after checking on a private copy that it
 * is a whole SQLite database, a Licensor one no newer than this version, and that the master key opens its
 * sealed secrets. Any refusal leaves the installation as it was. The copy is renamed over the database, so
 * a server started at any moment finds the old one or the new one, never half of each.
 */
export async function restoreDatabase(config: StorageConfig, backup: string): Promise<RestoreResult> {
  if (config.databaseUrl) throw new AppError('BAD_REQUEST', postgresAdvice('restore', config, backup));
  const source = path.resolve(backup);
  if (!fs.existsSync(source) || !fs.statSync(source).isFile())
    throw refused('NO_FILE', `no backup file at ${source}`);
  if (fs.existsSync(`${source}-wal`) && fs.statSync(`${source}-wal`).size > 0) {
    throw refused(
      'LIVE_DATABASE',
      `${source}-wal lies beside ${source}: it is a database in use (or copied while in use), whose latest commits are in that log; make a backup with licensor backup --out FILE`,
    );
  }
  checkHeader(source);
  const database = path.join(config.dataDir, DATABASE_FILE);
  if (sameFile(source, database)) throw refused('SAME_FILE', `${source} is the live database itself`);
  const master = masterKeyOf(config);
  const newDataDir = !fs.existsSync(config.dataDir);
  fs.mkdirSync(config.dataDir, { recursive: true });
  const staging = `${database}.restoring-${process.pid}-${randomBytes(4).toString('hex')}`;
  let restored = false;
  try {
    // Checked on the copy that will be installed, so what passed the checks is exactly what goes live.
    fs.copyFileSync(source, staging);
    const contents = await inspect(staging, source, 'integrity_check', master.key);
    if (contents.sealedSecrets > 0 && !master.key) {
      throw refused(
        'NO_MASTER_KEY',
        `${source} holds sealed signing keys, and there is no master key to open them: set LICENSOR_MASTER_KEY, or put the master.key kept with this backup at ${path.join(config.dataDir, MASTER_KEY_FILE)}`,
      );
    }
    if (contents.unopened.length > 0) {
      throw refused(
        'WRONG_MASTER_KEY',
        `the master key (${describe(master.source)}) does not open the signing keys in ${source} (vendors ${contents.unopened.join(', ')}): restore with the master key this backup was made under`,
      );
    }
    const previous = replaceDatabase(database, staging);
    restored = true;
    return {
      database,
      restoredFrom: source,
      migration: contents.migration,
      vendors: contents.vendors,
      previous,
      next: 'start the servers and workers (licensor serve); they apply any newer migrations first',
    };
  } finally {
    removeQuietly(staging);
    // A refusal leaves no trace, not even the data directory it made for the copy.
    if (newDataDir && !restored) fs.rmSync(config.dataDir, { recursive: true, force: true });
  }
}

/** The pg_dump and pg_restore commands for the configured PostgreSQL database and schema. */
export function postgresCommands(
  config: Pick<Config, 'databaseUrl' | 'databaseSchema'>,
  file: string,
): { dump: string; createdb: string; restore: string; passwordLeftOut: boolean } {
  let url = config.databaseUrl ?? '';
  let restoredUrl = url;
  let passwordLeftOut = false;
  try {
    const parsed = new URL(url);
    // Commands get pasted into terminals and logs: the password goes in PGPASSWORD or ~/.pgpass instead.
    passwordLeftOut = parsed.password !== '';
    parsed.password = '';
    url = parsed.toString();
    parsed.pathname = '/licensor_restored';
    restoredUrl = parsed.toString();
  } catch {
    // a libpq key=value string: passed on as it is
  }
  const schema = config.databaseSchema ? ` --schema=${shellQuote(config.databaseSchema)}` : '';
  const dump = `pg_dump --format=custom${schema} --file=${shellQuote(file)} --dbname=${shellQuote(url)}`;
  const createdb = `createdb --maintenance-db=${shellQuote(url)} licensor_restored`;
  const restore = `pg_restore --exit-on-error --single-transaction --no-owner --dbname=${shellQuote(restoredUrl)} ${shellQuote(file)}`;
  return { dump, createdb, restore, passwordLeftOut };
}

function postgresAdvice(command: 'backup' | 'restore', config: StorageConfig, file: string): string {
  const commands = postgresCommands(config, path.resolve(file));
  const lines =
    command === 'backup'
      ? [
          'licensor backup copies the embedded SQLite database; this installation runs on PostgreSQL (DATABASE_URL).',
          'pg_dump makes a consistent copy while the servers keep writing:',
          `  ${commands.dump}`,
          'It restores into a new, empty database (then point DATABASE_URL at it and start the servers):',
          `  ${commands.createdb}`,
          `  ${commands.restore}`,
        ]
      : [
          'licensor restore replaces the embedded SQLite database; this installation runs on PostgreSQL (DATABASE_URL).',
          'Restore a pg_dump file into a new, empty database, then point DATABASE_URL at it and start the servers:',
          `  ${commands.createdb}`,
          `  ${commands.restore}`,
        ];
  if (commands.passwordLeftOut) lines.push('The password is left out: give it in PGPASSWORD or ~/.pgpass.');
  let key = 'LICENSOR_MASTER_KEY, or DATA_DIR/master.key';
  try {
    key = describe(masterKeyOf(config).source);
  } catch {
    // a malformed key is the server's to report
  }
  lines.push(`The master key (${key}) is not in the dump: keep it with the dump, stored apart from it.`);
  return lines.join('\n');
}

/**
 * Opens a private copy and reads what it holds, refusing what cannot be restored: not SQLite, damaged, not
 * Licensor's, or made by a newer Licensor. Sealed secrets the master key does not open are reported, not
 * refused: a backup is worth keeping even when this shell lacks the server's key.
 */
async function inspect(
  file: string,
  label: string,
  check: 'integrity_check' | 'quick_check',
  key: Buffer | null,
): Promise<Contents> {
  const known = await migrationsOfThisVersion();
  let sqlite: SqliteDatabase.Database | undefined;
  try {
    sqlite = new SqliteDatabase(file, { fileMustExist: true, timeout: 5000 });
    const problems = (sqlite.pragma(check) as Record<string, string>[]).map((row) => Object.values(row)[0]);
    if (problems.length !== 1 || problems[0] !== 'ok')
      throw refused('DAMAGED', `${label} is damaged (${check}: ${problems.slice(0, 3).join('; ')})`);
    const tables = new Set(
      (sqlite.prepare(`select name from sqlite_schema where type = 'table'`).all() as { name: string }[]).map(
        (row) => row.name,
      ),
    );
    if (!tables.has(DEFAULT_MIGRATION_TABLE) || !tables.has('vendors') || !tables.has('signing_keys'))
      throw refused('NOT_LICENSOR', `${label} is a SQLite database, but not a Licensor one`);
    const applied = (
      sqlite.prepare(`select name from ${DEFAULT_MIGRATION_TABLE} order by name`).all() as { name: string }[]
    ).map((row) => row.name);
    const unknown = applied.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw refused(
        'NEWER_VERSION',
        `${label} was made by a newer Licensor (migrations this version does not have: ${unknown.join(', ')}); restore it with that version or a later one`,
      );
    }
    const vendors = (
      sqlite.prepare('select prefix from vendors order by prefix').all() as { prefix: string }[]
    ).map((row) => row.prefix);
    const secrets = sqlite
      .prepare(
        `select v.prefix, k.private_key as secret from signing_keys k join vendors v on v.id = k.vendor_id
         where k.private_key like '${SEALED}%'`,
      )
      .all() as { prefix: string; secret: string }[];
    if (tables.has('webhook_endpoints')) {
      secrets.push(
        ...(sqlite
          .prepare(
            `select v.prefix, w.secret from webhook_endpoints w join vendors v on v.id = w.vendor_id
             where w.secret like '${SEALED}%'`,
          )
          .all() as { prefix: string; secret: string }[]),
      );
    }
    const box = key ? new SecretBox(key) : null;
    const unopened = new Set<string>();
    for (const { prefix, secret } of secrets) {
      try {
        if (!box) throw new Error('no key');
        box.open(secret);
      } catch {
        unopened.add(prefix);
      }
    }
    return {
      migration: applied.at(-1) ?? null,
      vendors,
      sealedSecrets: secrets.length,
      unopened: [...unopened],
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_NOTADB') throw refused('NOT_SQLITE', `${label} is not a SQLite database`);
    if (code === 'SQLITE_CORRUPT')
      throw refused('DAMAGED', `${label} is damaged: ${(error as Error).message}`);
    throw error;
  } finally {
    sqlite?.close();
  }
}

/** SQLite would take an empty or very short file for an empty database, and say so only once it is opened. */
function checkHeader(file: string): void {
  const header = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, header, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read === 0) throw refused('NOT_SQLITE', `${file} is empty`);
  if (read < 16 || !header.equals(Buffer.from('SQLite format 3\0', 'latin1')))
    throw refused('NOT_SQLITE', `${file} is not a SQLite database`);
}

let thisVersion: Promise<string[]> | undefined;

/** This version's migrations by name: those an empty database receives (migrate.ts keeps its list private). */
function migrationsOfThisVersion(): Promise<string[]> {
  thisVersion ??= (async () => {
    const db = new Kysely<unknown>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }),
    });
    try {
      return await migrateToLatest(db);
    } finally {
      await db.destroy();
    }
  })();
  return thisVersion;
}

/**
 * Swaps the checked copy in. A WAL database is held by every connection open on it (a shared lock from the
 * first read until close), so an exclusive lock is granted only when no server, worker or other command has
 * it open, and holding it keeps them out until the swap is done.
 */
function replaceDatabase(database: string, staging: string): string | null {
  const sidecars = ['-wal', '-shm', '-journal'].map((suffix) => `${database}${suffix}`);
  if (!fs.existsSync(database)) {
    // Left by a database deleted by hand: SQLite would replay them into the new one.
    for (const file of sidecars) fs.rmSync(file, { force: true });
    fs.renameSync(staging, database);
    return null;
  }
  const current = new SqliteDatabase(database, { fileMustExist: true, timeout: 0 });
  try {
    current.pragma('locking_mode = EXCLUSIVE');
    try {
      current.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
        throw new AppError(
          'IN_USE',
          `${database} is in use (a licensor serve, worker or other command has it open): stop them, then restore`,
        );
      }
      // A damaged database (often the reason to restore) cannot be locked; it is replaced all the same.
    }
    try {
      // Folds its log into the file, so the copy kept below is whole on its own, and leaves no -wal for this
      // connection to delete by name when it closes, after the new database has taken that name.
      current.pragma('journal_mode = DELETE');
    } catch {
      // damaged: kept as it is
    }
    const previous = `${database}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      fs.linkSync(database, previous);
    } catch {
      fs.copyFileSync(database, previous);
    }
    for (const file of sidecars) fs.rmSync(file, { force: true });
    fs.renameSync(staging, database);
    return previous;
  } finally {
    current.close();
  }
}

function masterKeyOf(config: Pick<Config, 'dataDir' | 'masterKey'>): {
  source: MasterKeySource;
  key: Buffer | null;
} {
  const file = path.join(config.dataDir, MASTER_KEY_FILE);
  if (config.masterKey)
    return {
      source: { from: 'environment', variable: 'LICENSOR_MASTER_KEY' },
      key: keyOf(config.masterKey, 'LICENSOR_MASTER_KEY'),
    };
  if (fs.existsSync(file))
    return { source: { from: 'file', file }, key: keyOf(fs.readFileSync(file, 'utf8'), file) };
  return { source: { from: 'nowhere', file }, key: null };
}

function keyOf(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32)
    throw refused('BAD_MASTER_KEY', `${where} must hold 32 bytes in base64 (openssl rand -base64 32)`);
  return key;
}

function describe(source: MasterKeySource): string {
  if (source.from === 'environment') return 'the value of LICENSOR_MASTER_KEY';
  if (source.from === 'file') return source.file;
  return `none: LICENSOR_MASTER_KEY is unset and ${source.file} does not exist`;
}

/** `--out` naming a directory (or ending in /) gets a timestamped file in it, so a daily job keeps every day. */
function backupFileName(out: string): string {
  const resolved = path.resolve(out);
  const directory = out.endsWith('/') || (fs.existsSync(resolved) && fs.statSync(resolved).isDirectory());
  if (!directory) return resolved;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(resolved, `licensor-${stamp}.sqlite`);
}

function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

function removeQuietly(file: string): void {
  for (const name of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
    fs.rmSync(name, { force: true });
}

/** Quotes a word for a POSIX shell when it needs it. */
function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
