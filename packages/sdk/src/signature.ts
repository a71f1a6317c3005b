/** Parses `kid="…", alg="ed25519", sig="…"`; undefined when the header is missing or malformed. */
export function parseSignatureHeader(header: string | null): { kid: string; sig: string } | undefined {
  if (!header) return undefined;
  const fields = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (fields.alg !== 'ed25519' || !fields.kid || !fields.sig) return undefined;
  return { kid: fields.kid, sig: fields.sig };
}

const fromBase64 = (value: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(value), (c) => c.charCodeAt(0));

/** Ed25519 verification with WebCrypto (Node ≥ 20 and browsers that support Ed25519). */
export async function verifyEd25519(
  publicKeyBase64: string,
  signatureBase64: string,
  message: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const key = await crypto.subtle.importKey('raw', fromBase64(publicKeyBase64), { name: 'Ed25519' }, false, [
    'verify',
  ]);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, fromBase64(signatureBase64), message);
}
