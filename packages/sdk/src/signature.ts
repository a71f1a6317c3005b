/** Parses `kid="…", alg="ed25519", sig="…"`; undefined when the header is missing or malformed. */
export function parseSignatureHeader(header: string | null): { kid: string; sig: string } | undefined {
  if (!header) return undefined;
  const fields = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (fields.alg !== 'ed25519' || !fields.kid || !fields.sig) return undefined;
  return { kid: fields.kid, sig: fields.sig };
}

/**
 * The kid's key when `publicKeys` holds it as its own property, else undefined: a kid such as
 * `constructor`, `toString` or `__proto__` must not find something on Object.prototype.
 */
export function trustedKey(publicKeys: Readonly<Record<string, string>>, kid: string): string | undefined {
  if (!Object.hasOwn(publicKeys, kid)) return undefined;
  const key: unknown = publicKeys[kid];
  return typeof key === 'string' && key !== '' ? key : undefined;
}

const fromBase64 = (value: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(value), (c) => c.charCodeAt(0));

/**
 * Ed25519 verification with WebCrypto (Node ≥ 20 and browsers that support Ed25519). False, never an
 * exception, when the key or the signature is malformed (not base64, wrong length, not a point).
 */
export async function verifyEd25519(
  publicKeyBase64: string,
  signatureBase64: string,
  message: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey(
      'raw',
      fromBase64(publicKeyBase64),
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, fromBase64(signatureBase64), message);
  } catch {
    return false;
  }
}
