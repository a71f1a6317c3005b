import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { Db } from './db/database.js';

/**
 * Passwords as scrypt hashes that carry their own parameters: `scrypt$n=131072,r=8,p=1$salt$hash`. A login
 * with a hash of weaker (or older-format) parameters than the configured ones replaces it, so raising the
 * cost needs no migration. Hashes of the first format (`scrypt$salt$hash`) were made with N=16384.
 */
export interface ScryptCost {
  readonly n: number;
  readonly r: number;
  readonly p: number;
}

const KEYLEN = 32;
const FIRST_FORMAT_COST: ScryptCost = { n: 16_384, r: 8, p: 1 };

/** The parameters new hashes get, with N from the configuration (2^17 unless told otherwise). */
export const costWithN = (n: number): ScryptCost => ({ n, r: 8, p: 1 });

/**
 * At most this many hashes run at once (each takes ~0.4 s and 128 MB at N=2^17): logins queue rather than take
 * all of libuv's threads, which file reads and DNS lookups share, or the machine's memory.
 */
const MAX_CONCURRENT_HASHES = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer, keylen: number, cost: ScryptCost): Promise<Buffer> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await new Promise((resolve, reject) =>
      scrypt(
        password,
        salt,
        keylen,
        { N: cost.n, r: cost.r, p: cost.p, maxmem: 256 * cost.n * cost.r },
        (error, key) => (error ? reject(error) : resolve(key)),
      ),
    );
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export async function hashPassword(password: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, KEYLEN, cost);
  return `scrypt$n=${cost.n},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts[0] !== 'scrypt') return undefined;
  if (parts.length === 3)
    return {
      cost: FIRST_FORMAT_COST,
      salt: Buffer.from(parts[1], 'base64'),
      hash: Buffer.from(parts[2], 'base64'),
    };
  const match = /^n=(\d+),r=(\d+),p=(\d+)$/.exec(parts[1] ?? '');
  if (parts.length !== 4 || !match) return undefined;
  const [n, r, p] = match.slice(1).map(Number);
  // Refuse parameters no hash of ours has: a tampered row must not make a login allocate gigabytes.
  if (n < 2 || n > 2 ** 20 || (n & (n - 1)) !== 0 || r < 1 || r > 8 || p < 1 || p > 4) return undefined;
  return { cost: { n, r, p }, salt: Buffer.from(parts[2], 'base64'), hash: Buffer.from(parts[3], 'base64') };
}

/** Whether `password` matches `stored`, and whether the hash should be remade with `cost`. */
export async function verifyPassword(
  password: string,
  stored: string,
  cost: ScryptCost,
): Promise<{ ok: boolean; outdated: boolean }> {
  const parsed = parse(stored);
  if (!parsed || parsed.hash.length === 0) return { ok: false, outdated: false };
  const outdated = stored.split('$').length === 3 || parsed.cost.n < cost.n || parsed.cost.r !== cost.r;
  // A cheaper stored hash would answer faster and tell a watcher the account exists: the configured cost is
  // paid alongside, so every check takes as long.
  const [actual] = await Promise.all([
    derive(password, parsed.salt, parsed.hash.length, parsed.cost),
    outdated ? derive(password, parsed.salt, KEYLEN, cost) : undefined,
  ]);
  const ok = timingSafeEqual(actual, parsed.hash);
  return { ok, outdated };
}

/**
 * Checks a login's password against its account (or against a dummy hash of the configured cost when
 * there is no account, so both take as long), and upgrades an outdated hash on success.
 */
export async function checkLoginPassword(
  db: Db,
  table: 'users' | 'partner_users' | 'customer_users',
  account: { id: string; password_hash: string | null } | undefined,
  password: string,
  cost: ScryptCost,
): Promise<boolean> {
  const stored = account?.password_hash ?? dummyHash(cost);
  const { ok, outdated } = await verifyPassword(password, stored, cost);
  if (!account?.password_hash || !ok) return false;
  if (outdated)
    await db
      .updateTable(table)
      .set({ password_hash: await hashPassword(password, cost) })
      .where('id', '=', account.id)
      .where('password_hash', '=', account.password_hash)
      .execute();
  return true;
}

const dummies = new Map<number, string>();

/** A hash no password matches (an all-zero key), of the configured cost. */
function dummyHash(cost: ScryptCost): string {
  let dummy = dummies.get(cost.n);
  if (!dummy) {
    const zeros = Buffer.alloc(KEYLEN).toString('base64');
    dummy = `scrypt$n=${cost.n},r=${cost.r},p=${cost.p}$${Buffer.alloc(16).toString('base64')}$${zeros}`;
    dummies.set(cost.n, dummy);
  }
  return dummy;
}

/** A stored hash that no password matches (accounts that log in otherwise, seeded datasets). */
export const UNUSABLE_PASSWORD_HASH = 'scrypt$n=16384,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$';
