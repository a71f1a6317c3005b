import { base64ToBytes, bytesToBase64 } from './base64.js';
import {
  decodePayload,
  encodeLicenseFile,
  encodePayload,
  type LicenseEnvelope,
  type LicensePayload,
  signedMessage,
} from './license-file.js';

/** Signs bytes with the vendor's private key (node:crypto on the server); returns the raw signature. */
export type Signer = (message: Uint8Array<ArrayBuffer>) => Promise<Uint8Array>;

const subtle = () => globalThis.crypto.subtle;
const IV_BYTES = 12;

/** AES-256-GCM key from the license key: only a holder of the key can read an encrypted file. */
async function fileKey(licenseKey: string, usage: KeyUsage): Promise<CryptoKey> {
  const digest = await subtle().digest('SHA-256', new TextEncoder().encode(licenseKey));
  return subtle().importKey('raw', digest, { name: 'AES-GCM' }, false, [usage]);
}

/** Builds a signed `.license` file; with `encryptFor` (the canonical license key) the payload is encrypted. */
export async function sealLicenseFile(
  payload: LicensePayload,
  signer: { kid: string; sign: Signer },
  encryptFor?: string,
): Promise<string> {
  let enc = encodePayload(payload);
  if (encryptFor) {
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const plain = new TextEncoder().encode(JSON.stringify(payload));
    const sealed = new Uint8Array(
      await subtle().encrypt({ name: 'AES-GCM', iv }, await fileKey(encryptFor, 'encrypt'), plain),
    );
    const joined = new Uint8Array(IV_BYTES + sealed.length);
    joined.set(iv);
    joined.set(sealed, IV_BYTES);
    enc = bytesToBase64(joined);
  }
  const sig = bytesToBase64(await signer.sign(signedMessage(enc)));
  const envelope: LicenseEnvelope = {
    enc,
    sig,
    alg: encryptFor ? 'ed25519+aes256gcm' : 'ed25519',
    kid: signer.kid,
  };
  return encodeLicenseFile(envelope);
}

/** Ed25519 check of an envelope's signature with a raw base64 public key (WebCrypto, Node ≥ 20 and browsers). */
export async function verifyEnvelope(envelope: LicenseEnvelope, publicKeyBase64: string): Promise<boolean> {
  try {
    const key = await subtle().importKey('raw', base64ToBytes(publicKeyBase64), { name: 'Ed25519' }, false, [
      'verify',
    ]);
    return await subtle().verify(
      { name: 'Ed25519' },
      key,
      base64ToBytes(envelope.sig),
      signedMessage(envelope.enc),
    );
  } catch {
    return false;
  }
}

/** The payload of a verified envelope, decrypting it when needed; undefined when it cannot be read. */
export async function openPayload(envelope: LicenseEnvelope, licenseKey?: string): Promise<unknown> {
  try {
    if (envelope.alg === 'ed25519') return decodePayload(envelope.enc);
    if (!licenseKey) return undefined;
    const joined = base64ToBytes(envelope.enc);
    const plain = await subtle().decrypt(
      { name: 'AES-GCM', iv: joined.subarray(0, IV_BYTES) },
      await fileKey(licenseKey, 'decrypt'),
      joined.subarray(IV_BYTES),
    );
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    return undefined;
  }
}
