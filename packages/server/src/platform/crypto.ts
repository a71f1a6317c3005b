import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * Time-ordered ids (UUIDv7 layout with a per-millisecond counter in rand_a): rows sort by creation,
 * even within one millisecond of one process, so `id` doubles as the list cursor.
 */
export function newId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      ms = ++lastMs;
      sequence = 0;
    }
  } else {
    lastMs = ms;
    sequence = randomBytes(1)[0] & 0x7f; // a random start leaves room to count up
  }
  return idAt(ms, sequence);
}

let randomPool = Buffer.alloc(0);
let poolOffset = 0;

/** Random bytes as hex from a pooled buffer: ids are not secrets, and a seed writes millions of them. */
function randomHex(size: number): string {
  if (poolOffset + size > randomPool.length) {
    randomPool = randomBytes(4096);
    poolOffset = 0;
  }
  poolOffset += size;
  return randomPool.toString('hex', poolOffset - size, poolOffset);
}

/** The id a row created at `ms` gets (the seeding of test and benchmark datasets writes history with it). */
export function idAt(ms: number, sequenceInMs = 0): string {
  const time = ms.toString(16).padStart(12, '0');
  const random = randomHex(8);
  const variant = ((Number.parseInt(random.slice(0, 2), 16) & 0x3f) | 0x80).toString(16);
  const sequenceHex = (sequenceInMs & 0xfff).toString(16).padStart(3, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${sequenceHex}-${variant}${random.slice(2, 4)}-${random.slice(4, 16)}`;
}

/** An id that is also a bearer credential (app sessions): fully random. */
export const newSecretId = (): string => randomUUID();

/** A random secret to show once (API tokens, passwords, session cookies). */
export function newSecret(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Constant-time comparison of two strings (CSRF tokens and the like). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
