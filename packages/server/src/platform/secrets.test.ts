import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../server.js';
import { DIALECTS } from '../test-support/databases.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';
import { MASTER_KEY_FILE } from './secrets.js';

describe.each(DIALECTS)('signing keys sealed at rest on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  const storedKeys = () =>
    server.ctx.handle.db.selectFrom('signing_keys').select(['kid', 'private_key']).execute();

  it('the database holds no private key bytes, and answers are still signed', async () => {
    await server.api.post('/v1/signing-keys/rotate', {});
    const rows = await storedKeys();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.private_key).toMatch(/^sealed:v1:/);
      const der = Buffer.from(server.ctx.secrets.open(row.private_key), 'base64');
      // The PKCS#8 prefix of an Ed25519 key and the 32 secret bytes appear nowhere in the stored text.
      expect(row.private_key).not.toContain(der.toString('base64'));
      expect(Buffer.from(row.private_key.slice(10), 'base64').includes(der.subarray(-32))).toBe(false);
    }
    const answer = await server.anon.post('/v1/validate', {
      key: 'ACME-00000-00000-00000-00000-00000',
      product: 'x',
    });
    expect(answer.headers.get('licensor-signature')).toMatch(/sig="/);
  });

  it('a server with another master key, or none, refuses to start with a clear message', async () => {
    await expect(
      createContext({ ...server.store.config, masterKey: randomBytes(32).toString('base64') }, server.clock),
    ).rejects.toThrow(/master key does not open the signing keys/);
    const file = path.join(server.store.config.dataDir, MASTER_KEY_FILE);
    const saved = fs.readFileSync(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    fs.rmSync(file);
    try {
      await expect(createContext(server.store.config, server.clock)).rejects.toThrow(/no master key/);
    } finally {
      fs.writeFileSync(file, saved, { mode: 0o600 });
    }
    // The key from the environment opens them too.
    const second = await createContext(
      { ...server.store.config, masterKey: saved.toString('utf8').trim() },
      server.clock,
    );
    await second.handle.close();
  });

  it('keys stored in plain text by an older version are sealed at the next start', async () => {
    const [row] = await storedKeys();
    const plain = server.ctx.secrets.open(row.private_key);
    await server.ctx.handle.db
      .updateTable('signing_keys')
      .set({ private_key: plain })
      .where('kid', '=', row.kid)
      .execute();
    const restarted = await createContext(server.store.config, server.clock);
    await restarted.handle.close();
    const after = (await storedKeys()).find((r) => r.kid === row.kid)!;
    expect(after.private_key).toMatch(/^sealed:v1:/);
    expect(server.ctx.secrets.open(after.private_key)).toBe(plain);
  });
});
