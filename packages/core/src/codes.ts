import { canonicalSymbol, symbolsFromBytes } from './base32.js';
import { checkSymbol } from './check-symbol.js';

/** The shape of a human-typed code: a fixed head (vendor prefix, maybe a marker) then grouped symbols. */
export interface CodeFormat {
  /** Text after the vendor prefix that marks the kind of code (`UPD` for coupons). */
  readonly marker: string;
  readonly groups: number;
  readonly groupSize: number;
}

/** `PREFIX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`: 24 random symbols (120 bits) and a check symbol. */
export const LICENSE_KEY_FORMAT: CodeFormat = { marker: '', groups: 5, groupSize: 5 };
/** `PREFIXUPD-XXXX-XXXX-XXXX-XXXX`: 15 random symbols (75 bits) and a check symbol. */
export const COUPON_CODE_FORMAT: CodeFormat = { marker: 'UPD', groups: 4, groupSize: 4 };

export const VENDOR_PREFIX_PATTERN = /^[A-Z]{4}$/;

export type RandomBytes = (size: number) => Uint8Array;

function bodyLength(format: CodeFormat): number {
  return format.groups * format.groupSize;
}

function group(body: string, size: number): string {
  const parts: string[] = [];
  for (let i = 0; i < body.length; i += size) parts.push(body.slice(i, i + size));
  return parts.join('-');
}

/** A new code for a vendor; randomness is injected so core stays free of I/O. */
export function generateCode(format: CodeFormat, prefix: string, randomBytes: RandomBytes): string {
  const randomCount = bodyLength(format) - 1;
  const random = symbolsFromBytes(randomBytes(Math.ceil((randomCount * 5) / 8)), randomCount);
  const head = prefix + format.marker;
  return `${head}-${group(random + checkSymbol(random), format.groupSize)}`;
}

export type CodeProblem = 'MALFORMED' | 'BAD_CHECK' | 'WRONG_KIND';

export type ParsedCode =
  | { ok: true; prefix: string; code: string }
  | { ok: false; problem: CodeProblem; prefix?: string };

/**
 * Reads a code as a person typed it: any case, dashes and spaces anywhere, Crockford aliases.
 * Returns the canonical form, so lookups can use plain equality (or a hash of it).
 */
export function parseCode(format: CodeFormat, input: string): ParsedCode {
  const compact = input.toUpperCase().replace(/[\s-]+/g, '');
  const prefix = compact.slice(0, 4);
  if (!VENDOR_PREFIX_PATTERN.test(prefix)) return { ok: false, problem: 'MALFORMED' };
  const afterPrefix = compact.slice(4);
  if (format.marker && !afterPrefix.startsWith(format.marker)) {
    return { ok: false, problem: 'WRONG_KIND', prefix };
  }
  const rawBody = afterPrefix.slice(format.marker.length);
  if (rawBody.length !== bodyLength(format)) {
    // A coupon pasted where a key belongs (or the reverse) is a different mistake from a typo.
    const other = format.marker ? '' : 'UPD';
    const wrongKind = other !== '' && afterPrefix.startsWith(other);
    return { ok: false, problem: wrongKind ? 'WRONG_KIND' : 'MALFORMED', prefix };
  }
  let body = '';
  for (const char of rawBody) {
    const symbol = canonicalSymbol(char);
    if (symbol === undefined) return { ok: false, problem: 'MALFORMED', prefix };
    body += symbol;
  }
  if (checkSymbol(body.slice(0, -1)) !== body.slice(-1)) return { ok: false, problem: 'BAD_CHECK', prefix };
  return { ok: true, prefix, code: `${prefix}${format.marker}-${group(body, format.groupSize)}` };
}

export const generateLicenseKey = (prefix: string, randomBytes: RandomBytes) =>
  generateCode(LICENSE_KEY_FORMAT, prefix, randomBytes);
export const parseLicenseKey = (input: string) => parseCode(LICENSE_KEY_FORMAT, input);
export const generateCouponCode = (prefix: string, randomBytes: RandomBytes) =>
  generateCode(COUPON_CODE_FORMAT, prefix, randomBytes);
export const parseCouponCode = (input: string) => parseCode(COUPON_CODE_FORMAT, input);

/**
 * A key as it may be shown where it is not a credential (e-mails to partners and managers): the vendor
 * prefix and the last group only, `ACME-…-KCF2K`. The key alone logs into the customer cabinet.
 */
export function maskKey(key: string): string {
  const groups = key.split('-');
  return groups.length > 2 ? `${groups[0]}-…-${groups[groups.length - 1]}` : '…';
}
