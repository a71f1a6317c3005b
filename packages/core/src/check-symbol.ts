import { CROCKFORD_ALPHABET, symbolValue } from './base32.js';

/**
 * Luhn mod 32 over the symbols: catches every single-symbol typo and every swap of two adjacent
 * symbols but `0`↔`Z` (Luhn's one blind pair), the mistakes people make copying a key by hand.
 */
export function checkSymbol(symbols: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = symbols.length - 1; i >= 0; i--) {
    const value = symbolValue(symbols[i]);
    if (value === undefined) throw new RangeError(`not a base32 symbol: ${symbols[i]}`);
    let addend = factor * value;
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / 32) + (addend % 32);
    sum += addend;
  }
  return CROCKFORD_ALPHABET[(32 - (sum % 32)) % 32];
}
