import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/database.js';

const PREFIX = 'sealed:v1:';
export const MASTER_KEY_FILE = 'master.key';

/**
 * Secrets at rest (signing keys' private halves, webhook signing secrets) sealed with AES-256-GCM under the installation's master
 * key, so a copy of the database alone cannot forge licenses. The master key comes from
 * `LICENSOR_MASTER_KEY` (base64 of 32 bytes) or from `DATA_DIR/master.key`, created (mode 0600) on the
 * first start of an empty installation. Back it up apart from the database: without it the keys are lost.
 */
export class SecretBox {
  readonly #digestKey: Buffer;

  constructor(private readonly key: Buffer) {
    // A key of its own for digests, so that no digest is ever made under the sealing key.
    this.#digestKey = createHmac('sha256', key).update('licensor/digest').digest();
  }

  /**
   * A keyed digest (HMAC-SHA256) of `value` for `purpose`: equal values give equal digests, and without the master
   * key no one can tell which value made one (a hash of an address or an e-mail alone can be found by trying them).
   */
  digest(purpose: string, value: string): string {
    return createHmac('sha256', this.#digestKey).update(`${purpose}\0${value}`).digest('base64url');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  open(value: string): string {
    if (!value.startsWith(PREFIX)) throw new Error('this secret is not sealed');
    const bytes = Buffer.from(value.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}

const isSealed = (value: string): boolean => value.startsWith(PREFIX);

function fromEnvironment(value: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32)
    throw new Error('LICENSOR_MASTER_KEY must be 32 bytes in base64 (openssl rand -base64 32)');
  return key;
}

/** A new master key file; of two processes starting at once, the second reads the first one's. */
function createKeyFile(dataDir: string, file: string): Buffer {
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return fromEnvironment(fs.readFileSync(file, 'utf8').trim());
}

/**
 * The installation's master key, checked against the database: it must open the sealed keys already there.
 * Secrets stored before sealing existed are sealed now.
 */
export async function openSecretBox(
  config: Pick<Config, 'dataDir' | 'masterKey'>,
  handle: DatabaseHandle,
): Promise<SecretBox> {
  const file = path.join(config.dataDir, MASTER_KEY_FILE);
  const stored = await handle.db.selectFrom('signing_keys').select(['kid', 'private_key']).execute();
  const sealed = stored.find((row) => isSealed(row.private_key));
  let key: Buffer;
  if (config.masterKey) key = fromEnvironment(config.masterKey);
  else if (fs.existsSync(file)) key = fromEnvironment(fs.readFileSync(file, 'utf8').trim());
  else if (sealed) {
    throw new Error(
      `no master key: this database's signing keys are sealed; set LICENSOR_MASTER_KEY or restore ${file}`,
    );
  } else {
    key = createKeyFile(config.dataDir, file);
  }
  const box = new SecretBox(key);
  if (sealed) {
    try {
      box.open(sealed.private_key);
    } catch {
      throw new Error(
        'the master key does not open the signing keys in this database: set LICENSOR_MASTER_KEY (or DATA_DIR/master.key) to the key this installation was created with',
      );
    }
  }
  for (const row of stored.filter((r) => !isSealed(r.private_key)))
    await handle.db
      .updateTable('signing_keys')
      .set({ private_key: box.seal(row.private_key) })
      .where('kid', '=', row.kid)
      .where('private_key', '=', row.private_key)
      .execute();
  const endpoints = await handle.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'secret'])
    .where('secret', 'not like', `${PREFIX}%`)
    .execute();
  for (const row of endpoints)
    await handle.db
      .updateTable('webhook_endpoints')
      .set({ secret: box.seal(row.secret) })
      .where('id', '=', row.id)
      .where('secret', '=', row.secret)
      .execute();
  return box;
}
