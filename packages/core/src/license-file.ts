import { armor, unarmor, unarmorAll } from './armor.js';
import { base64ToText, isBase64, textToBase64 } from './base64.js';
import { isTerm, type Term } from './term.js';

/** What a license file grants (DESIGN §5); signed by the vendor, read by the product. */
export interface LicensePayload {
  v: 1;
  /** The license (grant) id on the server. */
  id: string;
  /** The vendor's key prefix. */
  vendor: string;
  customer: { id: string; name: string };
  product: string;
  type: string;
  scope: string;
  mode: string;
  resourceKind: string | null;
  capabilities: string[];
  seats: number | null;
  startsAt: string;
  expiresAt: string | null;
  /**
   * The grant's term by the calendar (absent in files from before it was carried; null = perpetual). A product
   * that stacks this license after another adds the term to the later start with `addTerm`, so a year is a
   * calendar year wherever it starts, not the milliseconds between `startsAt` and `expiresAt`.
   */
  term?: Term | null;
  installationId: string;
  tenant?: string;
  issuedAt: string;
  fileExpiresAt?: string;
}

/** The signed envelope inside a `.license` file. */
export interface LicenseEnvelope {
  /** base64 of the payload JSON, or of AES-256-GCM `iv ‖ ciphertext ‖ tag` when `alg` says so. */
  enc: string;
  /** base64 Ed25519 signature over `"license/" + enc`. */
  sig: string;
  /** `ed25519` (plain payload) or `ed25519+aes256gcm` (payload encrypted with SHA-256 of the license key). */
  alg: 'ed25519' | 'ed25519+aes256gcm';
  kid: string;
}

export const LICENSE_FILE_LABEL = 'LICENSE FILE';

/** The exact bytes the signature covers: the prefix stops a license signature being reused elsewhere. */
export const signedMessage = (enc: string): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(`license/${enc}`);

export const encodePayload = (payload: LicensePayload): string => textToBase64(JSON.stringify(payload));
export const decodePayload = (enc: string): unknown => JSON.parse(base64ToText(enc));

export function encodeLicenseFile(envelope: LicenseEnvelope): string {
  return armor(LICENSE_FILE_LABEL, textToBase64(JSON.stringify(envelope)));
}

function readEnvelope(body: string): LicenseEnvelope | undefined {
  try {
    const value = JSON.parse(base64ToText(body)) as Record<string, unknown>;
    const { enc, sig, alg, kid } = value;
    if (typeof enc !== 'string' || !isBase64(enc) || typeof sig !== 'string' || !isBase64(sig))
      return undefined;
    if ((alg !== 'ed25519' && alg !== 'ed25519+aes256gcm') || typeof kid !== 'string' || kid === '')
      return undefined;
    return { enc, sig, alg, kid };
  } catch {
    return undefined;
  }
}

/** The envelope of a `.license` file; undefined when the file is not one. */
export function decodeLicenseFile(text: string): LicenseEnvelope | undefined {
  const body = unarmor(LICENSE_FILE_LABEL, text);
  return body === undefined ? undefined : readEnvelope(body);
}

/** A `.lcs` bundle is license files one after another (seed 001: one upload, many certificates). */
export function encodeBundle(files: readonly string[]): string {
  return files.join('');
}

/** Each license file of a bundle (or of a single `.license`), as its own text; unreadable blocks are kept for reporting. */
export function splitBundle(text: string): string[] {
  return unarmorAll(LICENSE_FILE_LABEL, text).map((body) => armor(LICENSE_FILE_LABEL, body));
}

/** Checks that a decoded payload has the fields a product relies on. */
export function isLicensePayload(value: unknown): value is LicensePayload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  const text = (v: unknown) => typeof v === 'string' && v.length > 0;
  const date = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));
  return (
    p.v === 1 &&
    text(p.id) &&
    text(p.vendor) &&
    typeof p.customer === 'object' &&
    p.customer !== null &&
    text(p.product) &&
    text(p.scope) &&
    text(p.installationId) &&
    Array.isArray(p.capabilities) &&
    p.capabilities.every((c) => typeof c === 'string') &&
    date(p.startsAt) &&
    (p.expiresAt === null || date(p.expiresAt)) &&
    (p.term === undefined || p.term === null || isTerm(p.term)) &&
    date(p.issuedAt) &&
    (p.fileExpiresAt === undefined || date(p.fileExpiresAt))
  );
}
