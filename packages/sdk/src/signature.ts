import { answerTreeRoot, base64ToBytes, isBase64, treeSignedMessage } from '@licensor/core';

/**
 * A `Licensor-Signature` header: `kid="…", alg="ed25519", sig="…"`, or for a tree signature also
 * `index="…", path="…"` (DESIGN §4). Tree signatures are what a client asks for with
 * `Licensor-Accept-Signature: ed25519-tree`.
 */
export type AnswerSignature =
  | { readonly alg: 'ed25519'; readonly kid: string; readonly sig: string }
  | {
      readonly alg: 'ed25519-tree';
      readonly kid: string;
      readonly sig: string;
      readonly index: number;
      readonly path: string;
    };

/** The header a client sends to accept tree signatures (each answer still checked alone). */
export const ACCEPT_TREE_SIGNATURES = { 'licensor-accept-signature': 'ed25519-tree' } as const;

const INDEX = /^(0|[1-9][0-9]{0,5})$/;

/** Parses a `Licensor-Signature` header; undefined when it is missing or malformed. */
export function parseSignatureHeader(header: string | null): AnswerSignature | undefined {
  if (!header) return undefined;
  const fields = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!fields.kid || !fields.sig) return undefined;
  if (fields.alg === 'ed25519') return { alg: 'ed25519', kid: fields.kid, sig: fields.sig };
  if (fields.alg !== 'ed25519-tree' || !INDEX.test(fields.index ?? '') || fields.path === undefined)
    return undefined;
  return {
    alg: 'ed25519-tree',
    kid: fields.kid,
    sig: fields.sig,
    index: Number(fields.index),
    path: fields.path,
  };
}

/**
 * Whether `signature` by `publicKeyBase64` covers exactly `body`: directly, or through its tree's root. False,
 * never an exception, when anything is malformed.
 */
export async function verifyAnswerSignature(
  publicKeyBase64: string,
  signature: AnswerSignature,
  body: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  if (signature.alg === 'ed25519') return verifyEd25519(publicKeyBase64, signature.sig, body);
  if (!isBase64(signature.path)) return false;
  const root = await answerTreeRoot(body, signature.index, base64ToBytes(signature.path));
  return root !== undefined && verifyEd25519(publicKeyBase64, signature.sig, treeSignedMessage(root));
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
