import {
  base64ToBytes,
  decodeLicenseFile,
  isLicensePayload,
  type LicensePayload,
  openPayload,
  parseLicenseKey,
  signedMessage,
  splitBundle,
} from '@licensor/core';
import type { ClockGuard } from './clock-guard.js';
import { trustedKey } from './signature.js';

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
  /**
   * The installation this product runs as: a file issued for another one is refused. Leaving it out
   * must be said out loud (`anyInstallation: true`), so no product accepts another installation's file
   * by forgetting it.
   */
  installationId?: string;
  anyInstallation?: boolean;
  /**
   * Decrypts files encrypted for this license key. It may be typed as the customer typed it (any case,
   * with or without dashes, Crockford aliases O→0, I/L→1): a well-formed key is read in its canonical
   * form, the form the server encrypts for; any other text is used exactly as given.
   */
  licenseKey?: string;
  now?: Date;
  clockGuard?: Pick<ClockGuard, 'check'>;
}

type Verifier = (message: Uint8Array<ArrayBuffer>, signature: Uint8Array<ArrayBuffer>) => Promise<boolean>;

/** Node's own crypto when the SDK runs on Node (synchronous, no thread hop); browsers use WebCrypto. */
const nodeCrypto = (
  globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as typeof import('node:crypto') | undefined;

const ED25519_SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/**
 * `node` verifies on the calling thread (one file: no hop to another thread); `node-pool` on libuv's thread pool,
 * so the files of a bundle are verified on every core at once; `webcrypto` in browsers.
 */
export type VerifyEngine = 'node' | 'node-pool' | 'webcrypto';

const defaultEngine = (): VerifyEngine => (nodeCrypto ? 'node' : 'webcrypto');

export function makeVerifier(publicKey: string, engine: VerifyEngine = defaultEngine()): Verifier {
  const raw = base64ToBytes(publicKey);
  if (engine !== 'webcrypto' && nodeCrypto) {
    const key = nodeCrypto.createPublicKey({
      key: Buffer.from([...ED25519_SPKI_PREFIX, ...raw]),
      format: 'der',
      type: 'spki',
    });
    if (engine === 'node-pool')
      return (message, signature) =>
        new Promise((resolve, reject) =>
          nodeCrypto.verify(null, message, key, signature, (error, ok) =>
            error ? reject(error) : resolve(ok),
          ),
        );
    return async (message, signature) => nodeCrypto.verify(null, message, key, signature);
  }
  const imported = crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
  return async (message, signature) =>
    crypto.subtle.verify({ name: 'Ed25519' }, await imported, signature, message);
}

const verifiers = new Map<string, Verifier>();

/** Built once per key and engine: importing a key costs about as much as verifying with it. */
function verifierFor(publicKey: string, engine: VerifyEngine): Verifier {
  const id = `${engine}:${publicKey}`;
  let verifier = verifiers.get(id);
  if (!verifier) {
    verifier = makeVerifier(publicKey, engine);
    verifiers.set(id, verifier);
  }
  return verifier;
}

/** The string a file's AES key is derived from: the canonical key when it parses, else the text as given. */
function fileKeyText(licenseKey: string | undefined): string | undefined {
  if (licenseKey === undefined) return undefined;
  const parsed = parseLicenseKey(licenseKey);
  return parsed.ok ? parsed.code : licenseKey;
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
export function verifyLicenseFile(text: string, options: VerifyOptions): Promise<Verification> {
  return verifyLicenseFileWith(text, options, defaultEngine());
}

/**
 * Several files (a bundle's), each verified as `verifyLicenseFile` does, at one moment: their signatures are
 * checked in parallel, and the clock guard is asked once for them all.
 */
export function verifyLicenseFiles(
  texts: readonly string[],
  options: VerifyOptions,
): Promise<Verification[]> {
  const now = options.now ?? new Date();
  // Asked when the first file gets that far, as one file alone would; then its answer stands for all.
  const guard = options.clockGuard;
  let asked: Promise<boolean> | undefined;
  const once = { ...options, now, clockGuard: guard && { check: () => (asked ??= guard.check(now)) } };
  const engine = texts.length > 1 && nodeCrypto ? 'node-pool' : defaultEngine();
  return Promise.all(texts.map((text) => verifyLicenseFileWith(text, once, engine)));
}

async function verifyLicenseFileWith(
  text: string,
  options: VerifyOptions,
  engine: VerifyEngine,
): Promise<Verification> {
  if (!options.installationId && !options.anyInstallation)
    throw new TypeError('verifyLicenseFile needs the installationId, or anyInstallation: true');
  const envelope = decodeLicenseFile(text);
  if (!envelope) return refuse('MALFORMED', 'not a license file');
  const publicKey = trustedKey(options.publicKeys, envelope.kid);
  if (!publicKey) return refuse('UNKNOWN_KEY', `signed by an unknown or revoked key ${envelope.kid}`);
  let signatureOk = false;
  try {
    signatureOk = await verifierFor(publicKey, engine)(
      signedMessage(envelope.enc),
      base64ToBytes(envelope.sig),
    );
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return refuse('BAD_SIGNATURE', 'the signature does not match the file');
  const payload = await openPayload(envelope, fileKeyText(options.licenseKey));
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
  if (!options.anyInstallation && payload.installationId !== options.installationId) {
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
