/** Crockford base32: no I, L, O, U, so keys survive being read aloud or typed from paper. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

const DECODE: Record<string, number> = Object.fromEntries(
  [...CROCKFORD_ALPHABET].map((char, value) => [char, value]),
);
// Crockford's decoding aliases: what people type instead of the digit.
Object.assign(DECODE, { O: 0, I: 1, L: 1 });

/** The value of one (upper-case) symbol, or undefined when it is not base32. */
export function symbolValue(char: string): number | undefined {
  return DECODE[char];
}

/** Canonical symbol for an input symbol (`O` → `0`, `I`/`L` → `1`), or undefined. */
export function canonicalSymbol(char: string): string | undefined {
  const value = DECODE[char];
  return value === undefined ? undefined : CROCKFORD_ALPHABET[value];
}

/** `count` symbols, each carrying 5 fresh bits taken from `bytes` (which must hold ≥ count*5 bits). */
export function symbolsFromBytes(bytes: Uint8Array, count: number): string {
  if (bytes.length * 8 < count * 5) throw new RangeError('not enough random bytes');
  let out = '';
  let buffer = 0;
  let bits = 0;
  let index = 0;
  while (out.length < count) {
    if (bits < 5) {
      buffer = (buffer << 8) | bytes[index++];
      bits += 8;
    }
    bits -= 5;
    out += CROCKFORD_ALPHABET[(buffer >> bits) & 31];
    buffer &= (1 << bits) - 1;
  }
  return out;
}
