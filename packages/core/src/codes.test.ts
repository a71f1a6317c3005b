import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CROCKFORD_ALPHABET } from './base32.js';
import { generateCouponCode, generateLicenseKey, parseCouponCode, parseLicenseKey } from './codes.js';

describe('license keys', () => {
  it('have the vendor prefix, five groups of five and ≥100 random bits', () => {
    const key = generateLicenseKey('MIKO', randomBytes);
    expect(key).toMatch(/^MIKO(-[0-9A-HJKMNP-TV-Z]{5}){5}$/);
    // 24 random symbols × 5 bits = 120 bits; the 25th is the check symbol.
    expect(key.replace(/^MIKO|-/g, '').length - 1).toBeGreaterThanOrEqual(20);
  });

  it('are read in any case, with or without dashes and spaces, and with Crockford aliases', () => {
    const key = generateLicenseKey('MIKO', randomBytes);
    const variants = [
      key.toLowerCase(),
      key.replaceAll('-', ''),
      ` ${key.replaceAll('-', ' ')} `,
      key.replaceAll('0', 'o').replaceAll('1', 'l'),
    ];
    for (const typed of variants)
      expect(parseLicenseKey(typed)).toEqual({ ok: true, prefix: 'MIKO', code: key });
  });

  it('catch every single-symbol typo and every swap of adjacent symbols but Luhn’s 0↔Z', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 1, max: 31 }), (position, shift) => {
        const key = generateLicenseKey('ACME', randomBytes);
        const body = key.slice(5).replaceAll('-', '');
        const typo = [...body];
        typo[position] = CROCKFORD_ALPHABET[(CROCKFORD_ALPHABET.indexOf(typo[position]) + shift) % 32];
        expect(parseLicenseKey(`ACME${typo.join('')}`)).toMatchObject({ ok: false, problem: 'BAD_CHECK' });
        const pair = body[position] + body[position + 1];
        if (position < 24 && body[position] !== body[position + 1] && pair !== '0Z' && pair !== 'Z0') {
          const swapped = [...body];
          [swapped[position], swapped[position + 1]] = [swapped[position + 1], swapped[position]];
          expect(parseLicenseKey(`ACME${swapped.join('')}`)).toMatchObject({
            ok: false,
            problem: 'BAD_CHECK',
          });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reject wrong lengths, foreign symbols and coupons', () => {
    const key = generateLicenseKey('ACME', randomBytes);
    expect(parseLicenseKey(key.slice(0, -2))).toMatchObject({ ok: false, problem: 'MALFORMED' });
    expect(parseLicenseKey(`${key.slice(0, -1)}U`)).toMatchObject({ ok: false, problem: 'MALFORMED' });
    expect(parseLicenseKey('12-ACME')).toMatchObject({ ok: false, problem: 'MALFORMED' });
    expect(parseLicenseKey(generateCouponCode('ACME', randomBytes))).toMatchObject({
      ok: false,
      problem: 'WRONG_KIND',
    });
  });

  it('are unique across many draws', () => {
    const keys = new Set(Array.from({ length: 10_000 }, () => generateLicenseKey('ACME', randomBytes)));
    expect(keys.size).toBe(10_000);
  });
});

describe('coupon codes', () => {
  it('are PREFIX + UPD and four groups of four with a check symbol (≥75 random bits)', () => {
    const code = generateCouponCode('MIKO', randomBytes);
    expect(code).toMatch(/^MIKOUPD(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
    expect(parseCouponCode(code.toLowerCase().replaceAll('-', ''))).toEqual({
      ok: true,
      prefix: 'MIKO',
      code,
    });
  });

  it('refuse a license key and a bad check symbol', () => {
    expect(parseCouponCode(generateLicenseKey('MIKO', randomBytes))).toMatchObject({
      ok: false,
      problem: 'WRONG_KIND',
    });
    const code = generateCouponCode('MIKO', randomBytes);
    const last = code.at(-1)!;
    const wrong = CROCKFORD_ALPHABET[(CROCKFORD_ALPHABET.indexOf(last) + 1) % 32];
    expect(parseCouponCode(code.slice(0, -1) + wrong)).toMatchObject({ ok: false, problem: 'BAD_CHECK' });
  });
});
