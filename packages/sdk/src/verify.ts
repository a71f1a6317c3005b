import {
  base64ToBytes,
  decodeLicenseFile,
  isLicensePayload,
  type LicensePayload,
  openPayload,
  signedMessage,
  splitBundle,
} from '@licensor/core';
import type { ClockGuard } from './clock-guard.js';

/** Why a license file is refused; each rejection in DESIGN §5 has its own code. */
export type RejectionCode =
  | 'MALFORMED'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'WRONG_VENDOR'
  | 'WRONG_PRODUCT'
  | 'WRONG_INSTALLATION'
  | 'CLOCK_ROLLBACK'
  | 'NOT_STARTED'
  | 'EXPIRED';

export type Verification =
  | { ok: true; payload: LicensePayload }
  | { ok: false; code: RejectionCode; message: string; payload?: LicensePayload };

export interface VerifyOptions {
  /** The vendor's published keys: kid → base64 raw Ed25519 key. Retired keys stay here; revoked ones are removed. */
  publicKeys: Readonly<Record<string, string>>;
  /** The vendor's key prefix. */
  vendor: string;
  product: string;
  installationId?: string;
  /** Decrypts files encrypted for this license key. */
  licenseKey?: string;
  now?: Date;
  clockGuard?: ClockGuard;
}

const importedKeys = new Map<string, Promise<CryptoKey>>();

/** Imported once per key: importing costs about as much as verifying. */
function importKey(publicKey: string): Promise<CryptoKey> {
  let key = importedKeys.get(publicKey);
  if (!key) {
    key = crypto.subtle.importKey('raw', base64ToBytes(publicKey), { name: 'Ed25519' }, false, ['verify']);
    importedKeys.set(publicKey, key);
  }
  return key;
}

const refuse = (code: RejectionCode, message: string, payload?: LicensePayload): Verification => ({
  ok: false,
  code,
  message,
  payload,
});

/**
 * Verifies a `.license` file, checking in this order: readable (MALFORMED), signed by a known key
 * (UNKNOWN_KEY), signature (BAD_SIGNATURE), payload readable (MALFORMED), vendor, product, installation,
 * clock rollback, start, and expiry of the license and of the file itself.
 */
export async function verifyLicenseFile(text: string, options: VerifyOptions): Promise<Verification> {
  const envelope = decodeLicenseFile(text);
  if (!envelope) return refuse('MALFORMED', 'not a license file');
  const publicKey = options.publicKeys[envelope.kid];
  if (!publicKey) return refuse('UNKNOWN_KEY', `signed by an unknown or revoked key ${envelope.kid}`);
  let signatureOk = false;
  try {
    signatureOk = await crypto.subtle.verify(
      { name: 'Ed25519' },
      await importKey(publicKey),
      base64ToBytes(envelope.sig),
      signedMessage(envelope.enc),
    );
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return refuse('BAD_SIGNATURE', 'the signature does not match the file');
  const payload = await openPayload(envelope, options.licenseKey);
  if (!isLicensePayload(payload)) {
    return refuse(
      'MALFORMED',
      envelope.alg === 'ed25519'
        ? 'the payload is unreadable'
        : 'the file is encrypted: the license key is needed',
    );
  }
  if (payload.vendor !== options.vendor)
    return refuse('WRONG_VENDOR', `issued by ${payload.vendor}`, payload);
  if (payload.product !== options.product)
    return refuse('WRONG_PRODUCT', `issued for ${payload.product}`, payload);
  if (options.installationId && payload.installationId !== options.installationId) {
    return refuse('WRONG_INSTALLATION', `issued for installation ${payload.installationId}`, payload);
  }
  const now = options.now ?? new Date();
  if (options.clockGuard && !(await options.clockGuard.check(now))) {
    return refuse('CLOCK_ROLLBACK', 'the clock is earlier than the last time seen', payload);
  }
  if (new Date(payload.startsAt).getTime() > now.getTime())
    return refuse('NOT_STARTED', `starts ${payload.startsAt}`, payload);
  if (payload.expiresAt && new Date(payload.expiresAt).getTime() <= now.getTime())
    return refuse('EXPIRED', `expired ${payload.expiresAt}`, payload);
  if (payload.fileExpiresAt && new Date(payload.fileExpiresAt).getTime() <= now.getTime()) {
    return refuse('EXPIRED', `the file expired ${payload.fileExpiresAt}`, payload);
  }
  return { ok: true, payload };
}

/** The license files in a `.lcs` bundle (or a single `.license`). */
export function readBundle(text: string): string[] {
  return splitBundle(text);
}
