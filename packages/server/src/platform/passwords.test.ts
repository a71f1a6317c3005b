import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { costWithN, hashPassword, verifyPassword } from './passwords.js';

describe('password hashes', () => {
  it('are scrypt with N = 2^17 by default, the parameters stored in the hash', async () => {
    const cost = loadConfig({}).passwordCost;
    expect(cost).toEqual({ n: 131_072, r: 8, p: 1 });
    const hash = await hashPassword('correct-horse-1', cost);
    expect(hash).toMatch(/^scrypt\$n=131072,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct-horse-1', hash, cost)).toEqual({ ok: true, outdated: false });
    expect((await verifyPassword('correct-horse-2', hash, cost)).ok).toBe(false);
  });

  it('made with a lower cost than configured are outdated, and still verify', async () => {
    const weak = await hashPassword('pw-123456', costWithN(16_384));
    expect(await verifyPassword('pw-123456', weak, costWithN(32_768))).toEqual({ ok: true, outdated: true });
  });

  it('a tampered hash asking for absurd parameters is refused without being computed', async () => {
    const hash = await hashPassword('pw-123456', costWithN(16_384));
    const absurd = hash.replace('n=16384', 'n=1073741824');
    expect((await verifyPassword('pw-123456', absurd, costWithN(16_384))).ok).toBe(false);
  });

  it('a configured cost must be a power of two of at least 2^14', () => {
    expect(() => loadConfig({ PASSWORD_SCRYPT_N: '1000' })).toThrow(/power of two/);
    expect(loadConfig({ PASSWORD_SCRYPT_N: '262144' }).passwordCost.n).toBe(262_144);
  });
});
